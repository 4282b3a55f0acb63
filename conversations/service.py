"""The conversation record: each talent turn written once, as the action server settled it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from conversations.models import MAX_RECORDED_CHARS, ConversationTurn, TurnOutcome
from frontdesk.clock import utcnow
from frontdesk.contract import PayloadType, channel_of

OUTCOME_OF_PAYLOAD = {
    PayloadType.KB_ANSWER: TurnOutcome.ANSWERED,
    PayloadType.NOT_ELIGIBLE: TurnOutcome.NOT_ELIGIBLE,
    PayloadType.NO_ANSWER: TurnOutcome.NO_ARTICLE,
    PayloadType.ASK_DETAIL: TurnOutcome.ASKED_DETAIL,
    PayloadType.CLARIFY: TurnOutcome.CLARIFIED,
    PayloadType.TOPIC_MENU: TurnOutcome.TOPIC_MENU,
    PayloadType.TICKET: TurnOutcome.TICKET,
    PayloadType.TICKET_STATUS: TurnOutcome.TICKET_STATUS,
}
NOT_UNDERSTOOD_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})


def outcome_of(payload: PayloadType | None, *, reply: str | None) -> TurnOutcome:
    """How a turn ended, from the payload the assistant sent (None: plain text, the `reply` it made)."""
    if payload is not None:
        return OUTCOME_OF_PAYLOAD[payload]
    return TurnOutcome.NOT_UNDERSTOOD if reply in NOT_UNDERSTOOD_INTENTS else TurnOutcome.SMALL_TALK


def record_turn(
    session: Session,
    *,
    sender_id: str,
    language: str,
    text: str,
    from_button: bool,
    intent: str,
    confidence: float,
    outcome: TurnOutcome,
    topic: str | None = None,
    article_id: str | None = None,
    version: int | None = None,
    district: str | None = None,
    tier: str | None = None,
    at: dt.datetime | None = None,
) -> ConversationTurn:
    """Write one turn (a long message by its beginning)."""
    turn = ConversationTurn(
        at=at or utcnow(),
        sender_id=sender_id,
        channel=channel_of(sender_id),
        language=language,
        text=text[:MAX_RECORDED_CHARS],
        from_button=from_button,
        intent=intent[:60],
        confidence=confidence,
        topic=topic,
        outcome=outcome,
        article_id=article_id,
        version=version,
        district=district,
        tier=tier,
    )
    session.add(turn)
    session.flush()
    return turn
