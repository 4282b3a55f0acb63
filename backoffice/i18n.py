"""The back office's interface texts in Chinese and English, per user: locales/zh.yml and en.yml, and one
file per area beside them (locales/<area>.zh.yml); a key written in two files fails loudly."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh", "en")
_FOLDER = Path(__file__).parent / "locales"


@lru_cache(maxsize=len(LANGUAGES))
def catalog(language: str) -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted(_FOLDER.glob(f"*{language}.yml")):
        found = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if twice := texts.keys() & found.keys():
            raise ValueError(f"{path.name} repeats keys of another locale file: {sorted(twice)}")
        texts.update(found)
    return texts


def translate(language: str, key: str, **values: Any) -> str:
    """The text for `key` in `language`, with `values` filled in; a missing key fails loudly."""
    text = catalog(language if language in LANGUAGES else "zh")[key]
    return text.format(**values) if values else text
