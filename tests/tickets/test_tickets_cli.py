"""The staff command line, run as an operator runs it (SQLite)."""

import json
import os
import subprocess
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.config import PROJECT_ROOT
from frontdesk.database import make_engine
from notifications.models import OutboxMessage
from people.models import Binding
from tickets import service


def tickets(*args: str, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database}
    return subprocess.run(
        [sys.executable, "-m", "tickets", *args], capture_output=True, text=True, cwd=PROJECT_ROOT, env=env
    )


def test_operator_imports_the_roster_and_works_a_ticket(tmp_path):
    db = f"sqlite:///{tmp_path / 'desk.db'}"
    assert "4 talents added" in tickets("registry", "import", "examples/talents.csv", database=db).stdout
    assert "7 people imported" in tickets("roster", "import", "examples/roster.yml", database=db).stdout
    engine = make_engine(db)
    with Session(engine) as session:
        ticket = service.create_ticket(
            session,
            channel="telegram",
            sender_id="telegram:5",
            question="配偶安置怎么办",
            reason="talent_request",
            sla=service.default_sla(),
            district="博乐市",
            topic="spouse_employment",
        )
        session.commit()
        ticket_id = ticket.id
    engine.dispose()
    queue = json.loads(tickets("--json", "list", "--person", "staff-bole-1", database=db).stdout)
    assert [row["id"] for row in queue] == [ticket_id]
    assert "assigned" in tickets("claim", ticket_id, "--person", "staff-bole-1", database=db).stdout
    refused = tickets("claim", ticket_id, "--person", "staff-jinghe-1", database=db)
    assert refused.returncode == 2 and "outside the districts and topics you cover" in refused.stderr
    taken = tickets("claim", ticket_id, "--person", "officer-hrss", database=db)
    assert taken.returncode == 2 and "already been claimed" in taken.stderr
    stranger = tickets("note", ticket_id, "看看", "--person", "nobody", database=db)
    assert stranger.returncode == 2 and "only active people on the roster" in stranger.stderr
    tickets("reply", ticket_id, "已联系用人单位", "--person", "staff-bole-1", database=db)
    shown = json.loads(tickets("--json", "show", ticket_id, database=db).stdout)
    assert [(e["action"], e["via"]) for e in shown["events"]] == [
        ("created", ""),
        ("claim", "cli"),
        ("reply", "cli"),
    ]
    assert (
        "resolved" in tickets("resolve", ticket_id, "已办结", "--person", "staff-bole-1", database=db).stdout
    )
    problems = tickets("roster", "import", str(tmp_path / "missing.yml"), database=db)
    assert problems.returncode == 2 and "missing.yml" in problems.stderr


def test_staff_release_a_green_card_for_the_holders_new_account(tmp_path):
    db = f"sqlite:///{tmp_path / 'desk.db'}"
    tickets("registry", "import", "examples/talents.csv", database=db)
    engine = make_engine(db)
    with Session(engine) as session, session.begin():
        session.add(Binding(sender_id="telegram:5", card_number="BZ2026A001"))
    released = tickets("registry", "unbind", "bz2026a001", database=db)
    assert released.returncode == 0 and "unbound from telegram:5" in released.stdout
    assert tickets("registry", "unbind", "BZ2026A001", database=db).returncode == 1
    with Session(engine) as session:
        assert session.scalars(select(Binding)).all() == []
        [notice] = session.scalars(select(OutboxMessage)).all()
        assert (notice.recipient, notice.payload["event"]) == ("telegram:5", "unbound")
    engine.dispose()
