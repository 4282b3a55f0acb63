"""Each Telegram update is handled once, even when Telegram (or a restart) delivers it again."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot.models import ProcessedUpdate
from frontdesk.clock import utcnow
from frontdesk.database import session_scope

log = logging.getLogger(__name__)

KEEP_FOR = dt.timedelta(days=2)  # Telegram keeps undelivered updates for 24 hours
PRUNE_EVERY_SECONDS = 3600


def first_delivery(*, bot_id: int, update_id: int) -> bool:
    """Record the update id; False when it was recorded before."""
    try:
        with session_scope() as session:
            session.add(ProcessedUpdate(bot_id=bot_id, update_id=update_id))
    except IntegrityError:
        return False
    return True


def prune(*, now: dt.datetime | None = None) -> int:
    """Forget update ids older than KEEP_FOR; returns how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    with session_scope() as session:
        return session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.received_at < cutoff)).rowcount


async def _drop_repeats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not await asyncio.to_thread(first_delivery, bot_id=context.bot.id, update_id=update.update_id):
        log.info("update %d delivered again: ignored", update.update_id)
        raise ApplicationHandlerStop


async def _prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    removed = await asyncio.to_thread(prune)
    if removed:
        log.info("forgot %d old update ids", removed)


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, _drop_repeats), group=-1)
    assert application.job_queue is not None, "python-telegram-bot[job-queue] is required"
    application.job_queue.run_repeating(_prune, interval=PRUNE_EVERY_SECONDS, first=PRUNE_EVERY_SECONDS)
