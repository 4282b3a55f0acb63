"""Alembic environment: runs migrations against DATABASE_URL or a connection handed in by the caller."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

import analytics.models  # noqa: F401
import backoffice.audit
import backoffice.models  # noqa: F401
import bot.models  # noqa: F401
import conversations.models  # noqa: F401
import feedback.models  # noqa: F401
import inbox.models  # noqa: F401
import notifications.models  # noqa: F401
import people.models  # noqa: F401
import policies_kb.models  # noqa: F401  (registers the tables)
import tickets.models  # noqa: F401
import webchat.models  # noqa: F401
from frontdesk.config import get_settings
from frontdesk.database import Base, UtcDateTime, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
OWN_TABLES = set(target_metadata.tables)


def include_name(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Leave alone tables the project does not own (e.g. Rasa's tracker store `events`)."""
    return type_ != "table" or name in OWN_TABLES


def render_item(type_: str, obj: object, _autogen_context: object) -> str | bool:
    """Write the project's UtcDateTime as the column type it stores (revisions import no project code)."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs) -> None:
    context.configure(
        target_metadata=target_metadata,
        include_name=include_name,
        render_item=render_item,
        render_as_batch=True,
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=get_settings().database_url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(get_settings().database_url)
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
