"""The bot application polling (as in production) for as long as a block runs: for tests and benchmarks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.ext import Application

from bot.telegram_app import build_application
from frontdesk.config import Settings


@asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[Application]:
    """The bot application, polling (as in production) until the block ends."""
    application = build_application(settings)
    await application.initialize()
    if application.post_init:  # as run_polling does
        await application.post_init(application)
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
