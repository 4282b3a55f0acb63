from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from frontdesk.database import Base


def test_migrations_create_exactly_the_models_schema(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
