"""Tiers and districts named in a message, Chinese or English, in their canonical form."""

import pytest

from frontdesk.details import find_districts, find_tiers
from frontdesk.text import normalize


@pytest.mark.parametrize(
    ("text", "tiers"),
    [
        ("我是A类", ["A类"]),
        ("B类人才的公寓", ["B类"]),
        ("c类", ["C类"]),
        ("D档", ["D类"]),
        ("一类人才", ["A类"]),
        ("我是二类", ["B类"]),
        ("认定的是三类人才", ["C类"]),
        ("四类", ["D类"]),
        ("五类人才有啥待遇", ["E类"]),
        ("Tier B", ["B类"]),
        ("tier b", ["B类"]),
        ("TIER E", ["E类"]),
        ("C-tier", ["C类"]),
        ("c-tier talent", ["C类"]),
        ("category C", ["C类"]),
        ("class D talent", ["D类"]),
        ("B-level", ["B类"]),
        ("A level talent", ["A类"]),
        ("level-d", ["D类"]),
        ("I'm a tier B talent", ["B类"]),
        ("我是tier B在博乐工作", ["B类"]),
        ("C类还是D类", ["C类", "D类"]),
    ],
)
def test_tiers_are_found(text, tiers):
    assert find_tiers(normalize(text)) == tiers


def test_traditional_and_full_width_forms_after_normalisation():
    assert find_tiers(normalize("Ｂ類人才")) == ["B类"]


@pytest.mark.parametrize(
    "text",
    [
        "class",
        "I have a class tomorrow",  # "a" is an article
        "a class act",
        "which category do I belong to",  # "category" without a letter
        "what tier am I",
        "Tier S",
        "tier F talent",
        "a level playing field",
        "这一类问题找谁",  # "this kind of", not a tier
        "同一类的政策",
        "第二类",
        "分类",
        "abc类",
        "",
    ],
)
def test_no_tier_where_none_is_named(text):
    assert find_tiers(text) == []


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("博乐", "博乐市"),
        ("博乐市的公寓", "博乐市"),
        ("精河", "精河县"),
        ("在精河县上班", "精河县"),
        ("阿拉山口口岸", "阿拉山口市"),
        ("阿拉山口市", "阿拉山口市"),
        ("温泉县", "温泉县"),
        ("在温泉工作", "温泉县"),
        ("Bole", "博乐市"),
        ("bole city", "博乐市"),
        ("Jinghe County", "精河县"),
        ("jinghe", "精河县"),
        ("Alashankou", "阿拉山口市"),
        ("Alashankou City", "阿拉山口市"),
        ("Wenquan", "温泉县"),
        ("WENQUAN COUNTY", "温泉县"),
        ("我在Bole工作", "博乐市"),
    ],
)
def test_districts_are_found(text, district):
    assert [found for found, _, _ in find_districts(normalize(text))] == [district]


def test_district_spans_point_into_the_text():
    text = "I work in Bole City, my wife in 精河"
    spans = find_districts(text)
    assert spans == [("博乐市", 10, 19), ("精河县", 32, 34)]
    assert [text[start:end] for _, start, end in spans] == ["Bole City", "精河"]


@pytest.mark.parametrize("text", ["Boles", "bolero", "泡温泉", "温泉水好不好", "我想去新疆", ""])
def test_no_district_where_none_is_named(text):
    assert find_districts(text) == []
