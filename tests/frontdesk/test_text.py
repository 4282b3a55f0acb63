from frontdesk.text import (
    TELEGRAM_MESSAGE_LIMIT,
    detect_language,
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
