"""The roster of staff, officers and leaders, imported from YAML or CSV and checked, not guessed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from frontdesk.vocabulary import DISTRICTS, TOPICS
from people.models import ContactPair, Person, Role, Talent

LEVELS = {Role.STAFF: 1, Role.OFFICER: 2, Role.LEADER: 3}


class RosterEntry(BaseModel):
    """One person as the roster file describes them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{2,60}$")
    name: str = Field(min_length=1)
    role: Literal["staff", "officer", "leader"]
    districts: list[str] = Field(min_length=1)
    topics: list[str] = Field(default_factory=lambda: ["all"])
    telegram_user_id: int | None = None
    active: bool = True
    talents: list[str] = Field(
        default_factory=list, description="card numbers of talents they keep in contact with"
    )

    @field_validator("districts")
    @classmethod
    def _known_districts(cls, value: list[str]) -> list[str]:
        unknown = [d for d in value if d != "all" and d not in DISTRICTS]
        if unknown:
            raise ValueError(f"unknown district {', '.join(unknown)} (use {', '.join(DISTRICTS)} or all)")
        return value

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, value: list[str]) -> list[str]:
        unknown = [t for t in value if t != "all" and t not in TOPICS]
        if unknown:
            raise ValueError(f"unknown topic {', '.join(unknown)} (use {', '.join(TOPICS)} or all)")
        return value


@dataclass
class RosterReport:
    imported: int = 0
    problems: list[str] = field(default_factory=list)


def _rows(text: str, *, fmt: Literal["yaml", "csv"]) -> list[dict]:
    if fmt == "yaml":
        data = yaml.safe_load(text) or []
        return data if isinstance(data, list) else data.get("people", [])
    rows = []
    for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))):
        item = {k: v for k, v in row.items() if v not in (None, "")}
        for key in ("districts", "topics", "talents"):
            if key in item:
                item[key] = [part.strip() for part in item[key].replace("；", ";").split(";") if part.strip()]
        if "active" in item:
            item["active"] = item["active"].strip().lower() not in {"0", "false", "no", "否"}
        rows.append(item)
    return rows


def import_roster(session: Session, *, text: str, fmt: Literal["yaml", "csv"]) -> RosterReport:
    """Add or update people and their contact pairs. Problems (unknown district, duplicate person or
    Telegram id, unknown talent) are reported and that person is skipped."""
    report = RosterReport()
    seen_ids: set[str] = set()
    seen_telegram: set[int] = set()
    try:
        rows = _rows(text, fmt=fmt)
    except (yaml.YAMLError, csv.Error) as exc:
        report.problems.append(f"the file cannot be read: {exc}")
        return report
    for number, row in enumerate(rows, start=1):
        try:
            entry = RosterEntry.model_validate(row)
        except ValidationError as exc:
            who = row.get("id", f"entry {number}") if isinstance(row, dict) else f"entry {number}"
            details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            report.problems.append(f"{who}: {details}")
            continue
        if entry.id in seen_ids:
            report.problems.append(f"{entry.id}: listed twice")
            continue
        if entry.telegram_user_id is not None and entry.telegram_user_id in seen_telegram:
            report.problems.append(
                f"{entry.id}: Telegram id {entry.telegram_user_id} belongs to someone else too"
            )
            continue
        unknown_talents = [card for card in entry.talents if session.get(Talent, card.upper()) is None]
        if unknown_talents:
            report.problems.append(f"{entry.id}: unknown green-card numbers {', '.join(unknown_talents)}")
            continue
        seen_ids.add(entry.id)
        if entry.telegram_user_id is not None:
            seen_telegram.add(entry.telegram_user_id)
        _store(session, entry)
        report.imported += 1
    session.flush()
    return report


def _store(session: Session, entry: RosterEntry) -> None:
    role = Role(entry.role)
    person = session.get(Person, entry.id) or Person(id=entry.id)
    person.name, person.role, person.level = entry.name, role, LEVELS[role]
    person.districts, person.topics = entry.districts, entry.topics
    person.telegram_user_id, person.active = entry.telegram_user_id, entry.active
    session.add(person)
    session.flush()
    session.execute(delete(ContactPair).where(ContactPair.person_id == entry.id))
    session.add_all(ContactPair(person_id=entry.id, card_number=card.upper()) for card in entry.talents)


def list_people(session: Session) -> list[Person]:
    return list(session.scalars(select(Person).order_by(Person.level, Person.id)))
