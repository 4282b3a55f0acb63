"""Homophone typos of the domain's own terms corrected by their toneless pinyin (社宝 → 社保, 博了 → 博乐).

A window of the text is replaced by a term (`data/domain_terms.txt`) when it sounds like the term, with
IME-style fuzzy initials and finals (zh/z, ch/c, sh/s, eng/en, ing/in, ang/an), changes at most half of
the term's characters, and stands on its own in jieba's segmentation of the text (jieba's dictionary and
the terms): no word crosses its edges (网上|办|吗 is not 网|上班|吗) and it is not one word itself (伯乐
stays). Of several terms, the longest wins, then the one with the fewest changes; kept words
(`data/kept_words.txt`) stay as terms do. A replacement has the window's length, so offsets into the text
stay valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import product
from pathlib import Path

from pypinyin import Style, lazy_pinyin, pinyin

TERMS_FILE = Path(__file__).parent / "data" / "domain_terms.txt"
KEPT_FILE = Path(__file__).parent / "data" / "kept_words.txt"
_HAN = re.compile(r"[\u3400-\u9fff]")
_FUZZY_INITIALS = {"zh": "z", "ch": "c", "sh": "s"}
# Negations are never typos: 不办 is not 补办.
_NEVER_TYPOS = frozenset("不没未别")
# jieba's count of each domain term, as in the user dictionary, so that segmentation keeps the terms whole.
_TERM_FREQUENCY = 2000


def fuzzy(syllable: str) -> str:
    """The syllable as a fuzzy IME hears it: zh/ch/sh → z/c/s, eng/ing/ang → en/in/an."""
    syllable = _FUZZY_INITIALS.get(syllable[:2], syllable[:2]) + syllable[2:]
    return syllable[:-1] if syllable.endswith("ng") and not syllable.endswith("ong") else syllable


@lru_cache(maxsize=20_000)
def sound(char: str) -> tuple[str, str]:
    """The toneless pinyin of a Chinese character's usual reading and its fuzzy form; ("", "") for
    anything else and for negations."""
    if not _HAN.fullmatch(char) or char in _NEVER_TYPOS:
        return "", ""
    syllable = pinyin(char, style=Style.NORMAL)[0][0]
    return syllable, fuzzy(syllable)


def _jieba(words: Iterable[str]) -> Callable[[str], Iterable[str]]:
    """jieba's segmentation with its own dictionary and `words`: jieba-rs in the project's environment,
    jieba in Rasa's (the same dictionary and algorithm, so the same words)."""
    try:
        import rjieba
    except ModuleNotFoundError:
        import jieba

        tokenizer = jieba.Tokenizer()
        for word in words:
            tokenizer.add_word(word, _TERM_FREQUENCY)
        return lambda text: tokenizer.cut(text, HMM=False)
    segmenter = rjieba.Jieba()
    for word in words:
        segmenter.add_word(word, _TERM_FREQUENCY, None)
    return lambda text: segmenter.cut(text, False)


def _changes(
    window: str, term: str, syllables: tuple[str, ...], sounds: list[tuple[str, str]]
) -> tuple[int, int] | None:
    """When `window` is a typo of `term` (it sounds like it and changes at most half its characters): how
    many characters differ and how many of those sound alike only fuzzily. Else None."""
    differing = fuzzy_only = 0
    for char, term_char, (exact, fuzzy_sound), syllable in zip(window, term, sounds, syllables, strict=True):
        if char != term_char:
            if exact != syllable:
                if fuzzy_sound != fuzzy(syllable):
                    return None
                fuzzy_only += 1
            differing += 1
    return (differing, fuzzy_only) if 0 < differing <= len(term) // 2 else None


def _few_changes(text: str, term: str) -> bool:
    """Whether `text` begins with `term` but for at most half of its characters."""
    return sum(char != term_char for char, term_char in zip(text, term, strict=False)) <= len(term) // 2


class Speller:
    """Corrects windows of text that sound like one of `terms` (2–5 Chinese characters each); `kept` words
    are left as they are, like the terms, but are not corrected to."""

    def __init__(self, terms: Iterable[str], kept: Iterable[str] = ()) -> None:
        self.terms = frozenset(
            term for term in terms if 2 <= len(term) <= 5 and all(map(_HAN.fullmatch, term))
        )
        self._known = self.terms | frozenset(kept)
        self._cut = _jieba(sorted(self._known))
        # Fuzzy pinyin of a window → the terms it may be a typo of. A character the term keeps is read as
        # on its own, so a term is also found under its characters' usual readings (银行: yin xin too).
        self._by_sound: dict[tuple[str, ...], list[tuple[str, tuple[str, ...]]]] = {}
        for term in sorted(self.terms):
            syllables = tuple(lazy_pinyin(term))
            readings = [
                {fuzzy(syllable), sound(char)[1]} for char, syllable in zip(term, syllables, strict=True)
            ]
            for key in product(*readings):
                self._by_sound.setdefault(key, []).append((term, syllables))
        self._openings = frozenset(key[:2] for key in self._by_sound)

    def correct(self, text: str) -> str:
        """`text` with each typo of a term replaced by the term, left to right."""
        if not _HAN.search(text):
            return text
        sounds = [sound(char) for char in text]
        fuzzy_sounds = [fuzzy_sound for _, fuzzy_sound in sounds]
        chars = list(text)
        boundaries: set[int] | None = None
        position = 0
        while position < len(text):
            if tuple(fuzzy_sounds[position : position + 2]) not in self._openings:
                position += 1
                continue
            typos, kept = self._typos_at(text, sounds, fuzzy_sounds, position)
            step = kept or 1
            for term in typos:
                end = position + len(term)
                boundaries = boundaries or self._boundaries(text)
                if {position, end} <= boundaries and not boundaries.isdisjoint(range(position + 1, end)):
                    chars[position:end] = term
                    step = len(term)
                    break
            position += step
        return "".join(chars)

    def _typos_at(
        self, text: str, sounds: list[tuple[str, str]], fuzzy_sounds: list[str], position: int
    ) -> tuple[list[str], int]:
        """The terms the windows at `position` are typos of, the best for each length, longest first, and
        the length of the term or kept word the text has there (0 if none). A typo of a longer term that
        begins with that one changes at most half of the rest (博乐是 is not 博乐市; 职称评申 is 职称评审)."""
        best: dict[int, tuple[int, int, str]] = {}
        kept = 0
        for end in range(min(position + 5, len(text)), position + 1, -1):
            window = text[position:end]
            if window in self._known:
                kept = end - position
                break
            for term, syllables in self._by_sound.get(tuple(fuzzy_sounds[position:end]), ()):
                changes = _changes(window, term, syllables, sounds[position:end])
                if changes and (len(term) not in best or (*changes, term) < best[len(term)]):
                    best[len(term)] = (*changes, term)
        typos = [best[length][2] for length in sorted(best, reverse=True)]
        return [term for term in typos if _few_changes(text[position + kept :], term[kept:])], kept

    def _boundaries(self, text: str) -> set[int]:
        """Where the words of `text` begin and end."""
        boundaries, position = {0}, 0
        for word in self._cut(text):
            position += len(word)
            boundaries.add(position)
        return boundaries


def _words(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def domain_speller() -> Speller:
    """The speller of the domain's terms (`data/domain_terms.txt`), built on first use. It keeps the words
    that policies_kb/query_terms.yml maps to other terms than it would (`data/kept_words.txt`)."""
    return Speller(_words(TERMS_FILE), _words(KEPT_FILE))


def correct_typos(text: str) -> str:
    """Homophone typos of the domain's terms corrected, the length kept; Latin text untouched."""
    return domain_speller().correct(text)
