"""The front desk started on free loopback ports with a scratch SQLite database, for benchmarks."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from frontdesk import database
from frontdesk.config import Settings, get_settings
from frontdesk.database import make_engine
from launcher.prepare import prepare_database
from launcher.serve import build_services, free_port, stop_all, wait_until_ready, with_secrets


@contextmanager
def running_stack(*, open_for_evaluation: bool = False) -> Iterator[Settings]:
    """Start Rasa and the action server; yield their settings (with the run's secrets); stop them afterwards.

    `open_for_evaluation`: the REST channel also takes requests without the secret (the shared evaluator).
    This process's DATABASE_URL points at the stack's database meanwhile, for components run in-process.
    """
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    settings = with_secrets(
        Settings(
            database_url=f"sqlite:///{folder / 'bench.db'}",
            rasa_port=free_port(),
            actions_port=free_port(),
            rasa_open_for_evaluation=open_for_evaluation,
            tracker_store_url=f"sqlite:///{folder / 'rasa-tracker.db'}",
            backoffice_port=free_port(),
        )
    )
    prepare_database(make_engine(settings.database_url))
    services = build_services(settings, log_dir=folder)
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
