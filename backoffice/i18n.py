"""The back office's interface texts in Chinese and English (locales/*.yml), per user."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh", "en")
_FOLDER = Path(__file__).parent / "locales"


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: str) -> dict[str, str]:
    return yaml.safe_load((_FOLDER / f"{language}.yml").read_text(encoding="utf-8"))


def translate(language: str, key: str, **values: Any) -> str:
    """The text for `key` in `language`, with `values` filled in; a missing key fails loudly."""
    text = catalog(language if language in LANGUAGES else "zh")[key]
    return text.format(**values) if values else text
