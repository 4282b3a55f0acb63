"""Districts and talent tiers named in a text, in their canonical form (博乐市, B类), Chinese or English."""

from __future__ import annotations

import re

_DISTRICT_FORMS = {
    "博乐市": ["博乐市", "博乐", "bole city", "bole"],
    "阿拉山口市": ["阿拉山口市", "阿拉山口", "alashankou city", "alashankou", "alataw pass"],
    "精河县": ["精河县", "精河", "jinghe county", "jinghe"],
    "温泉县": ["温泉县", "wenquan county", "wenquan"],
}
_DISTRICT_OF = {form: district for district, forms in _DISTRICT_FORMS.items() for form in forms}
_DISTRICT = re.compile(
    "|".join(
        rf"(?<![a-z]){re.escape(form)}(?![a-z])" if form.isascii() else re.escape(form)
        for form in sorted(_DISTRICT_OF, key=len, reverse=True)
    )
    # 温泉 alone is a hot spring unless it names the county: 温泉的, 在温泉, 温泉这边 ...
    + r"|(?<=在)温泉(?!水|疗|池|酒店)|温泉(?=的|这边|那边|工作|上班)",
    re.IGNORECASE,
)
_NUMBERED = {"一": "A", "二": "B", "三": "C", "四": "D", "五": "E"}
# Latin words end where letters do, not at \b (which runs on through Chinese: "我是tier B在博乐").
# The letter before "tier" or "level" is a capital or hyphenated, so that "a tier", "a class" are no tiers;
# 一类 … 五类 name a tier unless they are "this kind of" (这一类, 同一类, 第一类 …).
_TIER = re.compile(
    r"(?<![a-z])([a-e])\s*[类類档](?:人才)?"
    r"|(?<![这那哪同某每第此另单统归分])([一二三四五])类"
    r"|(?<![a-z])(?:tier|category|class|level|grade)[\s-]*([a-e])(?![a-z])"
    r"|(?<![a-z])((?-i:[A-E])[\s-]*|[a-e]-)(?:tier|level|class)(?![a-z])",
    re.IGNORECASE,
)


def find_districts(text: str) -> list[tuple[str, int, int]]:
    """(canonical district, start, end) of every district named in `text`, in order."""
    return [
        (_DISTRICT_OF.get(match.group(0).lower(), "温泉县"), match.start(), match.end())
        for match in _DISTRICT.finditer(text)
    ]


def find_tier_spans(text: str) -> list[tuple[str, int, int]]:
    """(canonical tier, start, end) of every tier (A类 … E类) named in `text`, in order."""
    spans = []
    for match in _TIER.finditer(text):
        letter = next(group for group in match.groups() if group)[0]
        spans.append((f"{_NUMBERED.get(letter, letter).upper()}类", match.start(), match.end()))
    return spans


def find_tiers(text: str) -> list[str]:
    """The canonical tiers (A类 … E类) named in `text`, in order."""
    return [tier for tier, _, _ in find_tier_spans(text)]
