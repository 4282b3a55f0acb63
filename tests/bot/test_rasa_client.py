from bot.rasa_client import BotMessage, merge_paragraphs


def test_paragraphs_are_joined_with_the_buttons_of_the_last_one():
    buttons = [{"title": "转人工", "payload": "/request_human"}]
    messages = [
        BotMessage(text="第一段"),
        BotMessage(text="第二段"),
        BotMessage(text="请选择", buttons=buttons),
        BotMessage(custom={"type": "clarify"}),
    ]
    assert merge_paragraphs(messages) == [
        BotMessage(text="第一段\n\n第二段\n\n请选择", buttons=buttons),
        BotMessage(custom={"type": "clarify"}),
    ]


def test_joining_stops_at_the_length_limit():
    messages = [BotMessage(text="甲" * 60), BotMessage(text="乙" * 60), BotMessage(text="丙" * 10)]
    merged = merge_paragraphs(messages, limit=100)
    assert [m.text for m in merged] == ["甲" * 60, "乙" * 60 + "\n\n" + "丙" * 10]


def test_a_message_with_buttons_is_not_joined_to_the_next():
    messages = [
        BotMessage(text="选一个", buttons=[{"title": "a", "payload": "/a"}]),
        BotMessage(text="下一条"),
    ]
    assert merge_paragraphs(messages) == messages
