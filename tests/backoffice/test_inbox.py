"""The editors' inbox through the test client: groups, a group's page, keywords saved as a draft, training
examples marked; bad input refused with nothing saved (SQLite and PostgreSQL)."""

import re

import pytest
from sqlalchemy import select

from backoffice import accounts
from conversations import service as conversations
from conversations.models import TrainingExample, TurnOutcome
from frontdesk.database import session_scope
from people import roster
from policies_kb import service as kb
from policies_kb.files import load_directory
from tests.backoffice.conftest import csrf_of, sign_in

ARTICLE = "talent-apartment-bole"
QUESTIONS = ["人才公寓怎么申请<script>", "请问人才公寓在哪申请", "人才公寓如何申请啊"]


@pytest.fixture
def editor(browser):
    with session_scope() as session:
        roster.import_roster(
            session,
            text="- {id: editor-kb, name: 吴编辑, role: staff, districts: [精河县], topics: [all]}",
            fmt="yaml",
        )
        accounts.create_account(session, person_id="editor-kb", password="correct horse battery", editor=True)
        content = next(a for a in load_directory().articles.values() if a.id == ARTICLE)
        kb.import_draft(session, content=content, editor="王编辑")
        kb.publish(session, article_id=ARTICLE, editor="王编辑", note="首次发布")
        for n, text in enumerate([*QUESTIONS, "孩子转学需要什么材料"]):
            conversations.record_turn(
                session, sender_id=f"telegram:{n}", language="zh", text=text, from_button=False,
                intent="ask_housing", confidence=0.5, outcome=TurnOutcome.NO_ARTICLE, topic="housing",
            )  # fmt: skip
    assert sign_in(browser, "editor-kb").status_code == 303
    return browser


def _group(client) -> tuple[str, str]:
    page = client.get("/editor/inbox")
    assert page.status_code == 200
    assert "待答问题" in page.text and "&lt;script&gt;" in page.text and "<script>" not in page.text
    key = re.search(r'href="/editor/inbox/([0-9a-f]{12})\?days=30&amp;topic="', page.text).group(1)
    return key, client.get(f"/editor/inbox/{key}").text


def test_a_group_of_similar_questions_adds_its_words_to_an_article_as_a_draft(editor):
    key, group = _group(editor)
    assert group.count('name="turn"') == 3 and "孩子转学" not in group
    assert "/editor/articles/new?topic=housing&amp;question=" in group
    csrf = csrf_of(group)
    refused = editor.post(
        f"/editor/inbox/{key}/keywords", data={"csrf": csrf, "article": ARTICLE, "words": ""}
    )
    assert refused.status_code == 400 and "1 到 10 个词" in refused.text
    unknown = editor.post(
        f"/editor/inbox/{key}/keywords", data={"csrf": csrf, "article": "nope", "words": "公寓"}
    )
    assert unknown.status_code == 400
    with session_scope() as session:
        assert len(kb.history(session, article_id=ARTICLE)) == 1  # nothing half saved
    saved = editor.post(
        f"/editor/inbox/{key}/keywords",
        data={"csrf": csrf, "article": ARTICLE, "words": "公寓申请, 在哪申请"},
    )
    assert saved.status_code == 200 and f'href="/editor/articles/{ARTICLE}"' in saved.text
    with session_scope() as session:
        draft = kb.history(session, article_id=ARTICLE)[-1]
        assert (draft.version, str(draft.status), draft.created_by) == (2, "draft", "editor-kb")
        assert draft.content["keywords"][-2:] == ["公寓申请", "在哪申请"]
    forged = editor.post(f"/editor/inbox/{key}/keywords", data={"article": ARTICLE, "words": "x"})
    assert forged.status_code == 403


def test_ticked_messages_become_training_examples_of_the_chosen_intent(editor):
    key, group = _group(editor)
    csrf = csrf_of(group)
    turns = re.findall(r'name="turn" value="(\d+)"', group)
    bad = editor.post(
        f"/editor/inbox/{key}/examples", data={"csrf": csrf, "turn": turns, "intent": "ask_weather"}
    )
    assert bad.status_code == 400
    stranger = editor.post(
        f"/editor/inbox/{key}/examples", data={"csrf": csrf, "turn": ["999999"], "intent": "ask_housing"}
    )
    assert stranger.status_code == 400
    marked = editor.post(
        f"/editor/inbox/{key}/examples", data={"csrf": csrf, "turn": turns[:2], "intent": "ask_housing"}
    )
    assert marked.status_code == 200 and "已标记 2 条样例" in marked.text
    with session_scope() as session:
        examples = session.scalars(select(TrainingExample)).all()
        assert {(e.intent, e.marked_by) for e in examples} == {("ask_housing", "editor-kb")}
        assert {e.text for e in examples} < set(QUESTIONS)
    assert editor.get("/editor/inbox/0123456789ab").status_code == 404
