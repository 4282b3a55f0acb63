"""A database ready for the front desk: the schema up to date, and the knowledge base's first content."""

from __future__ import annotations

import logging

from sqlalchemy import Engine
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
