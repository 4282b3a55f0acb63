"""The roster of staff, officers and leaders, imported from YAML or CSV and checked, not guessed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from frontdesk.vocabulary import DISTRICTS, TOPICS
from people.models import ContactPair, Person, Role, Talent

LEVELS = {Role.STAFF: 1, Role.OFFICER: 2, Role.LEADER: 3}
MAX_NAME_CHARS = 80  # roster_people.name


class RosterEntry(BaseModel):
    """One person as the roster file describes them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{2,60}$")
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    role: Literal["staff", "officer", "leader"]
    districts: list[str] = Field(min_length=1)
    topics: list[str] = Field(default_factory=lambda: ["all"])
    telegram_user_id: int | None = Field(default=None, gt=0, lt=2**63)
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


def _fill(person: Person, entry: RosterEntry) -> None:
    role = Role(entry.role)
    person.name, person.role, person.level = entry.name, role, LEVELS[role]
    person.districts, person.topics = entry.districts, entry.topics
    person.telegram_user_id, person.active = entry.telegram_user_id, entry.active


def _store(session: Session, entry: RosterEntry) -> None:
    person = session.get(Person, entry.id) or Person(id=entry.id)
    _fill(person, entry)
    session.add(person)
    session.flush()
    cards = {card.upper() for card in entry.talents}
    session.execute(
        delete(ContactPair).where(ContactPair.person_id == entry.id, ContactPair.card_number.not_in(cards))
    )
    kept = set(session.scalars(select(ContactPair.card_number).where(ContactPair.person_id == entry.id)))
    session.add_all(ContactPair(person_id=entry.id, card_number=card) for card in sorted(cards - kept))


def names_of(session: Session, *, ids: Collection[str] | None = None) -> dict[str, str]:
    """Roster names by person id: of `ids` (unknown ids left out), or of everyone."""
    query = select(Person.id, Person.name)
    if ids is not None:
        if not ids:
            return {}
        query = query.where(Person.id.in_(ids))
    return {person_id: name for person_id, name in session.execute(query)}


def list_people(session: Session) -> list[Person]:
    return list(session.scalars(select(Person).order_by(Person.level, Person.id)))


class PersonProblem(ValueError):
    """A roster change refused because of one field: the field and a code (taken, order, not_found,
    not_leader, no_talent, paired, unpaired)."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field, self.code = field, code


def person_problems(
    session: Session,
    *,
    entry: RosterEntry,
    new: bool,
    away_from: dt.datetime | None = None,
    away_until: dt.datetime | None = None,
) -> list[PersonProblem]:
    """What stands in the way of adding (`new`) or changing a person as `entry` says, one problem per
    field: an id or Telegram id already taken, a person to change who is not on the roster, an away period
    without an end or not ending after its start."""
    problems = []
    person = session.get(Person, entry.id)
    if new and person is not None:
        problems.append(PersonProblem("id", "taken"))
    if not new and person is None:
        problems.append(PersonProblem("id", "not_found"))
    if entry.telegram_user_id is not None:
        holder = session.scalar(select(Person.id).where(Person.telegram_user_id == entry.telegram_user_id))
        if holder is not None and holder != entry.id:
            problems.append(PersonProblem("telegram_user_id", "taken"))
    if away_from is not None and (away_until is None or away_until <= away_from):
        problems.append(PersonProblem("away_until", "order"))
    return problems


def save_person(
    session: Session,
    *,
    entry: RosterEntry,
    new: bool,
    away_from: dt.datetime | None = None,
    away_until: dt.datetime | None = None,
) -> Person:
    """Add (`new`) or change one person as the roster import would (contact pairs are left as they are),
    with an away period; raises the first of `person_problems`."""
    problems = person_problems(session, entry=entry, new=new, away_from=away_from, away_until=away_until)
    if problems:
        raise problems[0]
    person = session.get(Person, entry.id)
    person = person or Person(id=entry.id)
    try:
        with session.begin_nested():  # the unique id and Telegram id decide between concurrent changes
            _fill(person, entry)
            person.away_from, person.away_until = away_from, away_until
            session.add(person)
    except IntegrityError:
        raise PersonProblem("telegram_user_id" if not new else "id", "taken") from None
    return person


def deactivate(session: Session, *, person_id: str) -> Person:
    """Take a person off duty: no tickets routed to them, no sign-in (kept for the tickets' history)."""
    person = session.get(Person, person_id)
    if person is None:
        raise PersonProblem("id", "not_found")
    person.active = False
    return person


def pairs(session: Session) -> list[tuple[ContactPair, Person, Talent]]:
    """Every leader–talent pair with its leader and talent, by leader then talent."""
    rows = session.execute(
        select(ContactPair, Person, Talent)
        .join(Person, Person.id == ContactPair.person_id)
        .join(Talent, Talent.card_number == ContactPair.card_number)
        .order_by(Person.id, Talent.card_number)
    )
    return [(pair, person, talent) for pair, person, talent in rows.tuples()]


def add_pair(session: Session, *, person_id: str, card_number: str) -> ContactPair:
    """A leader keeps in contact with a talent from now on; PersonProblem for someone not on the roster
    or not a leader, an unknown card, or a pair that exists."""
    person = session.get(Person, person_id)
    if person is None:
        raise PersonProblem("person_id", "not_found")
    if person.role is not Role.LEADER:
        raise PersonProblem("person_id", "not_leader")
    card = card_number.strip().upper()
    if session.get(Talent, card) is None:
        raise PersonProblem("card_number", "no_talent")
    existing = session.scalar(
        select(ContactPair).where(ContactPair.person_id == person_id, ContactPair.card_number == card)
    )
    if existing is not None:
        raise PersonProblem("card_number", "paired")
    pair = ContactPair(person_id=person_id, card_number=card)
    try:
        with session.begin_nested():  # the unique pair decides between two admins at the same moment
            session.add(pair)
    except IntegrityError:
        raise PersonProblem("card_number", "paired") from None
    return pair


def remove_pair(session: Session, *, pair_id: int) -> ContactPair:
    """End a pair (the contacts recorded stay); PersonProblem when there is no such pair."""
    pair = session.get(ContactPair, pair_id)
    if pair is None:
        raise PersonProblem("pair", "unpaired")
    session.delete(pair)
    session.flush()
    return pair
