"""The analytics page (Capability.SEE_ANALYTICS; the districts each person sees: analytics.service.scope_of)
for a period and a district given as GET parameters: conversations and questions per day, containment,
topics, outcomes, the most unanswered topics, feedback, and the 12345-style figures per district and per
person; charts drawn as SVG, and every table of the page as CSV (/analytics/<table>.csv)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from analytics import scheduled, service
from analytics.service import Handling, NotAllowed, Period, PeriodError, Scope, Summary, period_of, scope_of
from backoffice.accounts import SignedIn
from backoffice.charts import bars_chart, day_chart
from backoffice.i18n import translate
from backoffice.permissions import Capability, Forbidden
from backoffice.web import page, render
from frontdesk.clock import local_today, utcnow
from frontdesk.database import session_scope
from frontdesk.vocabulary import DISTRICTS, TOPIC_LABELS
from people import roster
from tickets import service as ticket_service

SEE = Capability.SEE_ANALYTICS
MAX_PARAM_CHARS = 40
UNSAFE_CSV_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would read a formula
T = TypeVar("T")
TABLES = ("overview", "days", "topics", "outcomes", "unanswered", "ratings", "districts", "people")


@dataclass(frozen=True)
class Table:
    key: str
    headers: list[str]
    rows: list[list[str]]


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f}"


def tables(figures: Summary, *, t: Callable[..., str], lang: str, names: dict[str, str]) -> dict[str, Table]:
    """Every table of the page, as shown and as exported."""

    def topic(name: str | None) -> str:
        return TOPIC_LABELS[lang].get(name, name) if name else t("analytics.no_topic")

    def district(name: str | None) -> str:
        return name or t("analytics.no_district")

    def handling_cells(row: Handling) -> list[str]:
        return [
            str(row.tickets),
            _percent(row.response_rate),
            _percent(row.resolution_rate),
            _percent(row.satisfaction.satisfied_share),
            _hours(row.response_p50),
            _hours(row.response_p90),
            _hours(row.resolution_p50),
            _hours(row.resolution_p90),
        ]

    handling_headers = [
        t(f"analytics.col.{name}")
        for name in (
            "tickets", "response_rate", "resolution_rate", "satisfaction", "response_p50", "response_p90",
            "resolution_p50", "resolution_p90",
        )
    ]  # fmt: skip
    votes = figures.votes
    overall = [
        [t("analytics.overview.conversations"), str(figures.conversations)],
        [t("analytics.overview.questions"), str(figures.questions)],
        [t("analytics.overview.answered"), f"{figures.answered} ({_percent(figures.answered_share)})"],
        [
            t("analytics.overview.without_ticket"),
            f"{figures.without_ticket} ({_percent(figures.without_ticket_share)})",
        ],
        [t("analytics.overview.tickets"), str(figures.handling.tickets)],
        [t("analytics.col.response_rate"), _percent(figures.handling.response_rate)],
        [t("analytics.col.resolution_rate"), _percent(figures.handling.resolution_rate)],
        [t("analytics.col.satisfaction"), _percent(figures.handling.satisfaction.satisfied_share)],
        [
            t("analytics.overview.votes"),
            (
                f"👍 {votes.helpful} / 👎 {votes.unhelpful} ({_percent(votes.helpful_share)})"
                if votes is not None
                else t("analytics.overview.votes_all_only")
            ),
        ],
    ]
    return {
        "overview": Table("overview", [t("analytics.col.figure"), t("analytics.col.value")], overall),
        "days": Table(
            "days",
            [
                t("analytics.col.day"),
                t("analytics.col.conversations"),
                t("analytics.col.questions"),
                t("analytics.col.answered"),
            ],
            [
                [d.day.isoformat(), str(d.conversations), str(d.questions), str(d.answered)]
                for d in figures.days
            ],
        ),
        "topics": Table(
            "topics",
            [t("analytics.col.topic"), t("analytics.col.questions")],
            [[topic(name), str(n)] for name, n in figures.topics],
        ),
        "outcomes": Table(
            "outcomes",
            [t("analytics.col.outcome"), t("analytics.col.questions")],
            [[t(f"analytics.outcome.{outcome.value}"), str(n)] for outcome, n in figures.outcomes],
        ),
        "unanswered": Table(
            "unanswered",
            [t("analytics.col.topic"), t("analytics.col.unanswered")],
            [[topic(name), str(n)] for name, n in figures.unanswered],
        ),
        "ratings": Table(
            "ratings",
            [t("analytics.col.score"), t("analytics.col.ratings")],
            [[str(score), str(n)] for score, n in sorted(figures.handling.satisfaction.distribution.items())],
        ),
        "districts": Table(
            "districts",
            [
                t("analytics.col.district"),
                t("analytics.col.conversations"),
                t("analytics.col.questions"),
                t("analytics.col.answered_share"),
                *handling_headers,
            ],
            [
                [
                    district(row.district),
                    str(row.conversations),
                    str(row.questions),
                    _percent(row.answered_share),
                    *handling_cells(row.handling),
                ]
                for row in figures.by_district
            ],
        ),
        "people": Table(
            "people",
            [t("analytics.col.person"), *handling_headers],
            [
                [f"{names.get(row.key or '', row.key)} ({row.key})", *handling_cells(row)]
                for row in figures.by_person
            ],
        ),
    }


@dataclass(frozen=True)
class Asked:
    """What the GET parameters ask for, once checked."""

    scope: Scope
    period: Period | None
    district: str | None
    problem: str  # a text key, "" when none


def _asked(request: Request, signed: SignedIn) -> Asked:
    account = signed.account
    try:
        scope = scope_of(signed.person, everything=account.admin or account.editor)
    except NotAllowed:
        raise Forbidden(SEE) from None
    params = {name: request.query_params.get(name, "").strip()[:MAX_PARAM_CHARS] for name in ("from", "to")}
    district = request.query_params.get("district", "").strip()[:MAX_PARAM_CHARS] or None
    try:
        period: Period | None = period_of(first=params["from"], last=params["to"], today=local_today())
    except PeriodError as error:
        return Asked(scope, None, district, f"analytics.problem.{error.problem.value}")
    try:
        scope.narrowed(district)
    except NotAllowed:
        return Asked(scope, period, None, "analytics.problem.district")
    return Asked(scope, period, district, "")


async def _figures(asked: Asked) -> Summary:
    """The rollups topped up (one refresher at a time), then the conversation record's figures and the
    tickets' per district and per person read at the same time, each in a transaction of its own."""
    assert asked.period is not None
    period, districts, now = asked.period, asked.scope.narrowed(asked.district), utcnow()

    def read(count: Callable[[Session], T]) -> T:
        with session_scope() as session:
            return count(session)

    def tickets(by: str) -> Callable[[Session], dict[str | None, service.Gathered]]:
        return lambda s: service.ticket_figures(s, period=period, districts=districts, now=now, by=by)

    await asyncio.to_thread(read, lambda s: scheduled.refresh(s, sla=ticket_service.default_sla()))
    turns, by_district, by_person = await asyncio.gather(
        asyncio.to_thread(read, lambda s: service.turn_figures(s, period=period, districts=districts)),
        asyncio.to_thread(read, tickets("district")),
        asyncio.to_thread(read, tickets("person")),
    )
    return service.assemble(
        period=period, districts=districts, turns=turns, by_district=by_district, by_person=by_person
    )


def _problem_page(request: Request, signed: SignedIn, asked: Asked) -> Response:
    """The filters again with what is wrong with them, and no figures."""
    return render(
        request, "analytics.html", signed=signed, status_code=400, figures=None, **_filters(request, asked)
    )


def _filters(request: Request, asked: Asked) -> dict[str, Any]:
    return {
        "districts": sorted(asked.scope.districts) if asked.scope.districts is not None else list(DISTRICTS),
        "chosen": {
            "from": request.query_params.get("from", "")[:MAX_PARAM_CHARS],
            "to": request.query_params.get("to", "")[:MAX_PARAM_CHARS],
            "district": asked.district or "",
        },
        "problem": asked.problem,
    }


def _tables(db: Session, signed: SignedIn, figures: Summary) -> dict[str, Table]:
    lang = signed.account.language

    def t(key: str, **values: object) -> str:
        return translate(lang, key, **values)

    names = roster.names_of(db, ids={row.key for row in figures.by_person if row.key})
    return tables(figures, t=t, lang=lang, names=names)


@page(SEE)
async def analytics(request: Request, db: Session, signed: SignedIn) -> Response:
    asked = _asked(request, signed)
    if asked.problem:
        return _problem_page(request, signed, asked)
    figures = await _figures(asked)
    shown = _tables(db, signed, figures)
    query = urlencode(
        {
            "from": figures.period.first.isoformat(),
            "to": figures.period.last.isoformat(),
            **({"district": asked.district} if asked.district else {}),
        }
    )
    days = figures.days
    return render(
        request,
        "analytics.html",
        signed=signed,
        figures=figures,
        tables=shown,
        query=query,
        day_chart=day_chart(
            [d.day.isoformat() for d in days], [d.questions for d in days], [d.conversations for d in days]
        ),
        topic_chart=bars_chart([(row[0], int(row[1])) for row in shown["topics"].rows]),
        outcome_chart=bars_chart([(row[0], int(row[1])) for row in shown["outcomes"].rows if row[1] != "0"]),
        **_filters(request, asked),
    )


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + value if value.startswith(UNSAFE_CSV_STARTS) else value


def csv_body(table: Table) -> bytes:
    """The table as CSV in UTF-8 with a byte-order mark (Excel then reads the Chinese right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in (table.headers, *table.rows):
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@page(SEE)
async def export(request: Request, db: Session, signed: SignedIn) -> Response:
    key = request.path_params["table"]
    if key not in TABLES:
        return render(request, "error.html", signed=signed, status_code=404, message="not_found")
    asked = _asked(request, signed)
    if asked.problem:
        return _problem_page(request, signed, asked)
    figures = await _figures(asked)
    table = _tables(db, signed, figures)[key]
    period = f"{figures.period.first:%Y%m%d}-{figures.period.last:%Y%m%d}"
    return Response(
        csv_body(table),
        media_type="text/csv; charset=utf-8",
        headers={
            "content-disposition": f'attachment; filename="analytics-{key}-{period}.csv"',
            "cache-control": "no-store",
        },
    )
