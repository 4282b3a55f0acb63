from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from frontdesk.database import Base


def test_migrations_create_exactly_the_models_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_an_older_database_with_data_is_brought_up_to_date(database_url):
    """A database made by the first release, with a ticket in it, migrates to the newest schema."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from frontdesk.config import PROJECT_ROOT
    from frontdesk.database import make_engine
    from frontdesk.migrate import upgrade_schema

    engine = make_engine(database_url)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "4c5d03ef4ff7")
        connection.execute(
            text(
                "INSERT INTO tickets (id, channel, sender_id, question, transcript, priority, status, reason,"
                " created_at, updated_at) VALUES ('GC-2026-000001', 'rest', 'u', 'q', '[]', 'normal', 'open',"
                " 'talent_request', '2026-11-30 10:00:00+00', '2026-11-30 10:00:00+00')"
            )
        )
    upgrade_schema(engine)
    with engine.connect() as connection:
        level = connection.execute(text("SELECT escalation_level FROM tickets")).scalar_one()
    assert level == 1
    engine.dispose()
