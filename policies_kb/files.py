"""Reading article files written by editors, with errors an editor can act on."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from policies_kb.schema import ArticleContent

log = logging.getLogger(__name__)

CONTENT_DIR = Path(__file__).resolve().parent / "content"


@dataclass(frozen=True)
class ContentError:
    """A problem in one file, said in an editor's words."""

    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        where = f" (field: {self.field})" if self.field else ""
        return f"{self.path}{where}: {self.message}"


@dataclass
class LoadResult:
    articles: dict[Path, ArticleContent] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)


def _field_path(location: tuple[int | str, ...]) -> str:
    """'eligibility.tiers.0', leaving out pydantic's names of union branches such as 'list[...]'."""
    return ".".join(str(part) for part in location if not (isinstance(part, str) and "[" in part))


def read_article(path: Path) -> ArticleContent | list[ContentError]:
    """One article file, or the list of what is wrong with it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return [ContentError(path, "", "the file is not UTF-8 text; save it as UTF-8")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return [ContentError(path, "", f"not valid YAML: {where}{problem}")]
    if not isinstance(data, dict):
        return [ContentError(path, "", "the file must hold one article (a YAML mapping of fields)")]
    try:
        article = ArticleContent.model_validate(data)
    except ValidationError as exc:
        return [ContentError(path, _field_path(err["loc"]), err["msg"]) for err in exc.errors()]
    if article.id != path.stem:
        return [
            ContentError(
                path, "id", f"id {article.id!r} differs from the file name; name the file {article.id}.yml"
            )
        ]
    return article


def load_directory(directory: Path = CONTENT_DIR) -> LoadResult:
    """Every article file below `directory`; bad files are reported, the good ones kept."""
    result = LoadResult()
    seen: dict[str, Path] = {}
    for path in sorted(directory.rglob("*.yml")) + sorted(directory.rglob("*.yaml")):
        outcome = read_article(path)
        if isinstance(outcome, list):
            result.errors.extend(outcome)
            continue
        if outcome.id in seen:
            result.errors.append(
                ContentError(path, "id", f"id {outcome.id!r} is already used by {seen[outcome.id]}")
            )
            continue
        if path.parent.name != outcome.topic:
            result.errors.append(
                ContentError(
                    path, "topic", f"topic {outcome.topic!r} does not match its folder {path.parent.name!r}"
                )
            )
            continue
        seen[outcome.id] = path
        result.articles[path] = outcome
    for error in result.errors:
        log.warning("article file rejected: %s", error)
    return result
