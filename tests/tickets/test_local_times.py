"""Times people read about a stored ticket are Beijing time, whatever the database gives back."""

import datetime as dt

import pytest

from actions.messages import render
from frontdesk.vocabulary import STATUS_LABELS
from tests.tickets.test_tickets_cli import tickets
from tickets import service

SENDER = "telegram:77"
# Monday 30 November 2026, 02:30 UTC: 10:30 in Beijing, inside office hours.
REGISTERED_UTC = dt.datetime(2026, 11, 30, 2, 30, tzinfo=dt.UTC)


@pytest.fixture
def stored_ticket(people, sla):
    """A ticket registered at REGISTERED_UTC, read back from the database."""
    service.create_ticket(
        people,
        channel="telegram",
        sender_id=SENDER,
        question="人才公寓怎么申请？",
        reason="talent_request",
        sla=sla,
        district="博乐市",
        now=REGISTERED_UTC,
    )
    people.commit()
    people.expire_all()
    [ticket] = service.tickets_of_sender(people, sender_id=SENDER, open_only=True)
    return ticket


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_status_of_a_ticket_shows_when_it_was_registered_in_beijing_time(stored_ticket, language):
    [text] = render(
        "ticket_status",
        language,
        tickets=[stored_ticket],
        ticket_id=None,
        status_labels=STATUS_LABELS[language],
    )
    assert stored_ticket.id in text
    assert "2026-11-30 10:30" in text and "02:30" not in text


def test_the_registered_message_gives_the_deadline_in_beijing_time(stored_ticket):
    # 10:30 plus four working hours: 3.5 h to the 14:00 break, then 16:00-16:30 (08:30 UTC)
    [text] = render("ticket_created", "zh", ticket_id=stored_ticket.id, due=stored_ticket.first_response_due)
    assert "2026年11月30日 16:30" in text and "08:30" not in text


def test_the_command_line_shows_times_in_beijing_time(stored_ticket, database_url):
    shown = tickets("show", stored_ticket.id, database=database_url).stdout
    assert "created_at: 2026-11-30 10:30" in shown and "first_response_due: 2026-11-30 16:30" in shown
    assert "11-30 10:30  telegram:77" in shown  # the "created" event of the history
    listed = tickets("list", database=database_url).stdout
    assert f"{stored_ticket.id}  open" in listed and "due 11-30 16:30" in listed
