"""A database ready for the front desk: the schema up to date, and the knowledge base's first content."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from frontdesk.database import session_scope
from frontdesk.migrate import upgrade_schema
from policies_kb import service as kb_service

log = logging.getLogger(__name__)


def prepare_database(engine: Engine) -> int:
    """Migrate the schema; publish the content files when nothing is published yet. Returns that count."""
    upgrade_schema(engine)
    with session_scope(sessionmaker(bind=engine)) as session:
        published = kb_service.bootstrap(session)
    if published:
        log.info("published %d knowledge-base articles from the content files", published)
    return published


def prepare_tracker_store(url: str) -> None:
    """The folder of an SQLite tracker store (Rasa creates its own tables in whichever database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
