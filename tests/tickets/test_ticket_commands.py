"""Who may do what to a ticket (tickets.commands), on SQLite and PostgreSQL: the permission matrix of every
verb × every kind of person × a ticket in and out of their district, then the commands themselves."""

import pytest

from people import roster
from people.models import Person
from tests.conftest import MONDAY_11
from tickets import commands, service
from tickets.commands import Reason, Refused, Verb
from tickets.models import TicketStatus

MATRIX_ROSTER = """
- {id: staff-bole, name: 王窗口, role: staff, districts: [博乐市], topics: [all]}
- {id: staff-jinghe, name: 赵窗口, role: staff, districts: [精河县], topics: [all]}
- {id: staff-retired, name: 吴窗口, role: staff, districts: [博乐市], topics: [all], active: false}
- {id: officer-hr, name: 钱科长, role: officer, districts: [all], topics: [all]}
- {id: leader-target, name: 周部长, role: leader, districts: [all], topics: [all]}
- {id: leader-other, name: 郑部长, role: leader, districts: [all], topics: [all]}
- {id: leader-contact, name: 孙书记, role: leader, districts: [温泉县], topics: [all], talents: [BZ2026A001]}
"""
EVERYTHING_BUT_HAND_BACK = frozenset(Verb) - {Verb.HAND_BACK}
NOTHING: frozenset[Verb] = frozenset()
# person -> (what they may do to a ticket of 博乐市, to one of 精河县)
EXPECTED = {
    "staff-bole": (EVERYTHING_BUT_HAND_BACK, NOTHING),
    "staff-jinghe": (NOTHING, EVERYTHING_BUT_HAND_BACK),
    "staff-retired": (NOTHING, NOTHING),
    "officer-hr": (EVERYTHING_BUT_HAND_BACK, EVERYTHING_BUT_HAND_BACK),
    "leader-target": (frozenset(Verb), frozenset(Verb)),  # the leader the tickets were escalated to
    "leader-other": (EVERYTHING_BUT_HAND_BACK, EVERYTHING_BUT_HAND_BACK),
    "leader-contact": (
        EVERYTHING_BUT_HAND_BACK,
        EVERYTHING_BUT_HAND_BACK,
    ),  # keeps in contact with the talent
    "nobody": (NOTHING, NOTHING),  # not on the roster
}
# The state a ticket must be in for each verb to be possible at all.
STATE_FOR = {
    Verb.CLAIM: "open",
    Verb.REPLY: "assigned",
    Verb.ASK_TALENT: "assigned",
    Verb.NOTE: "assigned",
    Verb.ESCALATE: "assigned",
    Verb.HAND_BACK: "escalated",
    Verb.RESOLVE: "assigned",
    Verb.REOPEN: "resolved",
}


@pytest.fixture
def desk(people):
    """The matrix roster, and one ticket per district and state."""
    assert not roster.import_roster(people, text=MATRIX_ROSTER, fmt="yaml").problems
    tickets = {}
    for district in ("博乐市", "精河县"):
        for state in ("open", "assigned", "escalated", "resolved"):
            ticket = service.create_ticket(
                people,
                channel="telegram",
                sender_id="telegram:7",
                question="住房补贴怎么申请",
                reason="talent_request",
                sla=service.default_sla(),
                district=district,
                topic="housing",
                card_number="BZ2026A001",
                now=MONDAY_11,
            )
            if state in ("assigned", "resolved"):
                service.claim(people, ticket_id=ticket.id, person_id="officer-hr", now=MONDAY_11)
            if state == "resolved":
                service.resolve(people, ticket_id=ticket.id, actor="officer-hr", now=MONDAY_11)
            if state == "escalated":
                ticket.status, ticket.escalation_level = TicketStatus.ESCALATED, 3
                ticket.escalated_to_id = "leader-target"
            tickets[district, state] = ticket.id
    people.commit()
    return tickets


def may(session, person_id, verb, ticket_id) -> bool:
    person = session.get(Person, person_id)
    try:
        commands.check(session, verb=verb, ticket_id=ticket_id, person=person, text="已处理")
    except Refused:
        return False
    return True


def test_the_permission_matrix(people, desk):
    cells = 0
    wrong = []
    for person_id, expected in EXPECTED.items():
        for district, allowed in zip(("博乐市", "精河县"), expected, strict=True):
            for verb in Verb:
                cells += 1
                got = may(people, person_id, verb, desk[district, STATE_FOR[verb]])
                if got != (verb in allowed):
                    wrong.append(f"{person_id} {verb} {district}: {'allowed' if got else 'refused'}")
    assert cells == len(EXPECTED) * 2 * len(Verb) == 128
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("person_id", "verb", "state", "reason"),
    [
        ("nobody", Verb.NOTE, "assigned", Reason.NOT_ON_ROSTER),
        ("staff-retired", Verb.CLAIM, "open", Reason.NOT_ON_ROSTER),
        ("staff-jinghe", Verb.CLAIM, "open", Reason.OUT_OF_SCOPE),
        ("officer-hr", Verb.HAND_BACK, "escalated", Reason.LEADERS_ONLY),
        ("leader-other", Verb.HAND_BACK, "escalated", Reason.NOT_ESCALATED_TO_YOU),
        ("staff-bole", Verb.REPLY, "open", Reason.WRONG_STATE),
        ("staff-bole", Verb.CLAIM, "assigned", Reason.TAKEN),
    ],
)
def test_a_refusal_says_why_in_the_persons_language(people, desk, person_id, verb, state, reason):
    with pytest.raises(Refused) as refused:
        commands.check(
            people, verb=verb, ticket_id=desk["博乐市", state], person=people.get(Person, person_id), text="x"
        )
    assert refused.value.reason is reason
    assert refused.value.message("zh") and refused.value.message("en")
    assert refused.value.message("zh") != refused.value.message("en")


def test_a_claim_refused_as_taken_names_who_holds_the_ticket(people, desk):
    with pytest.raises(Refused) as refused:
        commands.perform(
            people,
            verb=Verb.CLAIM,
            ticket_id=desk["博乐市", "assigned"],
            person=people.get(Person, "staff-bole"),
        )
    assert "已由 钱科长 认领" in refused.value.message("zh")


def test_a_missing_ticket_and_a_missing_text_are_refused(people, desk):
    staff = people.get(Person, "staff-bole")
    with pytest.raises(Refused, match="no_such_ticket"):
        commands.perform(people, verb=Verb.NOTE, ticket_id="GC-2026-999999", person=staff, text="x")
    with pytest.raises(Refused, match="text_required"):
        commands.perform(
            people, verb=Verb.REPLY, ticket_id=desk["博乐市", "assigned"], person=staff, text=" "
        )


def test_perform_does_the_command_and_records_who(people, desk):
    staff = people.get(Person, "staff-bole")
    ticket_id = desk["博乐市", "open"]
    commands.perform(people, verb=Verb.CLAIM, ticket_id=ticket_id, person=staff, now=MONDAY_11)
    ticket = commands.perform(
        people, verb=Verb.ASK_TALENT, ticket_id=ticket_id, person=staff, text="请补充户口本", now=MONDAY_11
    )
    assert ticket.status is TicketStatus.WAITING_TALENT
    events = service.events_of(people, ticket_id=ticket_id)
    assert [(e.actor, e.action) for e in events[-2:]] == [("staff-bole", "claim"), ("staff-bole", "reply")]


def test_a_hand_back_returns_the_ticket_to_the_window_staff(people, desk):
    ticket_id = desk["精河县", "escalated"]
    leader = people.get(Person, "leader-target")
    ticket = commands.perform(
        people, verb=Verb.HAND_BACK, ticket_id=ticket_id, person=leader, text="窗口办理"
    )
    assert (ticket.status, ticket.escalation_level, ticket.escalated_to_id) == (TicketStatus.OPEN, 1, None)
    assert Verb.CLAIM in commands.allowed(people, ticket=ticket, person=people.get(Person, "staff-jinghe"))


def test_only_tickets_in_scope_can_be_read(people, desk):
    ticket_id = desk["精河县", "open"]
    assert commands.visible(people, ticket_id=ticket_id, person=people.get(Person, "staff-jinghe"))
    with pytest.raises(Refused, match="out_of_scope"):
        commands.visible(people, ticket_id=ticket_id, person=people.get(Person, "staff-bole"))
