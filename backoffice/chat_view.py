"""The assistant's messages as the two kinds of chat show them, for the editors' preview: Telegram's HTML
subset (what bot/ sends with parse_mode HTML) as safe HTML, and the plain text a web chat shows."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from markupsafe import Markup

from backoffice.web import plain_text

# The tags of Telegram's HTML parse mode that the answers' templates use or could.
TELEGRAM_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "blockquote",
        "tg-spoiler",
        "a",
    }
)
LINK_SCHEMES = ("https://", "http://", "tg://")
BUTTONS_PER_ROW = 2  # as bot/keyboards.assistant_keyboard lays them out


class _TelegramHtml(HTMLParser):
    """Telegram's tags kept (a link only with its href), everything else shown as the text it is."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.out.append(escape(self.get_starttag_text() or ""))
            return
        if tag == "a":
            href = dict(attrs).get("href") or ""
            safe = href.startswith(LINK_SCHEMES)
            self.out.append(f'<a href="{escape(href)}" rel="noopener noreferrer">' if safe else "<a>")
        else:
            self.out.append(f"<{tag}>")
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            self.out.append(escape(f"</{tag}>"))
            return
        while self.open:
            closed = self.open.pop()
            self.out.append(f"</{closed}>")
            if closed == tag:
                return

    def handle_data(self, data: str) -> None:
        self.out.append(escape(data))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def telegram_html(text: str) -> Markup:
    """A message in Telegram's HTML as the page's HTML: its formatting kept, any other markup escaped."""
    parser = _TelegramHtml()
    parser.feed(text)
    return Markup(parser.result())  # built only of escaped text and the tags above


def web_text(text: str) -> str:
    """A message as a web chat shows it: plain text (the page escapes it)."""
    return plain_text(text)


def button_rows(titles: list[str]) -> list[list[str]]:
    """Buttons as Telegram's inline keyboard rows."""
    return [titles[i : i + BUTTONS_PER_ROW] for i in range(0, len(titles), BUTTONS_PER_ROW)]
