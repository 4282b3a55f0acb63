"""Bringing a database's schema up to date with Alembic (the migrations name the tables they create;
this module imports none of the domains)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from frontdesk.config import PROJECT_ROOT


def upgrade_schema(engine: Engine) -> None:
    """Apply every pending Alembic migration to the database behind `engine`."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["configure_logging"] = False
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
