"""The editors' inbox: which turns are unanswered, and their grouping by similar wording (SQLite and
PostgreSQL)."""

import datetime as dt

from conversations import inbox
from conversations import service as conversations
from conversations.models import TurnOutcome

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def _turn(session, text, outcome, *, ago, sender="telegram:1", button=False, article=None):
    return conversations.record_turn(
        session,
        sender_id=sender,
        language="zh",
        text=text,
        from_button=button,
        intent="ask_housing",
        confidence=0.8,
        outcome=outcome,
        topic="housing",
        article_id=article,
        version=1 if article else None,
        at=NOW - ago,
    )


def test_the_inbox_holds_turns_without_answer_questions_back_left_and_answers_voted_down(session):
    minutes = dt.timedelta(minutes=1)
    no_article = _turn(session, "人才公寓怎么申请", TurnOutcome.NO_ARTICLE, ago=300 * minutes)
    _turn(session, "住房", TurnOutcome.NO_ARTICLE, ago=290 * minutes, button=True)
    _turn(session, "公积金怎么取", TurnOutcome.ANSWERED, ago=280 * minutes, article="fund")
    left = _turn(session, "补贴多少", TurnOutcome.CLARIFIED, ago=200 * minutes, sender="telegram:2")
    _turn(session, "房补", TurnOutcome.ASKED_DETAIL, ago=100 * minutes, sender="telegram:3")
    _turn(session, "博乐市", TurnOutcome.ANSWERED, ago=95 * minutes, sender="telegram:3", article="rent")
    _turn(session, "还在等回复", TurnOutcome.CLARIFIED, ago=10 * minutes, sender="telegram:4")  # not yet
    voted = _turn(
        session, "租房补贴标准", TurnOutcome.ANSWERED, ago=60 * minutes, sender="telegram:5", article="rent"
    )
    _turn(session, "很久以前", TurnOutcome.TICKET, ago=dt.timedelta(days=40))
    session.commit()
    dislikes = [
        inbox.Dislike("telegram:5", "rent", NOW - 59 * minutes),
        inbox.Dislike("telegram:3", "other-article", NOW - 50 * minutes),  # no answer from it: nothing
    ]
    found = inbox.unanswered(session, since=NOW - dt.timedelta(days=30), until=NOW, dislikes=dislikes)
    assert [(m.turn_id, m.why) for m in found] == [
        (no_article.id, "no_article"),
        (left.id, inbox.ABANDONED),
        (voted.id, inbox.UNHELPFUL),
    ]
    assert inbox.unanswered(session, since=NOW - 250 * minutes, until=NOW, topic="schooling") == []


def _messages(*texts):
    return [
        inbox.Message(n, NOW - dt.timedelta(minutes=n), f"telegram:{n % 2}", text, "housing", "no_article")
        for n, text in enumerate(texts)
    ]


def test_similar_wordings_share_a_group_and_different_ones_do_not_in_chinese_and_english():
    messages = _messages(
        "博乐的人才公寓怎么申请",
        "人才公寓如何申请啊",
        "请问人才公寓在哪申请",
        "How do I apply for a talent apartment?",
        "how to apply for talent apartments",
        "今天天气怎么样",
        "where can I renew my green card",
        "？？",
    )
    groups = inbox.group_messages(messages, segmenter=inbox.segmenter(()))
    by_text = {message.text: group for group in groups for message in group.messages}
    assert (
        by_text["博乐的人才公寓怎么申请"] is by_text["请问人才公寓在哪申请"] is by_text["人才公寓如何申请啊"]
    )
    assert by_text["How do I apply for a talent apartment?"] is by_text["how to apply for talent apartments"]
    assert len({id(group) for group in by_text.values()}) == 5
    chinese = by_text["人才公寓如何申请啊"]
    assert (chinese.count, chinese.talents, chinese.topics) == (3, 2, ["housing"])
    assert {"人才", "公寓", "申请"} <= set(chinese.words)
    assert "apply" in by_text["how to apply for talent apartments"].words  # as written, not its stem
    assert chinese.last_seen == NOW and chinese.messages[0].at == NOW
    again = inbox.group_messages(list(reversed(messages)), segmenter=inbox.segmenter(()))
    assert sorted(group.key for group in again) == sorted(group.key for group in groups)  # stable keys
