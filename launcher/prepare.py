"""A database ready for the front desk: the schema up to date, and the knowledge base's first content."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from backoffice import accounts
from backoffice.models import Account
from frontdesk.config import get_settings
from frontdesk.database import session_scope
from frontdesk.migrate import upgrade_schema
from people import registry, roster
from people.models import Person
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


# roster id: (administrator, what they do)
DEMO_ACCOUNTS = {
    "officer-hrss": (True, "administrator"),
    "staff-bole-1": (False, "window staff of 博乐市"),
    "leader-bole": (False, "contact leader of 博乐市"),
}


def prepare_demo_office(*, folder: Path, url: str) -> Path | None:
    """The local demo's back office at `url`, usable at once: the example roster and registry imported
    when the roster is empty, and accounts with generated passwords for an administrator, a window clerk
    and a contact leader, written to a file in `folder` only this user can read. Returns that file (None
    when accounts already exist)."""
    examples = Path(__file__).resolve().parent.parent / "examples"
    with session_scope() as session:
        if session.scalar(select(func.count()).select_from(Account)):
            return None
        if not session.scalar(select(func.count()).select_from(Person)):
            registry.import_csv(  # first: the roster names the talents its leaders look after
                session,
                text=(examples / "talents.csv").read_text(encoding="utf-8"),
                secret=get_settings().registry_secret.get_secret_value(),
            )
            imported = roster.import_roster(
                session, text=(examples / "roster.yml").read_text(encoding="utf-8"), fmt="yaml"
            )
            if imported.problems:
                raise ValueError(f"the example roster does not import: {imported.problems}")
        lines = []
        for person_id, (admin, what) in DEMO_ACCOUNTS.items():
            password = secrets.token_urlsafe(12)
            accounts.create_account(session, person_id=person_id, password=password, admin=admin)
            lines.append(f"{person_id}\t{password}\t{what}")
    path = folder / "demo-accounts.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(
        "local demo back office, http://127.0.0.1:8080/ — id, password\n" + "\n".join(lines) + "\n"
    )
    return path
