"""Conversations through the real Rasa server, action server and database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.flows import NEW_QUESTION, choose_language, talent_turn
from bot.rasa_client import RasaClient
from conversations.models import ConversationTurn, TurnOutcome
from frontdesk.payloads import sign
from inbox.models import InboundMessage, InboxStatus
from launcher.serve import free_port, wait_until_ready
from people import registry, roster
from tickets import service
from tickets.models import Ticket

pytestmark = pytest.mark.integration


def sender() -> str:
    return f"test:{uuid.uuid4().hex[:8]}"


def customs(messages: list[dict]) -> list[dict]:
    return [m["custom"] for m in messages if "custom" in m]


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_housing_question_is_answered_from_the_knowledge_base_with_its_source(stack):
    messages = stack.say(sender(), "博乐市的人才公寓怎么申请？")
    answer = [c for c in customs(messages) if c["type"] == "kb_answer"]
    assert answer and answer[0]["topic"] == "housing"
    assert answer[0]["article_id"] == "talent-apartment-bole" and answer[0]["version"] >= 1
    assert "依据：《" in texts(messages) and "第1版" in texts(messages)


def test_asking_for_a_person_opens_a_ticket_that_is_in_the_database(stack):
    talent = sender()
    messages = stack.say(talent, "我要找人工")
    tickets = [c for c in customs(messages) if c["type"] == "ticket"]
    assert tickets and tickets[0]["status"] == "open"
    ticket_id = tickets[0]["ticket_id"]
    assert ticket_id in texts(messages)
    with Session(stack.engine) as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None and ticket.sender_id == talent and "我要找人工" in ticket.question


def test_weather_gets_a_polite_out_of_scope_reply(stack):
    messages = stack.say(sender(), "今天天气怎么样")
    assert "不在人才绿卡服务窗口的服务范围内" in texts(messages)
    assert not [c for c in customs(messages) if c["type"] in {"kb_answer", "ticket"}]


def test_a_detail_asked_for_completes_the_question(stack):
    talent = sender()
    first = stack.say(talent, "人才公寓怎么申请")
    asked = [c for c in customs(first) if c["type"] == "ask_detail"]
    assert asked and asked[0]["detail"] == "district"
    button = next(b for m in first for b in m.get("buttons", []) if "精河县" in b["payload"])
    second = stack.say(talent, button["payload"])
    answer = [c for c in customs(second) if c["type"] == "kb_answer"]
    assert answer and answer[0]["article_id"] == "talent-apartment-jinghe"


def test_english_question_gets_an_english_answer(stack):
    messages = stack.say(sender(), "How can I apply for a talent apartment in Bole?")
    assert [c for c in customs(messages) if c["type"] == "kb_answer"]
    assert "Source:" in texts(messages)


@pytest.fixture
async def client(stack):
    client = RasaClient.from_settings(stack.settings, timeout=30)
    yield client
    await client.close()


async def test_empty_and_control_character_messages_get_a_clear_reply(client):
    for raw in ["", "   ", "\x00\x07\x1b"]:
        replies = await talent_turn(client, channel="test", sender_id=sender(), raw_text=raw, limit=1000)
        assert len(replies) == 1 and "没有可以识别的文字" in replies[0].text


async def test_ten_thousand_characters_are_read_from_the_start_and_kept_whole(client, stack):
    raw = "我要找人工。" + "我的情况比较复杂" * 1250
    replies = await talent_turn(client, channel="test", sender_id=sender(), raw_text=raw, limit=1000)
    assert "前1000字" in replies[0].text
    ticket_id = next(r.custom["ticket_id"] for r in replies if r.custom and r.custom["type"] == "ticket")
    with Session(stack.engine) as session:
        assert len(session.get(Ticket, ticket_id).question) == len(raw)


async def test_html_and_sql_in_text_are_harmless(stack):
    messages = stack.say(sender(), "<script>alert(1)</script>'; DROP TABLE tickets; --")
    assert messages and "<script>" not in texts(messages)
    with Session(stack.engine) as session:
        assert session.query(Ticket).count() >= 0


async def test_a_stopped_rasa_server_saves_the_question_as_a_ticket(stack):
    dead = RasaClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    try:
        replies = await talent_turn(
            dead, channel="test", sender_id=sender(), raw_text="人才公寓怎么申请", limit=1000
        )
    finally:
        await dead.close()
    assert len(replies) == 1 and "智能助手暂时无法回答" in replies[0].text
    ticket_id = replies[0].custom["ticket_id"]
    assert ticket_id in replies[0].text
    with Session(stack.engine) as session:
        assert session.get(Ticket, ticket_id).question == "人才公寓怎么申请"


def test_a_question_asked_while_the_form_waits_is_answered_and_the_form_comes_back(stack):
    talent = sender()
    asked = customs(stack.say(talent, "人才公寓怎么申请"))
    assert asked == [{"type": "ask_detail", "topic": "housing", "detail": "district"}]
    detour = stack.say(talent, "对了，服务窗口电话是多少")
    kinds = [c["type"] for c in customs(detour)]
    assert kinds == ["kb_answer", "ask_detail"] and "人才公寓怎么申请" in texts(detour)
    answer = customs(stack.say(talent, "精河的"))
    assert answer[0]["type"] == "kb_answer" and answer[0]["article_id"] == "talent-apartment-jinghe"


def test_a_bound_green_card_says_the_district_so_nobody_asks(stack):
    talent = sender()
    secret = stack.settings.registry_secret.get_secret_value()
    own_card = "card_number,name,tier,district,phone\nBZ2026T901,测试人才,C类,精河县,13900002468\n"
    with Session(stack.engine) as session, session.begin():  # a card of its own: a card binds one account
        registry.import_csv(session, text=own_card, secret=secret)
        assert registry.bind(
            session, sender_id=talent, card_number="BZ2026T901", last4="2468", secret=secret
        ).talent
    answer = customs(stack.say(talent, "人才公寓怎么申请"))
    assert answer[0]["type"] == "kb_answer" and answer[0]["article_id"] == "talent-apartment-jinghe"


def test_a_topic_button_offers_the_topics_articles_and_one_can_be_picked(stack):
    talent = sender()
    menu = stack.say(talent, sign("/ask_housing"))
    offered = customs(menu)[0]
    assert offered["type"] == "topic_menu" and offered["articles"]
    picked = next(
        b["payload"] for m in menu for b in m.get("buttons", []) if offered["articles"][0] in b["payload"]
    )
    answer = customs(stack.say(talent, picked))
    assert answer[0]["type"] == "kb_answer" and answer[0]["article_id"] == offered["articles"][0]


def test_yes_after_no_answer_opens_a_ticket(stack):
    talent = sender()
    no_answer = customs(stack.say(talent, sign('/ask_medical{"kb_article": "no-such-article"}')))
    assert no_answer[0]["type"] == "no_answer"
    ticket = customs(stack.say(talent, "好的"))
    assert ticket[0]["type"] == "ticket"


@pytest.mark.parametrize("text", ["1", "asdfgh", "？？？"])
def test_a_message_the_assistant_cannot_read_gets_the_menu_and_a_person(text, stack):
    messages = stack.say(sender(), text)
    assert customs(messages) == [{"type": "clarify", "candidates": []}]
    assert sign("/request_human") in [b["payload"] for m in messages for b in m.get("buttons", [])]


def test_help_lists_what_the_front_desk_does(stack):
    messages = stack.say(sender(), "你能帮我做什么")
    assert "转人工" in texts(messages) and len([b for m in messages for b in m.get("buttons", [])]) == 10


async def test_a_stopped_action_server_saves_the_question_as_a_ticket(client, stack):
    actions = next(service for service in stack.services if service.name == "action server")
    actions.stop()
    try:
        replies = await talent_turn(
            client, channel="test", sender_id=sender(), raw_text="安家费有多少", limit=1000
        )
    finally:
        actions.start()
        wait_until_ready(stack.settings, stack.services)
    assert len(replies) == 1 and replies[0].custom["type"] == "ticket"
    with Session(stack.engine) as session:
        assert session.get(Ticket, replies[0].custom["ticket_id"]).question == "安家费有多少"


async def test_while_a_ticket_waits_for_the_talent_any_channel_adds_their_next_message_to_it(client, stack):
    talent = sender()
    ticket_id = next(m["custom"]["ticket_id"] for m in stack.say(talent, "我要找人工") if "custom" in m)
    with Session(stack.engine) as session, session.begin():
        roster.import_roster(
            session,
            text="- {id: staff-any, name: 王窗口, role: staff, districts: [all], topics: [all]}",
            fmt="yaml",
        )
        service.claim(session, ticket_id=ticket_id, person_id="staff-any")
        service.reply(
            session, ticket_id=ticket_id, person_id="staff-any", text="请补充户口本", ask_talent=True
        )
    choose_language(sender_id=talent, language="en")  # the channel's own texts follow the talent's choice
    replies = await talent_turn(
        client, channel="test", sender_id=talent, raw_text="户口本已经办好了", limit=1000
    )
    assert replies[0].custom["ticket_id"] == ticket_id and ticket_id in replies[0].text
    assert replies[0].text.startswith("Your message was added to request")
    assert [b["payload"] for b in replies[0].buttons] == [NEW_QUESTION]
    with Session(stack.engine) as session:
        assert session.get(Ticket, ticket_id).transcript[-1] == {"who": "talent", "text": "户口本已经办好了"}
    asked = await talent_turn(
        client,
        channel="test",
        sender_id=talent,
        raw_text="人才公寓怎么申请",
        limit=1000,
        as_new_question=True,
    )
    assert [r.custom["type"] for r in asked if r.custom] == ["ask_detail"]


async def test_a_channel_that_gave_up_waiting_and_the_action_server_open_one_ticket(client, stack):
    """The slow-assistant case: the channel's ticket and the action's ticket for one message are one."""
    talent = sender()
    replies = await client.send(talent, "我要找人工", message_id="slow-assistant-1")
    opened = next(r.custom["ticket_id"] for r in replies if r.custom and r.custom["type"] == "ticket")
    with Session(stack.engine) as session:
        channel_ticket = service.create_ticket(
            session, channel="test", sender_id=talent, question="我要找人工", reason="assistant_unavailable",
            sla=service.default_sla(), message_key="slow-assistant-1",
        )  # fmt: skip
        session.commit()
        assert channel_ticket.id == opened
        assert session.query(Ticket).filter(Ticket.sender_id == talent).count() == 1


async def test_every_answered_message_is_settled_in_the_inbox(client, stack):
    talent = sender()
    await talent_turn(
        client, channel="test", sender_id=talent, raw_text="博乐市的人才公寓怎么申请？", limit=1000
    )
    await talent_turn(client, channel="test", sender_id=talent, raw_text="我要找人工", limit=1000)
    with Session(stack.engine) as session:
        statuses = session.scalars(
            select(InboundMessage.status)
            .where(InboundMessage.sender_id == talent)
            .order_by(InboundMessage.received_at)
        )
        assert list(statuses) == [InboxStatus.ANSWERED, InboxStatus.TICKETED]


def test_each_turn_is_recorded_with_how_it_ended(stack):
    talent = sender()
    stack.say(talent, "博乐市的人才公寓怎么申请？")
    stack.say(talent, "今天天气怎么样")
    with Session(stack.engine) as session:
        turns = session.scalars(
            select(ConversationTurn).where(ConversationTurn.sender_id == talent).order_by(ConversationTurn.id)
        ).all()
    assert [turn.outcome for turn in turns] == [TurnOutcome.ANSWERED, TurnOutcome.NOT_UNDERSTOOD]
    answered = turns[0]
    assert (answered.topic, answered.district, answered.channel) == ("housing", "博乐市", "test")
    assert answered.article_id and answered.version == 1
    assert answered.text.startswith("博乐市的人才公寓怎么申请")  # as Rasa read it (？ → ?)
