"""The conversation record: each talent turn written once, as the action server settled it; talents' choice
about policy-change notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from conversations.models import (
    MAX_RECORDED_CHARS,
    TRAINABLE_INTENTS,
    ConversationTurn,
    NoticePreference,
    TrainingExample,
    TurnOutcome,
)
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


def policy_notices_on(session: Session, *, sender_id: str) -> bool:
    """Whether the talent hears of changes to policies that answered them (yes unless they said no)."""
    preference = session.get(NoticePreference, sender_id)
    return preference is None or preference.policy_notices


def set_policy_notices(session: Session, *, sender_id: str, on: bool, now: dt.datetime | None = None) -> None:
    """Turn the talent's policy-change notices on or off, in one statement (two presses at once: the later
    one stands)."""
    now = now or utcnow()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(NoticePreference).values(sender_id=sender_id, policy_notices=on, updated_at=now)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[NoticePreference.sender_id], set_={"policy_notices": on, "updated_at": now}
        )
    )


def mark_examples(
    session: Session, *, texts: Iterable[str], intent: str, editor: str
) -> list[TrainingExample]:
    """Mark talents' messages as examples of `intent` for the next training; a text already waiting for
    export under that intent is not marked twice. Returns the examples added."""
    if intent not in TRAINABLE_INTENTS:
        raise ValueError(f"not an intent of the model: {intent!r}")
    waiting = set(
        session.scalars(
            select(TrainingExample.text).where(
                TrainingExample.intent == intent, TrainingExample.exported_at.is_(None)
            )
        )
    )
    added = []
    for text in dict.fromkeys(text.strip() for text in texts):
        if text and text not in waiting:
            added.append(TrainingExample(text=text, intent=intent, marked_by=editor))
    session.add_all(added)
    session.flush()
    return added


def examples_to_export(session: Session) -> list[TrainingExample]:
    """The examples not exported yet, in the order they were marked."""
    return list(
        session.scalars(
            select(TrainingExample)
            .where(TrainingExample.exported_at.is_(None))
            .order_by(TrainingExample.marked_at, TrainingExample.id)
        )
    )


def mark_exported(session: Session, *, examples: Iterable[TrainingExample], at: dt.datetime) -> None:
    for example in examples:
        example.exported_at = at
    session.flush()
