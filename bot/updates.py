"""Each Telegram update is handled once, even when Telegram (or a restart) delivers it again, and at least
once: an update fetched by polling is written down before the next getUpdates acknowledges it and settled
once handled; the ones a killed bot had not finished are handled again when it starts (a talent's message
keeps its inbox key, so one that reached the inbox is not answered twice)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, ExtBot, TypeHandler

from bot.models import ProcessedUpdate, ReceivedUpdate
from frontdesk.clock import utcnow
from frontdesk.database import session_scope
from tickets import service as ticket_service

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


def write_down(*, bot_id: int, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Keep fetched updates (update id, payload) until they are handled; one fetched twice is kept once."""
    with session_scope() as session:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        rows = [
            {"bot_id": bot_id, "update_id": update_id, "payload": payload} for update_id, payload in updates
        ]
        session.execute(insert(ReceivedUpdate).values(rows).on_conflict_do_nothing())


def settle(*, bot_id: int, update_id: int) -> None:
    """The update has been handled: nothing to do for it after a restart."""
    with session_scope() as session:
        session.execute(
            delete(ReceivedUpdate).where(
                ReceivedUpdate.bot_id == bot_id, ReceivedUpdate.update_id == update_id
            )
        )


def unsettled(*, bot_id: int) -> list[tuple[dict[str, Any], bool]]:
    """The updates written down but not handled to the end (the bot died first), oldest first: (payload,
    whether handling had started)."""
    started = select(ProcessedUpdate.update_id).where(ProcessedUpdate.bot_id == bot_id)
    with session_scope() as session:
        rows = session.execute(
            select(ReceivedUpdate.payload, ReceivedUpdate.update_id.in_(started))
            .where(ReceivedUpdate.bot_id == bot_id)
            .order_by(ReceivedUpdate.update_id)
        )
        return [(payload, bool(was_started)) for payload, was_started in rows]


def prune(*, now: dt.datetime | None = None) -> int:
    """Forget updates and update ids older than KEEP_FOR; returns how many ids."""
    cutoff = (now or utcnow()) - KEEP_FOR
    with session_scope() as session:
        session.execute(delete(ReceivedUpdate).where(ReceivedUpdate.received_at < cutoff))
        return session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.received_at < cutoff)).rowcount


class WritingDownBot(ExtBot):
    """The bot, writing down each batch getUpdates returns before python-telegram-bot asks for the next
    (which acknowledges it). With the database down it goes on without: the inbox's spool keeps what
    talents write meanwhile."""

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        fetched = await super().get_updates(*args, **kwargs)
        if fetched:
            batch = [(update.update_id, update.to_dict()) for update in fetched]
            try:
                await asyncio.to_thread(write_down, bot_id=self.id, updates=batch)
            except SQLAlchemyError as exc:
                log.warning("%d updates not written down (%s)", len(batch), type(exc).__name__)
        return fetched


class SettlingApplication(Application):
    """The application, settling each update it has handled to the end (see `settle`)."""

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if isinstance(update, Update):
            try:
                await asyncio.to_thread(settle, bot_id=self.bot.id, update_id=update.update_id)
            except SQLAlchemyError as exc:
                log.warning("update %d handled but not settled (%s)", update.update_id, type(exc).__name__)


def _on_the_roster(update: Update) -> bool:
    user = update.effective_user
    if user is None:
        return False
    with session_scope() as session:
        return ticket_service.person_by_telegram(session, telegram_user_id=user.id) is not None


def _replayable(update: Update, *, started: bool) -> bool:
    """Replay what was never started, and a talent's message in a private chat that was (its inbox key
    tells whether it got that far); what staff had started (a reply, a claim) is not done twice."""
    if not started:
        return True
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    return private and not _on_the_roster(update)


async def handle_unsettled(application: Application) -> None:
    """Put the updates the last run fetched but did not handle to the end back in the queue (at start-up)."""
    try:
        rows = await asyncio.to_thread(unsettled, bot_id=application.bot.id)
    except SQLAlchemyError as exc:
        log.warning("the last run's unhandled updates not read (%s)", type(exc).__name__)
        return
    replaying: set[int] = application.bot_data.setdefault("replaying", set())
    for payload, started in rows:
        update = Update.de_json(payload, application.bot)
        if update is None or not await asyncio.to_thread(_replayable, update, started=started):
            continue
        replaying.add(update.update_id)
        await application.update_queue.put(update)
    if replaying:
        log.info("%d updates the last run did not finish: handling them now", len(replaying))


async def _drop_repeats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    replaying: set[int] = context.bot_data.get("replaying", set())
    if update.update_id in replaying:  # started by a run that died: handled again, once
        replaying.discard(update.update_id)
        return
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
