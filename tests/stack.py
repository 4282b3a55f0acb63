"""The real stack on loopback: Rasa server and action server on free ports, a fresh SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from frontdesk import database
from frontdesk.config import Settings, get_settings
from launcher.prepare import prepare_database
from launcher.serve import (
    MODEL_PATH,
    RASA_BIN,
    Service,
    build_services,
    channel_headers,
    free_port,
    stop_all,
    wait_until_ready,
    with_secrets,
)


@dataclass
class Stack:
    settings: Settings
    engine: Engine
    log_dir: Path
    services: list[Service]

    def say(self, sender: str, text: str) -> list[dict]:
        response = httpx.post(
            f"{self.settings.rasa_base_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers=channel_headers(self.settings),
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        assert self.settings.rasa_token is not None
        response = httpx.get(
            f"{self.settings.rasa_base_url}/conversations/{sender}/tracker",
            params={"token": self.settings.rasa_token.get_secret_value()},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not RASA_BIN.exists() or not MODEL_PATH.exists():
        pytest.fail("the Rasa environment or model is missing: run `make setup train` (make test does)")
    folder = tmp_path_factory.mktemp("stack")
    url = f"sqlite:///{folder / 'frontdesk.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        for cached in (get_settings, database.get_engine, database.get_sessionmaker):
            cached.cache_clear()
        settings = with_secrets(  # as in production: the token and the secret required
            Settings(
                database_url=url,
                rasa_port=free_port(),
                actions_port=free_port(),
                rasa_open_for_evaluation=False,
                tracker_store_url=f"sqlite:///{folder / 'rasa-tracker.db'}",
                backoffice_port=free_port(),
                webchat_port=free_port(),
            )
        )
        engine = database.get_engine()
        prepare_database(engine)
        services = build_services(settings, log_dir=folder)
        try:
            for service in services:
                service.start()
            wait_until_ready(settings, services)
            yield Stack(settings=settings, engine=engine, log_dir=folder, services=services)
        finally:
            stop_all(services)
            for cached in (get_settings, database.get_engine, database.get_sessionmaker):
                cached.cache_clear()
