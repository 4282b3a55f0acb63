import time

import pytest

from frontdesk.text import (
    TELEGRAM_MESSAGE_LIMIT,
    detect_language,
    nlu_limit,
    normalize,
    normalize_with_offsets,
    split_message,
)


def test_normalize_simplifies_and_halves_width_and_collapses_space():
    assert normalize("  人才綠卡　怎麼申請？ＡＢＣ１２３\n\n hi ") == "人才绿卡 怎么申请?ABC123 hi"


def test_normalize_drops_control_characters():
    assert normalize("公寓\x00\x07申请\u200b") == "公寓申请"
    assert normalize("\x00\x01\x02   ") == ""


def test_offsets_follow_the_text():
    original = "我在  博樂   工作"
    normalized, positions = normalize_with_offsets(original)
    start, end = original.index("博樂"), original.index("博樂") + 2
    assert normalized[positions[start] : positions[end]] == "博乐"


def test_detect_language():
    assert detect_language("Where is the service window?") == "en"
    assert detect_language("服务窗口在哪") == "zh"
    assert detect_language("my 绿卡 expired") == "zh"
    assert detect_language("12345") == "zh"


def test_split_message_keeps_short_text_whole():
    assert split_message("短消息") == ["短消息"]


def test_split_message_cuts_long_text_at_paragraphs_within_the_limit():
    paragraphs = ["段落" + str(i) + "。" + "内容" * 400 for i in range(10)]
    text = "\n\n".join(paragraphs)
    parts = split_message(text)
    assert len(parts) > 1
    assert all(len(part) <= TELEGRAM_MESSAGE_LIMIT for part in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert all(part.startswith("段落") for part in parts)


def test_split_message_never_cuts_inside_an_html_entity():
    text = "x" * 4094 + "&amp;" + "y" * 10
    parts = split_message(text)
    assert parts[0] == "x" * 4094
    assert parts[1].startswith("&amp;")


# NFKC turns U+FDFA (one character) into 18; U+3392 (㎒) into 3.
@pytest.mark.parametrize("text", ["\ufdfa" * 5000, "\u3392" * 2000, "人才公寓" * 25_000, " \u3000a" * 3000])
def test_a_limit_bounds_what_normalisation_reads_and_returns(text):
    started = time.perf_counter()
    plain = normalize(text, limit=1000)
    with_offsets, positions = normalize_with_offsets(text, limit=1000)
    assert time.perf_counter() - started < 1
    assert plain == with_offsets and 0 < len(plain) <= 1000
    assert len(positions) == 1001 and max(positions) <= len(with_offsets)


def test_a_limit_that_cuts_at_a_space_leaves_no_edge_space():
    assert normalize("ab  cd", limit=3) == "ab"
    assert normalize_with_offsets("ab  cd", limit=3) == ("ab", [0, 1, 2, 2])
    assert normalize("\ufdfa", limit=5) == normalize("\ufdfa")[:5]


def test_without_a_limit_nothing_is_cut():
    assert len(normalize("\ufdfa" * 100)) == 18 * 100
    assert normalize("人才公寓" * 500) == "人才公寓" * 500


def test_nlu_limit_comes_from_max_message_chars(monkeypatch):
    monkeypatch.delenv("MAX_MESSAGE_CHARS", raising=False)
    assert nlu_limit() == 1000
    monkeypatch.setenv("MAX_MESSAGE_CHARS", "300")
    assert nlu_limit() == 300
