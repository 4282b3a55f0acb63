"""`python -m bot`: run the Telegram bot (long polling)."""

from __future__ import annotations

import logging

from bot.telegram_app import build_application
from frontdesk.config import get_settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    build_application(get_settings()).run_polling(allowed_updates=["message", "callback_query"])


if __name__ == "__main__":
    main()
