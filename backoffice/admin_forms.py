"""What the administration pages read from a browser: a person's form checked by the roster's own rules
(people.roster.RosterEntry) with a code per field, passwords, dates, and the registry CSV upload (one file,
at most MAX_UPLOAD_BYTES)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from backoffice.accounts import MIN_PASSWORD_CHARS
from backoffice.web import read_form
from frontdesk.clock import LOCAL_TZ, to_local
from people.models import Person
from people.roster import MAX_NAME_CHARS, RosterEntry

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PASSWORD_CHARS = 200
PERSON_FIELDS = ("id", "name", "role", "districts", "topics", "telegram_user_id", "active", "away_from",
                 "away_until")  # fmt: skip

# pydantic's error types -> the codes the pages explain (admin.error.<code>)
_ERROR_CODES = {
    "missing": "required",
    "too_short": "required",
    "string_too_short": "required",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_pattern_mismatch": "id_pattern",
    "literal_error": "choice",
    "value_error": "unknown",
    "int_parsing": "number",
    "int_type": "number",
    "int_from_float": "number",
    "greater_than": "number",
    "less_than": "number",
}
_DIGIT_RUN = re.compile(r"\+?\d[\d\s-]{5,}\d")


@dataclass
class PersonForm:
    """A person's form as sent: the values to show again, the entry when the roster's rules accept it, and
    the problems by field (the entry may be there with problems of other fields)."""

    values: dict[str, Any]
    entry: RosterEntry | None = None
    away_from: dt.datetime | None = None
    away_until: dt.datetime | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _local_input(moment: dt.datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def person_values(person: Person | None) -> dict[str, Any]:
    """The form's values for a person on the roster (or an empty form)."""
    if person is None:
        return {"id": "", "name": "", "role": "staff", "districts": [], "topics": ["all"],
                "telegram_user_id": "", "active": True, "away_from": "", "away_until": ""}  # fmt: skip
    return {
        "id": person.id,
        "name": person.name,
        "role": str(person.role),
        "districts": list(person.districts),
        "topics": list(person.topics),
        "telegram_user_id": "" if person.telegram_user_id is None else str(person.telegram_user_id),
        "active": person.active,
        "away_from": _local_input(person.away_from),
        "away_until": _local_input(person.away_until),
    }


def local_moment(text: str) -> dt.datetime:
    """A Beijing-time moment typed as YYYY-MM-DDTHH:MM (datetime-local), YYYY-MM-DD HH:MM or a date
    (its start); ValueError otherwise."""
    text = text.strip().replace(" ", "T", 1)
    if len(text) > 16:
        raise ValueError(text)
    moment = dt.datetime.fromisoformat(text if "T" in text else f"{text}T00:00")
    if moment.tzinfo is not None:
        raise ValueError(text)
    return moment.replace(tzinfo=LOCAL_TZ).astimezone(dt.UTC)


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _choices(form: FormData, name: str) -> list[str]:
    return [value.strip() for value in form.getlist(name) if isinstance(value, str) and value.strip()][:40]


def read_person(form: FormData, *, person_id: str | None) -> PersonForm:
    """The person's form checked as the roster import checks an entry; `person_id` when editing (the id
    is not changed), None when adding."""
    values: dict[str, Any] = {
        "id": person_id if person_id is not None else _text(form, "id", 80),
        "name": _text(form, "name", MAX_NAME_CHARS + 20),
        "role": _text(form, "role", 20),
        "districts": _choices(form, "districts"),
        "topics": _choices(form, "topics"),
        "telegram_user_id": _text(form, "telegram_user_id", 30),
        "active": form.get("active") == "on",
        "away_from": _text(form, "away_from", 30),
        "away_until": _text(form, "away_until", 30),
    }
    result = PersonForm(values=values)
    row: dict[str, Any] = {key: values[key] for key in ("id", "name", "role", "districts", "active")}
    if values["topics"]:
        row["topics"] = values["topics"]
    else:
        result.errors["topics"] = "required"
    if values["telegram_user_id"]:
        row["telegram_user_id"] = values["telegram_user_id"]
    for name in ("away_from", "away_until"):
        if values[name]:
            try:
                setattr(result, name, local_moment(str(values[name])))
            except ValueError:
                result.errors[name] = "datetime"
    if result.away_from and (result.away_until is None or result.away_until <= result.away_from):
        result.errors.setdefault("away_until", "order")
    try:
        result.entry = RosterEntry.model_validate(row)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "id"
            result.errors.setdefault(name, _ERROR_CODES.get(error["type"], "invalid"))
    return result


def read_new_password(form: FormData) -> tuple[str, str | None]:
    """The password typed twice: (password, None) or ("", the problem's code)."""
    first = form.get("password", "")
    second = form.get("password_again", "")
    if not isinstance(first, str) or not isinstance(second, str):
        return "", "password_short"
    if len(first) < MIN_PASSWORD_CHARS:
        return "", "password_short"
    if len(first) > MAX_PASSWORD_CHARS:
        return "", "password_long"
    if first != second:
        return "", "password_mismatch"
    return first, None


def mask_numbers(text: str) -> str:
    """Long runs of digits (a phone number in the wrong column) hidden from what a page shows."""
    return _DIGIT_RUN.sub("•••", text)


_REGISTRY_PROBLEMS = (
    (re.compile(r"^no card number$"), "no_card"),
    (re.compile(r"^card (?P<value>.+) appears twice$"), "twice"),
    (re.compile(r"^unknown tier (?P<value>.*) \(use one of .*\)$"), "tier"),
    (re.compile(r"^unknown district (?P<value>.*) \(use one of .*\)$"), "district"),
    (re.compile(r"^the phone number is not a phone number$"), "phone"),
)
_LINE = re.compile(r"^line (\d+): (.*)$")


@dataclass(frozen=True)
class RejectedRow:
    """A row people.registry.import_csv refused: its line (0 for the file as a whole), a code to explain
    it in the reader's language (admin.registry.problem.<code>; `other` keeps the domain's words) and the
    value at fault, with any long number masked."""

    line: int
    code: str
    value: str


def rejected_rows(problems: list[str]) -> list[RejectedRow]:
    rows = []
    for problem in problems:
        match = _LINE.match(problem)
        line, reason = (int(match.group(1)), match.group(2)) if match else (0, problem)
        for pattern, code in _REGISTRY_PROBLEMS:
            found = pattern.match(reason)
            if found:
                value = found.groupdict().get("value") or ""
                rows.append(RejectedRow(line, code, mask_numbers(value.strip("'\""))[:80]))
                break
        else:
            code = "columns" if reason.startswith("missing columns:") else "other"
            value = reason.split(":", 1)[1].strip() if code == "columns" else reason
            rows.append(RejectedRow(line, code, mask_numbers(value)[:200]))
    return rows


class UploadProblem(ValueError):
    """An upload that cannot be read as the registry CSV: no_file, too_large or encoding."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def uploaded_text(request: Request, name: str = "file") -> tuple[str, str]:
    """The uploaded file of a `page(..., file_bytes=MAX_UPLOAD_BYTES)` request: (its name, its text:
    UTF-8, with or without BOM, or GB18030 as Chinese spreadsheets save it). UploadProblem otherwise."""
    upload = (await read_form(request, file_bytes=MAX_UPLOAD_BYTES)).get(name)  # read once, by `page`
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise UploadProblem("no_file")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadProblem("too_large")
    if not data.strip():
        raise UploadProblem("no_file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return upload.filename[:100], data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadProblem("encoding")
