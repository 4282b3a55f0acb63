"""What the Telegram channel keeps in the database instead of one process's memory: the long payloads of
buttons behind their short keys, and the staff's reply prompts. A restart keeps both working, and a
second bot process sees them."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from telegram.ext import Application, ContextTypes

from bot.models import ButtonPayload, StaffReplyPrompt
from frontdesk.clock import utcnow
from frontdesk.database import session_scope

log = logging.getLogger(__name__)

PAYLOADS_KEPT_FOR = dt.timedelta(days=90)  # a button older than this answers "please type your question"
PROMPTS_KEPT_FOR = dt.timedelta(days=7)
PRUNE_EVERY_SECONDS = 3600


def remember_payloads(payloads: dict[str, str]) -> None:
    """Keep payloads under their keys (a key already kept stands for the same payload)."""
    if not payloads:
        return
    with session_scope() as session:
        keep_payloads(session, payloads)


def keep_payloads(session: Session, payloads: dict[str, str]) -> None:
    """Keep payloads under their keys in the caller's transaction, in one statement (a key already kept, or
    kept by another process meanwhile, stands for the same payload)."""
    if not payloads:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    rows = [{"key": key, "payload": payload, "created_at": utcnow()} for key, payload in payloads.items()]
    session.execute(insert(ButtonPayload).values(rows).on_conflict_do_nothing(index_elements=["key"]))


def recall_payload(key: str) -> str | None:
    with session_scope() as session:
        return session.scalar(select(ButtonPayload.payload).where(ButtonPayload.key == key))


def remember_prompt(*, chat_id: int, prompt_message_id: int, card_message_id: int) -> None:
    with session_scope() as session:
        session.merge(
            StaffReplyPrompt(
                chat_id=chat_id, prompt_message_id=prompt_message_id, card_message_id=card_message_id
            )
        )


def take_prompt(*, chat_id: int, prompt_message_id: int) -> int | None:
    """The card a reply prompt was asked from, forgotten once its answer came."""
    with session_scope() as session:
        prompt = session.get(StaffReplyPrompt, (chat_id, prompt_message_id))
        if prompt is None:
            return None
        session.delete(prompt)
        return prompt.card_message_id


def prune(*, now: dt.datetime | None = None) -> int:
    """Forget old payloads and prompts; returns how many."""
    now = now or utcnow()
    with session_scope() as session:
        payloads = session.execute(
            delete(ButtonPayload).where(ButtonPayload.created_at < now - PAYLOADS_KEPT_FOR)
        ).rowcount
        prompts = session.execute(
            delete(StaffReplyPrompt).where(StaffReplyPrompt.created_at < now - PROMPTS_KEPT_FOR)
        ).rowcount
    return payloads + prompts


async def _prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    removed = await asyncio.to_thread(prune)
    if removed:
        log.info("forgot %d old button payloads and reply prompts", removed)


def register(application: Application) -> None:
    assert application.job_queue is not None, "python-telegram-bot[job-queue] is required"
    application.job_queue.run_repeating(_prune, interval=PRUNE_EVERY_SECONDS, first=PRUNE_EVERY_SECONDS)
