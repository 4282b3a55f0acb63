"""The conversation record on SQLite and PostgreSQL."""

from sqlalchemy import select

from conversations import service as conversations
from conversations.models import MAX_RECORDED_CHARS, ConversationTurn, TurnOutcome
from frontdesk.contract import PayloadType


def test_the_outcome_follows_the_payload_and_plain_text_by_what_was_replied():
    assert conversations.outcome_of(PayloadType.KB_ANSWER, reply=None) is TurnOutcome.ANSWERED
    assert conversations.outcome_of(PayloadType.NO_ANSWER, reply=None) is TurnOutcome.NO_ARTICLE
    assert conversations.outcome_of(None, reply="out_of_scope") is TurnOutcome.NOT_UNDERSTOOD
    assert conversations.outcome_of(None, reply="thank") is TurnOutcome.SMALL_TALK
    assert set(conversations.OUTCOME_OF_PAYLOAD) == set(PayloadType)


def test_a_turn_is_written_with_its_channel_and_a_long_message_by_its_beginning(session):
    conversations.record_turn(
        session,
        sender_id="web:abc",
        language="zh",
        text="人" * (MAX_RECORDED_CHARS + 50),
        from_button=False,
        intent="ask_housing",
        confidence=0.9,
        outcome=TurnOutcome.NO_ARTICLE,
        topic="housing",
    )
    session.commit()
    turn = session.scalars(select(ConversationTurn)).one()
    assert (turn.channel, len(turn.text), turn.outcome) == ("web", MAX_RECORDED_CHARS, TurnOutcome.NO_ARTICLE)
