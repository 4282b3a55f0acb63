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


def test_exclusive_bindings_upgrade_and_downgrade_with_data(database_url):
    """The revision of exclusive bindings keeps the earliest binding of a card, moves the accounts' lockouts
    and starts every outbox row at part 0; downgraded, the lockouts go back."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import inspect, text

    from frontdesk.config import PROJECT_ROOT
    from frontdesk.database import make_engine

    engine = make_engine(database_url)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False

    def migrate(step, revision: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    def rows(sql: str) -> list[tuple]:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]

    migrate(command.upgrade, "370660817340")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO talents (card_number, name, tier, district, phone_hash, phone_last4_hash)"
            " VALUES ('C1', 'n', 'A类', '博乐市', 'h', 'h4')",
            "INSERT INTO talent_bindings (sender_id, card_number, bound_at) VALUES"
            " ('telegram:2', 'C1', '2026-11-30 10:05:00+00'), ('telegram:1', 'C1', '2026-11-30 10:00:00+00')",
            "INSERT INTO binding_attempts (sender_id, failures, locked_until) VALUES ('telegram:3', 2, NULL)",
            "INSERT INTO outbox (created_at, kind, recipient_kind, recipient, payload, status, attempts,"
            " next_attempt_at) VALUES ('2026-11-30 10:00:00+00', 'outage', 'staff_group', 'staff_group',"
            " '{}', 'pending', 0, '2026-11-30 10:00:00+00')",
        ):
            connection.execute(text(statement))
    migrate(command.upgrade, "f9b7746f30cf")
    assert rows("SELECT sender_id FROM talent_bindings") == [("telegram:1",)]
    assert rows("SELECT scope, key, tries FROM binding_lockouts") == [("account", "telegram:3", 2)]
    assert rows("SELECT parts_sent FROM outbox") == [(0,)]
    migrate(command.downgrade, "370660817340")
    assert rows("SELECT sender_id, failures FROM binding_attempts") == [("telegram:3", 2)]
    with engine.begin() as connection:  # several accounts per card again, as before
        connection.execute(
            text(
                "INSERT INTO talent_bindings (sender_id, card_number, bound_at)"
                " VALUES ('telegram:2', 'C1', '2026-11-30 10:05:00+00')"
            )
        )
    assert "parts_sent" not in {column["name"] for column in inspect(engine).get_columns("outbox")}
    assert not inspect(engine).has_table("binding_lockouts")
    engine.dispose()
