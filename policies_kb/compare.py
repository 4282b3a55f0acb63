"""Two versions of an article side by side, line by line of their YAML (as editors write it)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from sqlalchemy.orm import Session

from policies_kb import service

Kind = Literal["same", "changed", "removed", "added"]


@dataclass(frozen=True)
class DiffRow:
    """One line of the side-by-side view: the old line and the new (None where a side has no line)."""

    kind: Kind
    old_number: int | None
    old_line: str | None
    new_number: int | None
    new_line: str | None


def yaml_text(content: dict[str, Any]) -> str:
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=1000)


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """Every line of both texts, paired where they correspond."""
    before, after = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [
                DiffRow("same", i + 1, before[i], j + 1, after[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            continue
        width = max(i2 - i1, j2 - j1)
        for k in range(width):
            i, j = i1 + k, j1 + k
            has_old, has_new = i < i2, j < j2
            kind: Kind = "changed" if has_old and has_new else ("removed" if has_old else "added")
            rows.append(
                DiffRow(
                    kind,
                    i + 1 if has_old else None,
                    before[i] if has_old else None,
                    j + 1 if has_new else None,
                    after[j] if has_new else None,
                )
            )
    return rows


def compare_versions(session: Session, *, article_id: str, old: int, new: int) -> list[DiffRow]:
    """Versions `old` and `new` of an article side by side (KnowledgeBaseError: no such version)."""
    before, after = (service.get_version(session, article_id=article_id, version=v) for v in (old, new))
    return side_by_side(yaml_text(before.content), yaml_text(after.content))
