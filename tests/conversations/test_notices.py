"""Policy-change notices on SQLite and PostgreSQL: who is told of a new version, once, in their language."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from conversations import notices, scheduled
from conversations import service as conversations
from conversations.models import ConversationTurn, TurnOutcome
from frontdesk.clock import utcnow
from notifications.models import OutboxKind, OutboxMessage, RecipientKind
from policies_kb import review, service
from policies_kb.files import load_directory
from policies_kb.models import ArticleVersion
from policies_kb.schema import ArticleContent

ARTICLE = "talent-apartment-bole"
OTHER_ARTICLE = "green-card-overview"
TITLE = {"zh": "博乐市人才公寓申请", "en": "Talent apartments in Bole City"}


def content_of(article_id: str) -> ArticleContent:
    return next(a for a in load_directory().articles.values() if a.id == article_id)


@pytest.fixture
def apartment(session: Session) -> ArticleContent:
    """The article published as v1 (with another article beside it)."""
    for article_id in (ARTICLE, OTHER_ARTICLE):
        service.import_draft(session, content=content_of(article_id), editor="王编辑")
        service.publish(session, article_id=article_id, editor="王编辑", note="首次发布")
    session.commit()
    return content_of(ARTICLE)


def answered(
    session: Session,
    sender_id: str,
    *,
    version: int = 1,
    days_ago: float = 10,
    language: str = "zh",
    article_id: str = ARTICLE,
    outcome: TurnOutcome = TurnOutcome.ANSWERED,
) -> None:
    conversations.record_turn(
        session,
        sender_id=sender_id,
        language=language,
        text="博乐市的人才公寓怎么申请？" if language == "zh" else "How do I get a talent apartment?",
        from_button=False,
        intent="ask_housing",
        confidence=0.9,
        outcome=outcome,
        topic="housing",
        article_id=article_id,
        version=version,
        at=utcnow() - dt.timedelta(days=days_ago),
    )


def new_version(
    session: Session, content: ArticleContent, *, note: str, minor: bool = False, keyword: str = "改过"
) -> ArticleVersion:
    """The next version, published from the command line (minor_change as the publish step sets it)."""
    service.import_draft(session, content=content.model_copy(update={"keywords": [keyword]}), editor="李编辑")
    published = service.publish(session, article_id=content.id, editor="李编辑", note=note)
    published.minor_change = minor
    session.commit()
    return published


def notices_queued(session: Session) -> list[tuple[str, str, dict]]:
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == OutboxKind.POLICY_CHANGED)
        .order_by(OutboxMessage.id)
    )
    return [(row.recipient, row.recipient_kind, row.payload) for row in rows]


def test_talents_answered_from_an_older_version_are_told_once_each_in_their_language(session, apartment):
    answered(session, "telegram:101")
    answered(session, "telegram:101", days_ago=3)  # asked twice: told once
    answered(session, "telegram:102", days_ago=5)
    conversations.record_turn(  # 102's latest turn is in English, about something else
        session,
        sender_id="telegram:102",
        language="en",
        text="thanks",
        from_button=False,
        intent="thank",
        confidence=0.9,
        outcome=TurnOutcome.SMALL_TALK,
        at=utcnow() - dt.timedelta(days=1),
    )
    answered(session, "telegram:103", days_ago=179)
    answered(session, "telegram:201", days_ago=181)  # outside the 180 days
    answered(session, "telegram:202", article_id=OTHER_ARTICLE)  # another article
    answered(session, "telegram:203", outcome=TurnOutcome.NOT_ELIGIBLE)  # not answered from it
    answered(session, "dlg-c01-7")  # a channel that cannot deliver notices
    answered(session, "local:1")
    answered(session, "telegram:204")
    conversations.set_policy_notices(session, sender_id="telegram:204", on=False)  # turned them off
    session.commit()

    # published through the review, as the back office does
    service.import_draft(session, content=apartment.model_copy(update={"keywords": ["新"]}), editor="李编辑")
    review.submit(session, article_id=ARTICLE, version=2, editor="李编辑")
    review.approve(session, article_id=ARTICLE, version=2, reviewer="王编辑")
    review.publish_approved(
        session, article_id=ARTICLE, version=2, editor="王编辑", note="租金标准调整为每月10元/㎡"
    )
    answered(session, "telegram:205", version=2, days_ago=0)  # already answered from the new version
    session.commit()

    assert scheduled.notify_policy_changes(session) == 3
    session.commit()
    told = {recipient: (kind, payload) for recipient, kind, payload in notices_queued(session)}
    assert sorted(told) == ["telegram:101", "telegram:102", "telegram:103"]
    assert {kind for kind, _ in told.values()} == {RecipientKind.TALENT}
    assert told["telegram:101"][1] == {
        "article_id": ARTICLE,
        "version": 2,
        "title": TITLE["zh"],
        "note": "租金标准调整为每月10元/㎡",
        "topic": "housing",
        "language": "zh",
    }
    assert (told["telegram:102"][1]["language"], told["telegram:102"][1]["title"]) == ("en", TITLE["en"])

    assert scheduled.notify_policy_changes(session) == 0  # the next sweep: nothing twice
    version = service.get_version(session, article_id=ARTICLE, version=2)
    assert notices.notify_policy_change(session, version=version) == 0
    session.commit()
    assert len(notices_queued(session)) == 3


def test_a_minor_correction_or_a_version_without_a_note_tells_nobody(session, apartment):
    answered(session, "telegram:101")
    session.commit()
    # marked minor at the back office's publish step
    service.import_draft(
        session, content=apartment.model_copy(update={"keywords": ["错字"]}), editor="李编辑"
    )
    review.submit(session, article_id=ARTICLE, version=2, editor="李编辑")
    review.approve(session, article_id=ARTICLE, version=2, reviewer="王编辑")
    minor = review.publish_approved(
        session, article_id=ARTICLE, version=2, editor="王编辑", note="错别字", minor=True
    )
    session.commit()
    assert scheduled.notify_policy_changes(session) == 0
    assert notices.notify_policy_change(session, version=minor) == 0
    unnoted = new_version(session, apartment, note="", keyword="再改")
    assert scheduled.notify_policy_changes(session) == 0
    assert notices.notify_policy_change(session, version=unnoted) == 0
    assert notices_queued(session) == []

    new_version(session, apartment, note="申请材料增加社保证明", keyword="三改")
    assert scheduled.notify_policy_changes(session) == 1


def test_a_change_corrected_at_once_by_a_minor_version_is_still_told(session, apartment):
    answered(session, "telegram:101")
    session.commit()
    new_version(session, apartment, note="申请条件放宽到C类人才")
    new_version(session, apartment, note="错别字", minor=True, keyword="再改")  # before the sweep ran
    assert scheduled.notify_policy_changes(session) == 1
    [(_, _, payload)] = notices_queued(session)
    assert (payload["version"], payload["note"]) == (2, "申请条件放宽到C类人才")


def test_a_later_change_is_told_again_and_turning_notices_back_on_works(session, apartment):
    answered(session, "telegram:101")
    answered(session, "telegram:102")
    session.commit()
    new_version(session, apartment, note="第一次调整")
    assert scheduled.notify_policy_changes(session) == 2
    conversations.set_policy_notices(session, sender_id="telegram:102", on=False)
    assert not conversations.policy_notices_on(session, sender_id="telegram:102")
    new_version(session, apartment, note="第二次调整", keyword="再改")
    assert scheduled.notify_policy_changes(session) == 1  # 101 again; 102 said no
    conversations.set_policy_notices(session, sender_id="telegram:102", on=True)
    assert conversations.policy_notices_on(session, sender_id="telegram:102")
    assert conversations.policy_notices_on(session, sender_id="telegram:999")  # no row: on
    session.commit()
    recipients = [(recipient, payload["version"]) for recipient, _, payload in notices_queued(session)]
    assert recipients == [("telegram:101", 2), ("telegram:102", 2), ("telegram:101", 3)]


def test_retired_articles_and_versions_published_before_the_lookback_are_left_alone(session, apartment):
    answered(session, "telegram:101")
    session.commit()
    old = new_version(session, apartment, note="很久以前的调整")
    old.published_at = utcnow() - scheduled.LOOKBACK - dt.timedelta(minutes=1)
    session.commit()
    assert scheduled.notify_policy_changes(session) == 0
    new_version(session, apartment, note="调整", keyword="再改")
    service.retire(session, article_id=ARTICLE, editor="王编辑", note="政策废止")
    session.commit()
    assert scheduled.notify_policy_changes(session) == 0


def test_thousands_of_talents_are_told_in_batches(session, apartment):
    talents = 3000
    at = utcnow() - dt.timedelta(days=30)
    session.execute(
        insert(ConversationTurn),
        [
            {
                "at": at,
                "sender_id": f"telegram:{700000 + n}",
                "channel": "telegram",
                "language": "en" if n % 3 == 0 else "zh",
                "text": "人才公寓",
                "from_button": False,
                "intent": "ask_housing",
                "confidence": 0.9,
                "topic": "housing",
                "outcome": TurnOutcome.ANSWERED,
                "article_id": ARTICLE,
                "version": 1,
            }
            for n in range(talents)
        ],
    )
    session.commit()
    new_version(session, apartment, note="租金调整")
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert scheduled.notify_policy_changes(session) == talents
    finally:
        event.remove(engine, "before_cursor_execute", count)
    session.commit()
    assert len(statements) <= 10  # the versions, the recipients, six INSERTs of 500: not one per talent
    assert scheduled.notify_policy_changes(session) == 0
    payloads = session.scalars(
        select(OutboxMessage.payload).where(OutboxMessage.kind == OutboxKind.POLICY_CHANGED)
    )
    assert Counter(payload["language"] for payload in payloads) == {"en": 1000, "zh": 2000}
