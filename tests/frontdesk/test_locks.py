"""holds_lock: of two processes doing the same periodic work on one PostgreSQL database, one at a time."""

from sqlalchemy.orm import Session

from frontdesk.database import holds_lock


def test_a_second_transaction_skips_the_work_while_the_first_holds_the_lock(engine):
    postgres = engine.dialect.name == "postgresql"
    with Session(engine) as first, Session(engine) as second:
        assert holds_lock(first, name="sla-sweep")
        assert holds_lock(second, name="sla-sweep") is not postgres  # SQLite: one machine, always
        assert holds_lock(second, name="policy-notices")  # another lock's work goes on
        first.commit()  # the end of the first's transaction releases it
        second.rollback()
        assert holds_lock(second, name="sla-sweep")
