"""`python -m bot`: run the Telegram bot (long polling, or a webhook when TELEGRAM_WEBHOOK_URL is set)."""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit

from bot.telegram_app import ALLOWED_UPDATES, build_application
from frontdesk.config import get_settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # two INFO lines a second otherwise
    settings = get_settings()
    try:
        settings.check_secrets()
    except ValueError as exc:
        sys.exit(str(exc))
    application = build_application(settings)
    if settings.telegram_webhook_url and settings.telegram_webhook_secret:
        application.run_webhook(
            listen=settings.telegram_webhook_listen,
            port=settings.telegram_webhook_port,
            url_path=urlsplit(settings.telegram_webhook_url).path.lstrip("/"),
            webhook_url=settings.telegram_webhook_url,
            secret_token=settings.telegram_webhook_secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)


if __name__ == "__main__":
    main()
