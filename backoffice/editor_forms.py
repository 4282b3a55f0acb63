"""The article form: an article's content as form fields and back, checked by the knowledge base's own schema
(policies_kb.schema.ArticleContent, as the YAML files are), every problem named by its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from frontdesk.vocabulary import DISTRICTS, TIERS
from policies_kb.schema import ArticleContent

LANGUAGES = ("zh", "en")
TEXT_FIELDS = ("title", "summary", "body", "required_documents", "how_to_apply", "processing_time", "contact")
SOURCE_FIELDS = ("title", "number", "issuer", "issued_on", "note")
LIST_FIELDS = {"keywords", "required_documents"}  # one item a line in the form
OPTIONAL = {"note", "how_to_apply", "processing_time", "contact", "effective_to"}
FIELD_NAMES = frozenset(
    {"id", "topic", "tiers", "districts", "keywords", "effective_from", "effective_to"}
    | {f"source.{name}" for name in SOURCE_FIELDS}
    | {f"{language}.{name}" for language in LANGUAGES for name in TEXT_FIELDS}
)
MAX_NOTE_CHARS = 500
# pydantic's error types, as the form names them (the rest: "invalid")
ERROR_CODES = {
    "missing": "required",
    "string_too_short": "too_short",
    "string_too_long": "too_long",
    "string_pattern_mismatch": "pattern",
    "date_from_datetime_parsing": "date",
    "date_parsing": "date",
    "date_type": "date",
    "literal_error": "choice",
    "document_number": "document_number",
}


@dataclass
class ArticleForm:
    """What was submitted: the values to show again, the content when valid, the problems by field name."""

    values: dict[str, Any]
    content: ArticleContent | None = None
    errors: dict[str, str] = field(default_factory=dict)
    note: str = ""


def form_values(content: dict[str, Any]) -> dict[str, Any]:
    """A stored version's content as the form's values (field name → text, or list for the choices)."""
    eligibility = content.get("eligibility", {})
    values: dict[str, Any] = {
        "tiers": eligibility.get("tiers", "all"),
        "districts": eligibility.get("districts", "all"),
        "keywords": "\n".join(content.get("keywords", [])),
        "effective_from": content.get("effective_from") or "",
        "effective_to": content.get("effective_to") or "",
    }
    for name in SOURCE_FIELDS:
        values[f"source.{name}"] = content.get("source", {}).get(name) or ""
    for language in LANGUAGES:
        text = content.get("content", {}).get(language, {})
        for name in TEXT_FIELDS:
            value = text.get(name)
            values[f"{language}.{name}"] = "\n".join(value or []) if name in LIST_FIELDS else (value or "")
    return values


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _choices(form: FormData, name: str, allowed: tuple[str, ...]) -> list[str] | str:
    chosen = [str(value) for value in form.getlist(name)]
    if "all" in chosen:
        return "all"
    return [value for value in allowed if value in chosen] + [v for v in chosen if v not in allowed]


def read_article(form: FormData, *, article_id: str, topic: str) -> ArticleForm:
    """The submitted form checked by the schema, as article `article_id` of `topic` (the page's to say: an
    existing article's, or the new article form's own fields)."""
    text = {name: str(value).replace("\r\n", "\n").strip() for name, value in form.items() if name != "csrf"}
    values: dict[str, Any] = {
        "id": article_id,
        "topic": topic,
        "tiers": _choices(form, "tiers", TIERS),
        "districts": _choices(form, "districts", DISTRICTS),
        "keywords": text.get("keywords", ""),
        "effective_from": text.get("effective_from", ""),
        "effective_to": text.get("effective_to", ""),
    }
    for name in SOURCE_FIELDS:
        values[f"source.{name}"] = text.get(f"source.{name}", "")
    for language in LANGUAGES:
        for name in TEXT_FIELDS:
            values[f"{language}.{name}"] = text.get(f"{language}.{name}", "")
    submitted = ArticleForm(values=values, note=text.get("note", "")[: MAX_NOTE_CHARS + 1])
    if len(submitted.note) > MAX_NOTE_CHARS:
        submitted.errors["note"] = "note_long"
    try:
        content = ArticleContent.model_validate(_document(values, article_id=article_id, topic=topic))
    except ValidationError as invalid:
        for error in invalid.errors():
            name, code = _problem(error)
            if values.get(name) in ("", []):
                code = "required" if name not in ("tiers", "districts") else code
            submitted.errors.setdefault(name, code)
        return submitted
    if not submitted.errors:
        submitted.content = content
    return submitted


def _optional(value: str) -> str | None:
    return value or None


def _document(values: dict[str, Any], *, article_id: str, topic: str) -> dict[str, Any]:
    """The form's values as the YAML file would say them."""
    texts: dict[str, Any] = {}
    for language in LANGUAGES:
        text = {}
        for name in TEXT_FIELDS:
            value = values[f"{language}.{name}"]
            text[name] = (
                _lines(value) if name in LIST_FIELDS else (_optional(value) if name in OPTIONAL else value)
            )
        if language == "zh" or any(text.values()):  # English is optional: an empty column leaves it out
            texts[language] = text
    return {
        "id": article_id,
        "topic": topic,
        "eligibility": {"tiers": values["tiers"], "districts": values["districts"]},
        "keywords": _lines(values["keywords"]),
        "source": {
            name: _optional(values[f"source.{name}"]) if name in OPTIONAL else values[f"source.{name}"]
            for name in SOURCE_FIELDS
        },
        "effective_from": values["effective_from"],
        "effective_to": _optional(values["effective_to"]),
        "content": texts,
    }


def _problem(error: Any) -> tuple[str, str]:
    """A pydantic error as (form field, code)."""
    location = [str(part) for part in error["loc"]]
    if location[:1] == ["content"]:
        location = location[1:]
    if location[:1] == ["eligibility"] and len(location) >= 2:
        return location[1], "empty" if error["type"] == "value_error" else "choice"
    if not location:  # the schema's checks across fields
        message = str(error.get("msg", ""))
        if "effective_to" in message:
            return "effective_to", "order"
        if "content.zh" in message:
            return "zh.title", "required"
        return "form", "invalid"
    name = ".".join(location[:2]) if location[0] in (*LANGUAGES, "source") else location[0]
    if name not in FIELD_NAMES:
        return "form", "invalid"
    return name, ERROR_CODES.get(error["type"], "invalid")
