"""Homophone typos of the domain's terms, corrected without touching real words or Latin text."""

import pytest

from frontdesk.spelling import Speller, correct_typos, fuzzy
from frontdesk.text import normalize


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("社宝怎么转过来", "社保怎么转过来"),
        ("人才工寓怎么申请", "人才公寓怎么申请"),
        ("博了的学校", "博乐的学校"),
        ("在博了市工作", "在博乐市工作"),
        ("窗口几点上斑", "窗口几点上班"),
        ("明天上斑吗", "明天上班吗"),
        ("安家废有多少", "安家费有多少"),
        ("职陈评审要什么材料", "职称评审要什么材料"),
        ("评职陈", "评职称"),
        ("绿咔丢了", "绿卡丢了"),
        ("营业只照怎么办", "营业执照怎么办"),
        ("租房补帖", "租房补贴"),
        ("职称评申", "职称评审"),
        ("阿拉三口的公寓", "阿拉山口的公寓"),
        ("温全县", "温泉县"),
    ],
)
def test_typos_of_terms_are_corrected(typed, meant):
    assert correct_typos(typed) == meant


def test_traditional_typos_are_corrected_after_normalisation():
    assert correct_typos(normalize("營業只照怎麼辦理")) == "营业执照怎么办理"
    assert correct_typos(normalize("職陳評審")) == "职称评审"


@pytest.mark.parametrize(
    "text",
    [
        "伯乐",  # a word of its own that sounds like 博乐
        "上半年",  # 上半 is a word
        "能网上办吗",  # 网上|办, not 网|上班
        "马上办理",
        "电子照片",  # 电子|照片, not 电|执照|片
        "个人不缴费",  # a negation is never a typo (不缴 is not 补缴)
        "中午不办业务",
        "有寄宿制学校吗",  # 寄宿制 is a word, 有寄 is not 邮寄
        "博乐是个好地方",  # 博乐 is a term; 博乐是 is not 博乐市
        "自主选择学校",
        "科学技术奖",
        "人工智能",
        "社会保险",
        "今天天气怎么样",
        "公寓",
        "社保",
    ],
)
def test_real_words_stay(text):
    assert correct_typos(text) == text


@pytest.mark.parametrize("text", ["Tier B in Bole City", "shebao gongyu", "GC-2026-000001", "", "12345"])
def test_latin_text_and_digits_stay(text):
    assert correct_typos(text) == text


def test_latin_around_a_typo_stays():
    assert correct_typos("my 绿咔 expired, tier B") == "my 绿卡 expired, tier B"


def test_length_is_kept():
    text = "我是B类人才,在博了市上斑,社宝和医宝怎么转到这边?"
    corrected = correct_typos(text)
    assert corrected == "我是B类人才,在博乐市上班,社保和医保怎么转到这边?"
    assert len(corrected) == len(text)


def test_fuzzy_initials_and_finals():
    assert [fuzzy(s) for s in ("zhi", "chen", "shang", "cheng", "jing", "gong")] == [
        "zi",
        "cen",
        "san",
        "cen",
        "jin",
        "gong",
    ]


def test_of_two_terms_the_one_with_fewer_changes_wins():
    speller = Speller(["住房补贴", "租房补贴"])
    assert speller.correct("租房补帖") == "租房补贴"
    assert speller.correct("住房补帖") == "住房补贴"


def test_kept_words_are_not_corrected():
    assert Speller(["补办"]).correct("补帮") == "补办"
    assert Speller(["补办"], kept=["补帮"]).correct("补帮") == "补帮"
