"""Bringing a database up to date: Alembic migrations, then the knowledge base's first content."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from frontdesk.config import PROJECT_ROOT
from frontdesk.database import session_scope
from policies_kb import service as kb_service

log = logging.getLogger(__name__)


def upgrade_schema(engine: Engine) -> None:
    """Apply every pending Alembic migration to the database behind `engine`."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["configure_logging"] = False
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def prepare_database(engine: Engine) -> int:
    """Migrate the schema; publish the content files when nothing is published yet. Returns that count."""
    upgrade_schema(engine)
    with session_scope(sessionmaker(bind=engine)) as session:
        published = kb_service.bootstrap(session)
    if published:
        log.info("published %d knowledge-base articles from the content files", published)
    return published
