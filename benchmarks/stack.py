"""The front desk started on free loopback ports with a scratch SQLite database, for benchmarks."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from frontdesk.config import Settings
from frontdesk.database import make_engine
from frontdesk.migrate import prepare_database
from frontdesk.serve import build_services, free_port, wait_until_ready


@contextmanager
def running_stack() -> Iterator[str]:
    """Start Rasa and the action server; yield Rasa's base URL; stop them afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="frontdesk-bench-"))
    settings = Settings(
        database_url=f"sqlite:///{folder / 'bench.db'}", rasa_port=free_port(), actions_port=free_port()
    )
    prepare_database(make_engine(settings.database_url))
    services = build_services(settings, log_dir=folder)
    try:
        for service in services:
            service.start()
        print(f"server ready in {wait_until_ready(settings, services):.1f} s (logs in {folder})")
        yield settings.rasa_base_url
    finally:
        for service in reversed(services):
            service.stop()
