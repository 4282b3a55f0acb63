"""Interactive chat in the terminal, through the same REST channel and flows as Telegram."""

from __future__ import annotations

import asyncio
import sys
import uuid

from bot.flows import NEW_QUESTION, talent_turn
from bot.messages import html_to_plain
from bot.rasa_client import BotMessage, RasaClient
from frontdesk.config import Settings
from frontdesk.contract import sender_id as make_sender_id

PROMPT = "您 > "
BANNER = (
    "人才绿卡服务窗口 · 本地对话 (local chat)\n"
    "输入问题后回车；输入按钮前的数字即点按该按钮；Ctrl-D 或 /quit 退出。\n"
    "Type a question and press Enter; type a button's number to press it; Ctrl-D or /quit to leave.\n"
)


def show(messages: list[BotMessage]) -> list[dict[str, str]]:
    """Print the bot's messages; return the buttons now on screen."""
    buttons: list[dict[str, str]] = []
    for message in messages:
        if message.text:
            print("\n前台 > " + html_to_plain(message.text).replace("\n", "\n       "))
        if message.buttons:
            buttons = message.buttons
            for number, button in enumerate(buttons, start=1):
                print(f"       [{number}] {button['title']}")
    print()
    return buttons


async def chat(settings: Settings, *, sender_id: str | None = None) -> None:
    """Read lines from the terminal until end of input and answer each one."""
    sender_id = sender_id or make_sender_id("local", uuid.uuid4().hex[:12])
    client = RasaClient.from_settings(settings)
    print(BANNER)
    buttons: list[dict[str, str]] = []
    last_typed = ""
    loop = asyncio.get_running_loop()
    try:
        while True:
            try:
                line = await loop.run_in_executor(None, input, PROMPT)
            except EOFError:
                break
            if line.strip() in {"/quit", "/exit"}:
                break
            choice = line.strip()
            as_new_question = False
            if choice.isdigit() and 1 <= int(choice) <= len(buttons):
                line = buttons[int(choice) - 1]["payload"]
                if line == NEW_QUESTION:  # "this is a new question": the last text, not for the ticket
                    line, as_new_question = last_typed, True
            else:
                last_typed = line
            messages = await talent_turn(
                client,
                channel="local",
                sender_id=sender_id,
                raw_text=line,
                limit=settings.max_message_chars,
                as_new_question=as_new_question,
            )
            buttons = show(messages)
    finally:
        await client.close()
    print("再见 / Goodbye")


def main() -> None:
    from frontdesk.config import get_settings

    try:
        asyncio.run(chat(get_settings()))
    except KeyboardInterrupt:
        print("\n再见 / Goodbye", file=sys.stderr)


if __name__ == "__main__":
    main()
