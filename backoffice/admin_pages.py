"""The administrators' pages (Capability.ADMINISTER): the roster and back-office accounts, the leader–talent
pairs, the talent registry, the office hours and the holiday calendar, and the audit log of every change
made here. Each change goes through its domain's functions (people.roster, people.registry,
backoffice.accounts, tickets.office_calendar), in the request's one transaction with its audit entry: a
form with any problem saves nothing and comes back with every problem named."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from backoffice import accounts, audit
from backoffice.accounts import AccountError, SignedIn
from backoffice.admin_forms import (
    MAX_UPLOAD_BYTES,
    PERSON_FIELDS,
    PersonForm,
    UploadProblem,
    person_values,
    read_new_password,
    read_person,
    rejected_rows,
    uploaded_text,
)
from backoffice.models import Account
from backoffice.permissions import Capability
from backoffice.web import page, read_form, render
from frontdesk.clock import local_today
from frontdesk.config import get_settings
from frontdesk.vocabulary import DISTRICTS, TOPICS
from people import registry, roster
from people.models import ContactPair, Person, Role, Talent
from people.roster import PersonProblem
from tickets import office_calendar
from tickets.office_calendar import CalendarError, DayRule, LineProblem
from tickets.working_time import chinese_workdays

log = logging.getLogger(__name__)

ADMIN = Capability.ADMINISTER
ROLES = tuple(str(role) for role in Role)
HOLDERS_PER_PAGE = 100
MAX_CALENDAR_CHARS = 20_000
DONE = {
    "people": {"created", "saved", "deactivated", "account", "password"},
    "pairs": {"added", "removed"},
    "calendar": {"calendar", "day", "removed", "office_hours"},
}


def _done(request: Request, section: str) -> str:
    done = request.query_params.get("done", "")
    return done if done in DONE[section] else ""


def _audit_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value) if hasattr(value, "value") else value


def _person_snapshot(person: Person) -> dict[str, Any]:
    return {name: _audit_value(getattr(person, name)) for name in PERSON_FIELDS if name != "id"} | {
        "level": person.level
    }


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {"before": before.get(key), "after": value}
        for key, value in after.items()
        if before.get(key) != value
    }


# -- overview -----------------------------------------------------------------------------------------


@page(ADMIN)
async def home(request: Request, db: Session, signed: SignedIn) -> Response:
    counts = {
        "people": db.scalar(select(func.count()).select_from(Person)) or 0,
        "accounts": db.scalar(select(func.count()).select_from(Account)) or 0,
        "pairs": db.scalar(select(func.count()).select_from(ContactPair)) or 0,
        "talents": db.scalar(select(func.count()).select_from(Talent)) or 0,
    }
    return render(
        request,
        "admin_home.html",
        signed=signed,
        section="home",
        counts=counts,
        years=office_calendar.years_entered(db),
        entries=audit.recent(db, limit=10),
        names=roster.names_of(db),
    )


# -- people and their accounts ------------------------------------------------------------------------


@page(ADMIN)
async def people(request: Request, db: Session, signed: SignedIn) -> Response:
    logins = {row.person_id: row for row in db.scalars(select(Account))}
    return render(
        request,
        "admin_people.html",
        signed=signed,
        section="people",
        people=roster.list_people(db),
        logins=logins,
    )


def _person_page(
    request: Request,
    db: Session,
    signed: SignedIn,
    *,
    person: Person | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    account_error: str = "",
    problem: str = "",
    status_code: int = 200,
) -> Response:
    account = db.get(Account, person.id) if person is not None else None
    return render(
        request,
        "admin_person.html",
        signed=signed,
        section="people",
        status_code=status_code,
        person=person,
        account=account,
        locked=bool(account and account.locked_until and account.locked_until > dt.datetime.now(dt.UTC)),
        values=values,
        errors=errors or {},
        account_error=account_error,
        problem=problem,
        roles=ROLES,
        districts=DISTRICTS,
        topics=TOPICS,
        done=_done(request, "people"),
    )


def _person_or_404(request: Request, db: Session, signed: SignedIn) -> Person | Response:
    person = db.get(Person, request.path_params["person_id"])
    if person is None:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    return person


def _save_person(db: Session, submitted: PersonForm, *, new: bool) -> Person | None:
    """The person saved, or None with every problem of the form in `submitted.errors` (nothing saved)."""
    entry = submitted.entry
    if entry is not None:
        problems = roster.person_problems(
            db, entry=entry, new=new, away_from=submitted.away_from, away_until=submitted.away_until
        )
        for problem in problems:
            submitted.errors.setdefault(problem.field, problem.code)
    if entry is None or submitted.errors:
        return None
    try:
        return roster.save_person(
            db, entry=entry, new=new, away_from=submitted.away_from, away_until=submitted.away_until
        )
    except PersonProblem as problem:  # taken at the same moment by another change
        submitted.errors[problem.field] = problem.code
        return None


@page(ADMIN)
async def new_person(request: Request, db: Session, signed: SignedIn) -> Response:
    if request.method == "GET":
        return _person_page(request, db, signed, person=None, values=person_values(None))
    submitted = read_person(await read_form(request), person_id=None)
    person = _save_person(db, submitted, new=True)
    if person is None:
        return _person_page(
            request,
            db,
            signed,
            person=None,
            values=submitted.values,
            errors=submitted.errors,
            status_code=400,
        )
    audit.record(
        db, actor=signed.person.id, action="person.add", subject=person.id, details=_person_snapshot(person)
    )
    log.info("%s added %s to the roster", signed.person.id, person.id)
    return RedirectResponse(f"/admin/people/{person.id}/edit?done=created", status_code=303)


@page(ADMIN)
async def edit_person(request: Request, db: Session, signed: SignedIn) -> Response:
    person = _person_or_404(request, db, signed)
    if isinstance(person, Response):
        return person
    if request.method == "GET":
        return _person_page(request, db, signed, person=person, values=person_values(person))
    submitted = read_person(await read_form(request), person_id=person.id)
    if person.id == signed.person.id and not submitted.values["active"]:
        submitted.errors["active"] = "self"
    before = _person_snapshot(person)
    if _save_person(db, submitted, new=False) is None:
        return _person_page(
            request,
            db,
            signed,
            person=person,
            values=submitted.values,
            errors=submitted.errors,
            status_code=400,
        )
    changes = _changes(before, _person_snapshot(person))
    if changes:
        audit.record(db, actor=signed.person.id, action="person.edit", subject=person.id, details=changes)
        log.info("%s changed %s on the roster: %s", signed.person.id, person.id, ", ".join(changes))
    return RedirectResponse(f"/admin/people/{person.id}/edit?done=saved", status_code=303)


@page(ADMIN)
async def deactivate_person(request: Request, db: Session, signed: SignedIn) -> Response:
    person = _person_or_404(request, db, signed)
    if isinstance(person, Response):
        return person
    if person.id == signed.person.id:
        return _person_page(
            request, db, signed, person=person, values=person_values(person), problem="self", status_code=409
        )
    if person.active:
        roster.deactivate(db, person_id=person.id)
        audit.record(db, actor=signed.person.id, action="person.deactivate", subject=person.id)
        log.info("%s took %s off the roster's duty", signed.person.id, person.id)
    return RedirectResponse(f"/admin/people/{person.id}/edit?done=deactivated", status_code=303)


@page(ADMIN)
async def create_account(request: Request, db: Session, signed: SignedIn) -> Response:
    person = _person_or_404(request, db, signed)
    if isinstance(person, Response):
        return person
    form = await read_form(request)
    password, problem = read_new_password(form)
    language = str(form.get("language", "zh"))
    if problem is None and language not in ("zh", "en"):
        problem = "language"
    if problem is None and db.get(Account, person.id) is not None:
        problem = "has_account"
    if problem is None:
        try:
            accounts.create_account(
                db, person_id=person.id, password=password, admin=form.get("admin") == "on", language=language
            )
        except AccountError:
            problem = "invalid"
    if problem is not None:
        return _person_page(
            request,
            db,
            signed,
            person=person,
            values=person_values(person),
            account_error=problem,
            status_code=400,
        )
    admin = form.get("admin") == "on"
    audit.record(
        db,
        actor=signed.person.id,
        action="account.create",
        subject=person.id,
        details={"admin": admin, "language": language},
    )
    log.info("%s gave %s a back-office account%s", signed.person.id, person.id, " (admin)" if admin else "")
    return RedirectResponse(f"/admin/people/{person.id}/edit?done=account", status_code=303)


@page(ADMIN)
async def reset_password(request: Request, db: Session, signed: SignedIn) -> Response:
    person = _person_or_404(request, db, signed)
    if isinstance(person, Response):
        return person
    password, problem = read_new_password(await read_form(request))
    if problem is None and db.get(Account, person.id) is None:
        problem = "no_account"
    if problem is None:
        try:
            accounts.set_password(db, person_id=person.id, password=password)
        except AccountError:
            problem = "invalid"
    if problem is not None:
        return _person_page(
            request,
            db,
            signed,
            person=person,
            values=person_values(person),
            account_error=problem,
            status_code=400,
        )
    audit.record(db, actor=signed.person.id, action="account.password", subject=person.id)
    log.info("%s set a new password for %s", signed.person.id, person.id)
    if person.id == signed.person.id:  # their own sessions ended with it: this one too
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse(f"/admin/people/{person.id}/edit?done=password", status_code=303)


# -- leader–talent pairs ------------------------------------------------------------------------------


def _pairs_page(
    request: Request,
    db: Session,
    signed: SignedIn,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    leaders = [person for person in roster.list_people(db) if person.role is Role.LEADER]
    return render(
        request,
        "admin_pairs.html",
        signed=signed,
        section="pairs",
        status_code=status_code,
        pairs=roster.pairs(db),
        leaders=leaders,
        values=values or {"person_id": "", "card_number": ""},
        errors=errors or {},
        done=_done(request, "pairs"),
    )


@page(ADMIN)
async def pairs(request: Request, db: Session, signed: SignedIn) -> Response:
    if request.method == "GET":
        return _pairs_page(request, db, signed)
    form = await read_form(request)
    values = {
        "person_id": str(form.get("person_id", ""))[:60],
        "card_number": str(form.get("card_number", ""))[:40],
    }
    errors: dict[str, str] = {}
    if not values["person_id"]:
        errors["person_id"] = "required"
    if not values["card_number"].strip():
        errors["card_number"] = "required"
    if not errors:
        try:
            pair = roster.add_pair(db, person_id=values["person_id"], card_number=values["card_number"])
        except PersonProblem as problem:
            errors[problem.field] = problem.code
        else:
            audit.record(
                db,
                actor=signed.person.id,
                action="pair.add",
                subject=pair.person_id,
                details={"card_number": pair.card_number},
            )
            return RedirectResponse("/admin/pairs?done=added", status_code=303)
    return _pairs_page(request, db, signed, values=values, errors=errors, status_code=400)


@page(ADMIN)
async def remove_pair(request: Request, db: Session, signed: SignedIn) -> Response:
    try:
        pair = roster.remove_pair(db, pair_id=request.path_params["pair_id"])
    except PersonProblem:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    audit.record(
        db,
        actor=signed.person.id,
        action="pair.remove",
        subject=pair.person_id,
        details={"card_number": pair.card_number},
    )
    return RedirectResponse("/admin/pairs?done=removed", status_code=303)


# -- the talent registry ------------------------------------------------------------------------------


def _holders(db: Session, *, query: str, page_number: int) -> tuple[list[Talent], int]:
    statement = select(Talent)
    if query:
        pattern = f"%{query}%"
        statement = statement.where(or_(Talent.name.like(pattern), Talent.card_number.like(pattern.upper())))
    total = db.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = db.scalars(
        statement.order_by(Talent.district, Talent.name, Talent.card_number)
        .offset((page_number - 1) * HOLDERS_PER_PAGE)
        .limit(HOLDERS_PER_PAGE)
    )
    return list(rows), total


def _talents_page(
    request: Request,
    db: Session,
    signed: SignedIn,
    *,
    report: dict[str, Any] | None = None,
    upload_error: str = "",
    status_code: int = 200,
) -> Response:
    query = request.query_params.get("q", "").strip()[:40]
    number = request.query_params.get("page", "1")
    page_number = max(int(number), 1) if number.isdigit() and len(number) < 6 else 1
    holders, total = _holders(db, query=query, page_number=page_number)
    return render(
        request,
        "admin_talents.html",
        signed=signed,
        section="talents",
        status_code=status_code,
        holders=holders,
        total=total,
        query=query,
        page_number=page_number,
        pages=max((total + HOLDERS_PER_PAGE - 1) // HOLDERS_PER_PAGE, 1),
        report=report,
        upload_error=upload_error,
    )


@page(ADMIN)
async def talents(request: Request, db: Session, signed: SignedIn) -> Response:
    return _talents_page(request, db, signed)


@page(ADMIN, file_bytes=MAX_UPLOAD_BYTES)
async def import_talents(request: Request, db: Session, signed: SignedIn) -> Response:
    try:
        filename, text = await uploaded_text(request)
    except UploadProblem as problem:
        return _talents_page(request, db, signed, upload_error=problem.code, status_code=400)
    secret = get_settings().registry_secret.get_secret_value()
    result = registry.import_csv(db, text=text, secret=secret)
    rows = rejected_rows(result.problems)
    report = {"filename": filename, "imported": result.imported, "updated": result.updated, "rejected": rows}
    audit.record(
        db,
        actor=signed.person.id,
        action="registry.import",
        subject=filename,
        details={"imported": result.imported, "updated": result.updated, "rejected": len(rows)},
    )
    log.info(
        "%s imported the talent registry: %d added, %d updated, %d rows rejected",
        signed.person.id,
        result.imported,
        result.updated,
        len(rows),
    )
    return _talents_page(request, db, signed, report=report)


# -- office hours and the holiday calendar ------------------------------------------------------------


def _year(text: str | None) -> int:
    if text and text.isdigit() and len(text) == 4:
        year = int(text)
        if office_calendar.FIRST_YEAR <= year <= office_calendar.LAST_YEAR:
            return year
    return local_today().year


def _calendar_page(
    request: Request,
    db: Session,
    signed: SignedIn,
    *,
    year: int,
    lines: str | None = None,
    problems: list[LineProblem] | None = None,
    day_form: dict[str, str] | None = None,
    day_problems: list[LineProblem] | None = None,
    hours_value: str | None = None,
    hours_error: bool = False,
    status_code: int = 200,
) -> Response:
    days = office_calendar.days_of(db, year=year)
    stored_hours = office_calendar.stored_office_hours(db)
    this_year = local_today().year
    years = sorted({*office_calendar.years_entered(db), this_year, this_year + 1, year})
    return render(
        request,
        "admin_calendar.html",
        signed=signed,
        section="calendar",
        status_code=status_code,
        year=year,
        years=years,
        days=days,
        covered=chinese_workdays.covers(year),
        lines="\n".join(rule.line() for rule in days) if lines is None else lines,
        problems=problems or [],
        day_form=day_form or {"day": "", "kind": "holiday", "name": ""},
        day_problems=day_problems or [],
        stored_hours=stored_hours,
        default_hours=get_settings().office_hours,
        hours_value=(stored_hours or get_settings().office_hours) if hours_value is None else hours_value,
        hours_error=hours_error,
        done=_done(request, "calendar"),
    )


@page(ADMIN)
async def calendar(request: Request, db: Session, signed: SignedIn) -> Response:
    return _calendar_page(request, db, signed, year=_year(request.query_params.get("year")))


def _year_of_path(request: Request) -> int | None:
    year = request.path_params["year"]
    return year if office_calendar.FIRST_YEAR <= year <= office_calendar.LAST_YEAR else None


@page(ADMIN)
async def replace_year(request: Request, db: Session, signed: SignedIn) -> Response:
    year = _year_of_path(request)
    if year is None:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    text = str((await read_form(request)).get("lines", ""))
    if len(text) > MAX_CALENDAR_CHARS:
        problems = [LineProblem(0, "too_long", str(MAX_CALENDAR_CHARS))]
        return _calendar_page(
            request,
            db,
            signed,
            year=year,
            lines=text[:MAX_CALENDAR_CHARS],
            problems=problems,
            status_code=400,
        )
    try:
        days = office_calendar.parse_days(text, year=year)
    except CalendarError as error:
        return _calendar_page(
            request, db, signed, year=year, lines=text, problems=error.problems, status_code=400
        )
    before = office_calendar.replace_year(db, year=year, days=days)
    audit.record(
        db,
        actor=signed.person.id,
        action="calendar.year",
        subject=str(year),
        details={"before": [r.line() for r in before], "after": [r.line() for r in days]},
    )
    log.info("%s entered %d calendar days for %d", signed.person.id, len(days), year)
    return RedirectResponse(f"/admin/calendar?year={year}&done=calendar", status_code=303)


@page(ADMIN)
async def set_day(request: Request, db: Session, signed: SignedIn) -> Response:
    year = _year_of_path(request)
    if year is None:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    form = await read_form(request)
    day_form = {name: str(form.get(name, "")).strip()[:60] for name in ("day", "kind", "name")}
    parts = (day_form["day"] or "-", day_form["kind"] or "-", day_form["name"])
    line = " ".join(part for part in parts if part)
    try:
        days = office_calendar.parse_days(line, year=year)
    except CalendarError as error:
        return _calendar_page(
            request, db, signed, year=year, day_form=day_form, day_problems=error.problems, status_code=400
        )
    before = office_calendar.set_days(db, days=days)
    audit.record(
        db,
        actor=signed.person.id,
        action="calendar.day",
        subject=day_form["day"],
        details={"before": [r.line() for r in before], "after": [r.line() for r in days]},
    )
    return RedirectResponse(f"/admin/calendar?year={year}&done=day", status_code=303)


@page(ADMIN)
async def remove_day(request: Request, db: Session, signed: SignedIn) -> Response:
    year = _year_of_path(request)
    text = str((await read_form(request)).get("day", ""))[:20]
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        day = None
    if year is None or day is None or day.year != year:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    before: DayRule | None = office_calendar.remove_day(db, day=day)
    if before is not None:
        audit.record(
            db,
            actor=signed.person.id,
            action="calendar.remove",
            subject=day.isoformat(),
            details={"before": [before.line()]},
        )
    return RedirectResponse(f"/admin/calendar?year={year}&done=removed", status_code=303)


@page(ADMIN)
async def office_hours(request: Request, db: Session, signed: SignedIn) -> Response:
    form = await read_form(request)
    year = _year(str(form.get("year", "")))
    spec = None if form.get("action") == "default" else str(form.get("office_hours", ""))[:400]
    try:
        before = office_calendar.set_office_hours(db, spec=spec)
    except ValueError:
        return _calendar_page(
            request, db, signed, year=year, hours_value=spec or "", hours_error=True, status_code=400
        )
    after = office_calendar.stored_office_hours(db)
    audit.record(
        db,
        actor=signed.person.id,
        action="office_hours",
        subject="office_hours",
        details={"before": before, "after": after},
    )
    log.info("%s set the office hours to %s", signed.person.id, after or "the OFFICE_HOURS setting")
    return RedirectResponse(f"/admin/calendar?year={year}&done=office_hours", status_code=303)


# -- the audit log ------------------------------------------------------------------------------------


@page(ADMIN)
async def audit_log(request: Request, db: Session, signed: SignedIn) -> Response:
    number = request.query_params.get("page", "1")
    page_number = max(int(number), 1) if number.isdigit() and len(number) < 6 else 1
    entries = audit.recent(db, limit=HOLDERS_PER_PAGE + 1, offset=(page_number - 1) * HOLDERS_PER_PAGE)
    return render(
        request,
        "admin_audit.html",
        signed=signed,
        section="audit",
        entries=entries[:HOLDERS_PER_PAGE],
        more=len(entries) > HOLDERS_PER_PAGE,
        page_number=page_number,
        names=roster.names_of(db),
    )
