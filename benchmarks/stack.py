"""The front desk started on free loopback ports with a scratch SQLite database (or a given one), for
benchmarks."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr

from frontdesk import database
from frontdesk.config import Settings, get_settings
from frontdesk.database import make_engine
from launcher.prepare import prepare_database
from launcher.serve import build_services, free_port, stop_all, wait_until_ready, with_secrets


@contextmanager
def running_stack(
    *,
    open_for_evaluation: bool = False,
    database_url: str | None = None,
    environment: Mapping[str, str] | None = None,
) -> Iterator[Settings]:
    """Start the services of `make serve` (Rasa, the action server, the back office, the web chat); yield
    their settings (with the run's secrets); stop them afterwards.

    `open_for_evaluation`: the REST channel also takes requests without the secret (the shared evaluator).
    `database_url`: the front desk's database (prepared here; the caller creates and drops it) instead of a
    scratch SQLite file; outside SQLite the run has secrets of its own, as every deployment must.
    `environment`: more settings for every service, e.g. {"WEBCHAT_ADDRESS_LIMIT": "100000/minute"}.
    This process's DATABASE_URL points at the stack's database meanwhile, for components run in-process.
    """
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    url = database_url or f"sqlite:///{folder / 'bench.db'}"
    settings = with_secrets(
        Settings(
            database_url=url,
            rasa_port=free_port(),
            actions_port=free_port(),
            rasa_open_for_evaluation=open_for_evaluation,
            tracker_store_url=f"sqlite:///{folder / 'rasa-tracker.db'}",
            backoffice_port=free_port(),
            webchat_port=free_port(),
        )
    )
    own_secrets = not url.startswith("sqlite")  # outside the local demo the demo's secrets are refused
    if own_secrets:
        names = ("registry_secret", "button_secret")
        settings = settings.model_copy(update={name: SecretStr(secrets.token_urlsafe(32)) for name in names})
    prepare_database(make_engine(settings.database_url))
    services = build_services(settings, log_dir=folder)
    for service in services:
        service.env.update(environment or {})
    previous_url = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = settings.database_url
    _clear_cached_settings()
    try:
        for service in services:
            service.start()
        print(f"server ready in {wait_until_ready(settings, services):.1f} s (logs in {folder})")
        yield settings
    finally:
        stop_all(services)
        if previous_url is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous_url
        _clear_cached_settings()


def _clear_cached_settings() -> None:
    for cached in (get_settings, database.get_engine, database.get_sessionmaker):
        cached.cache_clear()
