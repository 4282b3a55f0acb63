"""Text normalisation shared by every channel and the NLU pipeline (no heavy imports here)."""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache

import opencc

_WHITESPACE = re.compile(r"\s+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _convert_t2s(text: str) -> str:
    """Traditional to simplified, keeping the length (phrase conversion falls back to characters)."""
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    return "".join(ch if len(c := _t2s().convert(ch)) != 1 else c for ch in text)


NLU_LIMIT_VARIABLE = "MAX_MESSAGE_CHARS"
DEFAULT_NLU_LIMIT = 1000


def nlu_limit() -> int:
    """How many characters of a message NLU reads: MAX_MESSAGE_CHARS (the launcher sets it for Rasa's
    processes), else 1000."""
    return int(os.environ.get(NLU_LIMIT_VARIABLE) or DEFAULT_NLU_LIMIT)


def normalize_with_offsets(text: str, *, limit: int | None = None) -> tuple[str, list[int]]:
    """Normalised text and, for each input position (plus the end), where it lands in the output.

    Simplified Chinese, half-width forms (NFKC), no control characters, single spaces, no edge spaces.
    With `limit`, only the first `limit` characters are read and at most `limit` come out (NFKC turns
    some characters into many: U+FDFA into 18); positions past the cut land at the end.
    """
    if limit is not None:
        text = text[:limit]
    out: list[str] = []
    positions: list[int] = []
    for ch in text:
        positions.append(len(out))
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
        elif unicodedata.category(ch)[0] != "C":
            for piece in unicodedata.normalize("NFKC", ch):
                if piece.isspace():
                    if out and out[-1] != " ":
                        out.append(" ")
                else:
                    out.append(piece)
    positions.append(len(out))
    if limit is not None:
        del out[limit:]
    if out and out[-1] == " ":
        out.pop()
    if positions[-1] > len(out):
        positions = [min(position, len(out)) for position in positions]
    return _convert_t2s("".join(out)), positions


@lru_cache(maxsize=1)
def _drop_invisible() -> dict[int, None]:
    """str.translate table removing control, format, private-use and unassigned characters of the BMP."""
    return {
        code: None
        for code in range(0x10000)
        if unicodedata.category(chr(code))[0] == "C" and not chr(code).isspace()
    }


def normalize(text: str, *, limit: int | None = None) -> str:
    """Simplified Chinese, half-width forms, no control characters, single spaces.

    The same result as `normalize_with_offsets`, faster, for text whose offsets nobody needs; `limit`
    bounds what is read and what comes out in the same way.
    """
    if limit is not None:
        text = text[:limit]
    text = unicodedata.normalize("NFKC", text.translate(_drop_invisible()))
    text = _ASTRAL.sub(
        lambda match: "" if unicodedata.category(match.group())[0] == "C" else match.group(), text
    )
    text = _WHITESPACE.sub(" ", text).strip()
    if limit is not None:
        text = text[:limit].rstrip()
    return _convert_t2s(text)


def detect_language(text: str) -> str:
    """'zh' when the text has Chinese characters, 'en' when it is Latin words only, else 'zh'."""
    if _CJK.search(text):
        return "zh"
    if _LATIN_WORD.search(text):
        return "en"
    return "zh"


TELEGRAM_MESSAGE_LIMIT = 4096
_ENTITY_TAIL = re.compile(r"&[#\w]{0,8}$")


def _cut_point(text: str, limit: int) -> int:
    """Where to cut so the head fits `limit`: at a paragraph, line or sentence, never inside an entity."""
    window = text[:limit]
    for separator in ("\n\n", "\n", "。", ". ", " "):
        position = window.rfind(separator)
        if position >= limit // 2:
            return position + len(separator)
    tail = _ENTITY_TAIL.search(window)
    return tail.start() if tail else limit


def split_message(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT) -> list[str]:
    """Split a message into parts of at most `limit` characters at natural boundaries."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _cut_point(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


MAX_KEPT_CHARS = 20_000  # of a talent's message, a ticket's question or a transcript line kept


def bounded(text: str, limit: int = MAX_KEPT_CHARS) -> str:
    """`text` cut to `limit` characters for keeping, saying how many were left out."""
    return text if len(text) <= limit else f"{text[:limit]} …(+{len(text) - limit})"
