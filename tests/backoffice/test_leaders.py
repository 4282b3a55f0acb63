"""The contact leaders' workspace (SQLite and PostgreSQL): a leader sees exactly the talents they look after,
nobody else opens them, contacts are recorded whole or not at all, the open needs are counted by topic, and
the reminders reach the leader through the outbox once per talent and due day."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from backoffice.models import Account
from frontdesk import database
from frontdesk.clock import LOCAL_TZ, local_today, utcnow
from frontdesk.config import PROJECT_ROOT, Settings
from frontdesk.database import make_engine, session_scope
from notifications.models import OutboxKind, OutboxMessage
from people import contacts, registry, roster
from people.models import ContactPair, ContactRecord, Person
from tests.backoffice.conftest import csrf_of, sign_in
from tests.conftest import ROSTER_YAML, SECRET
from tickets import scheduled, service, talent_tickets

# a third talent, so that leader-bole looks after two and leader-region after one of their own
MORE_TALENTS = "card_number,name,tier,district,phone\nBZ2026B003,王工程师,B类,博乐市,13900009999\n"
PAIRS = """
- {id: leader-bole, name: 孙书记, role: leader, districts: [博乐市], topics: [all], telegram_user_id: 3001,
   talents: [BZ2026A001, BZ2026B003]}
- {id: leader-region, name: 周部长, role: leader, districts: [all], topics: [all], telegram_user_id: 3002,
   talents: [BZ2026C002]}
"""
ROUTES = (
    ("GET", "/leaders"),
    ("GET", "/leaders/talents/BZ2026A001"),
    ("POST", "/leaders/talents/BZ2026A001/contacts"),
)
EVERY = 90
DAY = dt.date(2026, 9, 1)  # the day of the contacts in the reminder tests


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def paired(office_database: str) -> str:
    """leader-bole looks after 张教授 (BZ2026A001) and 王工程师 (BZ2026B003); leader-region after 李医生
    (BZ2026C002)."""
    with session_scope() as session:
        assert not registry.import_csv(session, text=MORE_TALENTS, secret=SECRET).problems
        assert not roster.import_roster(session, text=PAIRS, fmt="yaml").problems
    return office_database


def ticket_of(card: str, *, topic: str, question: str = "请问怎么办理？", district: str = "博乐市") -> str:
    with session_scope() as session:
        return service.create_ticket(
            session,
            channel="telegram",
            sender_id=f"telegram:{card}",
            question=question,
            reason="talent_request",
            sla=service.default_sla(),
            district=district,
            topic=topic,
            card_number=card,
        ).id


def resolve(ticket_id: str) -> None:
    with session_scope() as session:
        service.resolve(session, ticket_id=ticket_id, actor="staff-bole", note="已办结")


def records() -> list[ContactRecord]:
    with session_scope() as session:
        return list(session.scalars(select(ContactRecord).order_by(ContactRecord.id)))


def reminders() -> list[OutboxMessage]:
    with session_scope() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == OutboxKind.CONTACT_REMINDER)
                .order_by(OutboxMessage.id)
            )
        )


def sweep(day: dt.date, *, every_days: int = EVERY) -> int:
    with session_scope() as session:
        return scheduled.remind_contact_leaders(session, every_days=every_days, now=noon(day))


def post_contact(browser, card: str = "BZ2026A001", **fields: str):
    csrf = csrf_of(browser.get("/leaders").text)
    return browser.post(
        f"/leaders/talents/{card}/contacts", data={"csrf": csrf, **fields}, follow_redirects=False
    )


# -- who sees what ----------------------------------------------------------------------------------------


def test_a_leader_sees_exactly_the_talents_they_look_after(paired, browser):
    housing = ticket_of("BZ2026A001", topic="housing", question="人才公寓怎么申请？")
    medical = ticket_of("BZ2026B003", topic="medical")
    others = ticket_of("BZ2026C002", topic="schooling", district="精河县", question="孩子上学的事")
    sign_in(browser, "leader-bole")
    page = browser.get("/leaders")
    assert page.status_code == 200
    assert "张教授" in page.text and "王工程师" in page.text and "李医生" not in page.text
    assert f'href="/tickets/{housing}"' in page.text and f'href="/tickets/{medical}"' in page.text
    assert others not in page.text and "子女入学" not in page.text
    assert "A类" in page.text and "博乐市" in page.text and "尚无联系记录" in page.text
    for phone in ("13900001234", "13900009999", "1234", "9999"):
        assert phone not in page.text
    assert browser.get(f"/tickets/{housing}").status_code == 200  # the ticket page lets them in
    talent = browser.get("/leaders/talents/BZ2026A001")
    assert talent.status_code == 200 and "人才公寓怎么申请" in talent.text and "BZ••••01" in talent.text
    assert "13900001234" not in talent.text and "1234" not in talent.text

    browser.cookies.clear()
    sign_in(browser, "leader-region")
    page = browser.get("/leaders")
    assert "李医生" in page.text and "张教授" not in page.text and "王工程师" not in page.text
    assert others in page.text and housing not in page.text


@pytest.mark.parametrize("person_id", ["leader-region", "staff-bole", "officer-hr", None])
def test_nobody_else_opens_a_leaders_talent_on_any_route(paired, browser, person_id):
    """Another leader gets "no such page" for the talent (the same as for a card that does not exist); staff
    and officers (an administrator too) are refused the workspace; nobody signed in is sent to log in."""
    if person_id:
        sign_in(browser, person_id)
        csrf = csrf_of(browser.get("/queue").text)
    for method, path in ROUTES:
        if method == "GET":
            response = browser.get(path, follow_redirects=False)
        else:
            data = {"kind": "visit", "note": "到家中走访", "csrf": csrf if person_id else ""}
            response = browser.post(path, data=data, follow_redirects=False)
        if person_id is None:
            expected = 303 if method == "GET" else 401
        elif person_id.startswith("leader"):
            expected = 200 if path == "/leaders" else 404
        else:
            expected = 403
        assert response.status_code == expected, (method, path)
        assert "张教授" not in response.text
    if person_id == "leader-region":
        assert browser.get("/leaders/talents/NOSUCHCARD").status_code == 404
        assert browser.get("/leaders/talents/bz2026c002").status_code == 200  # their own, in any case
    assert records() == []


# -- recording a contact ----------------------------------------------------------------------------------


def test_a_leader_records_a_contact_and_sees_it(paired, browser):
    sign_in(browser, "leader-bole")
    today = local_today()
    follow_up = today + dt.timedelta(days=14)
    done = post_contact(
        browser, kind="visit", note="到实验室走访，询问住房进展。", follow_up_on=follow_up.isoformat()
    )
    assert done.status_code == 303 and done.headers["location"] == "/leaders/talents/BZ2026A001?done=recorded"
    page = browser.get(done.headers["location"])
    assert "联系已记录" in page.text and "到实验室走访，询问住房进展。" in page.text and "孙书记" in page.text
    [record] = records()
    assert (record.person_id, record.card_number, record.kind, record.recorded_by) == (
        "leader-bole",
        "BZ2026A001",
        "visit",
        "leader-bole",
    )
    assert record.contacted_on == today and record.follow_up_on == follow_up
    workspace = browser.get("/leaders").text
    assert f"{today.isoformat()} · 走访" in workspace
    assert f"{follow_up.isoformat()} · 约定回访" in workspace
    earlier = today - dt.timedelta(days=3)
    assert post_contact(browser, kind="call", contacted_on=earlier.isoformat()).status_code == 303
    assert [r.contacted_on for r in records()] == [today, earlier]
    assert (
        f"{today.isoformat()} · 走访" in browser.get("/leaders").text
    )  # the latest contact, not the last typed


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "", "note": "电话问候"}, "请选择联系方式"),
        ({"kind": "fax", "note": "电话问候"}, "请选择联系方式"),
        ({"kind": "call", "note": "很" * 501}, "备注最多 500 字，现在是 501 字"),
        ({"kind": "call", "note": "他的手机 139-0000-1234 换了"}, "备注里不要写电话号码"),
        ({"kind": "call", "follow_up_on": "2020-01-01"}, "回访日期不能早于今天"),
        ({"kind": "call", "follow_up_on": "next week"}, "回访日期无法识别"),
        ({"kind": "call", "contacted_on": "2999-01-01"}, "联系日期不能晚于今天"),
    ],
    ids=["no-kind", "unknown-kind", "long-note", "phone-in-note", "past-follow-up", "bad-date", "future"],
)
def test_an_invalid_contact_is_explained_and_nothing_is_saved(paired, browser, fields, message):
    sign_in(browser, "leader-bole")
    response = post_contact(browser, **fields)
    assert response.status_code == 422 and message in response.text
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    if fields.get("note"):
        assert fields["note"][:50] in response.text  # what was typed is kept in the form
    assert records() == []


def test_every_problem_of_a_form_is_shown_at_once(paired, browser):
    sign_in(browser, "leader-bole")
    response = post_contact(browser, kind="", note="很" * 600, follow_up_on="2020-01-01")
    assert response.status_code == 422
    for message in ("请选择联系方式", "备注最多 500 字", "回访日期不能早于今天"):
        assert message in response.text
    assert records() == []


def test_a_contact_without_the_csrf_token_is_refused(paired, browser):
    sign_in(browser, "leader-bole")
    response = browser.post(
        "/leaders/talents/BZ2026A001/contacts",
        data={"kind": "visit", "csrf": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403 and records() == []


def test_what_a_leader_or_talent_wrote_is_shown_as_text(paired, browser):
    ticket_of("BZ2026A001", topic="housing", question='<script>alert("t")</script>公寓')
    sign_in(browser, "leader-bole")
    assert (
        post_contact(browser, kind="message", note="<img src=x onerror=alert(1)> 已发消息").status_code == 303
    )
    page = browser.get("/leaders/talents/BZ2026A001").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; 已发消息" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;公寓" in page


def test_the_workspace_speaks_english_too(paired, browser):
    sign_in(browser, "leader-bole")
    page = browser.get("/leaders")
    browser.post("/language", data={"csrf": csrf_of(page.text), "language": "en", "next": "/leaders"})
    page = browser.get("/leaders")
    assert "My talents" in page.text and "Open needs by topic" in page.text
    response = post_contact(browser, kind="", note="x" * 501)
    assert "Choose how you were in contact" in response.text and "at most 500 characters" in response.text


# -- the open needs by topic ------------------------------------------------------------------------------


def test_the_open_needs_of_a_leaders_talents_are_counted_by_topic(paired, browser):
    ticket_of("BZ2026A001", topic="housing")
    resolve(ticket_of("BZ2026A001", topic="housing"))  # settled: no longer a need
    ticket_of("BZ2026A001", topic="medical")
    ticket_of("BZ2026B003", topic="housing")
    ticket_of("BZ2026B003", topic="spouse_employment")
    ticket_of("BZ2026B003", topic="spouse_employment")
    ticket_of("BZ2026C002", topic="schooling", district="精河县")  # another leader's talent
    with session_scope() as session:
        needs = talent_tickets.open_needs(session, cards=["BZ2026A001", "BZ2026B003"])
        assert [(n.topic, n.tickets, n.cards) for n in needs] == [
            ("housing", 2, ("BZ2026A001", "BZ2026B003")),
            ("spouse_employment", 2, ("BZ2026B003",)),
            ("medical", 1, ("BZ2026A001",)),
        ]
        of_talents = talent_tickets.tickets_of_talents(session, cards=["BZ2026A001"], now=utcnow())
        assert len(of_talents["BZ2026A001"].open) == 2 and len(of_talents["BZ2026A001"].recent) == 1
        assert of_talents["BZ2026A001"].topics == ["housing", "medical"]
    sign_in(browser, "leader-bole")
    page = browser.get("/leaders").text
    needs_section = page[page.index('id="h-needs"') : page.index('id="h-talents"')]
    assert "住房保障" in needs_section and "配偶就业" in needs_section and "医疗服务" in needs_section
    assert "子女入学" not in needs_section
    assert needs_section.index("住房保障") < needs_section.index("配偶就业") < needs_section.index("医疗服务")


# -- reminders --------------------------------------------------------------------------------------------


def pair_since(day: dt.date) -> None:
    with session_scope() as session:
        session.execute(update(ContactPair).values(paired_on=day))


def contact(card: str, *, on: dt.date, follow_up_on: dt.date | None = None, person_id: str = "leader-bole"):
    with session_scope() as session:
        contacts.record_contact(
            session,
            person_id=person_id,
            card_number=card,
            kind="call",
            note="",
            contacted_on=on,
            follow_up_on=follow_up_on,
            recorded_by=person_id,
            today=on,
        )


def test_a_reminder_is_queued_once_when_a_talent_is_due_and_not_before(paired):
    pair_since(DAY)
    contact("BZ2026A001", on=DAY)
    contact("BZ2026B003", on=DAY + dt.timedelta(days=30))
    contact("BZ2026C002", on=DAY + dt.timedelta(days=30), person_id="leader-region")
    assert sweep(DAY + dt.timedelta(days=EVERY - 1)) == 0
    assert sweep(DAY + dt.timedelta(days=EVERY)) == 1
    assert sweep(DAY + dt.timedelta(days=EVERY)) == 0
    assert sweep(DAY + dt.timedelta(days=EVERY + 5)) == 0  # the same due day: not again
    [reminder] = reminders()
    assert (reminder.recipient_kind, reminder.recipient, reminder.ticket_id) == (
        "person",
        "leader-bole",
        None,
    )
    assert reminder.payload["reason"] == "no_contact" and reminder.payload["talent"] == "张教授"
    assert reminder.payload["last_contact_on"] == DAY.isoformat() and reminder.payload["card"] == "BZ••••01"
    assert "13900001234" not in str(reminder.payload)
    assert reminder.dedup_key == f"contact:no_contact:leader-bole:BZ2026A001:{(DAY + dt.timedelta(days=90))}"
    # a contact moves the next due day a whole period on
    contact("BZ2026A001", on=DAY + dt.timedelta(days=EVERY + 6))
    assert sweep(DAY + dt.timedelta(days=EVERY + 29)) == 0
    assert sweep(DAY + dt.timedelta(days=EVERY + 30)) == 2  # 王工程师 and 李医生, each to their leader
    assert sorted((r.recipient, r.payload["talent"]) for r in reminders()[1:]) == [
        ("leader-bole", "王工程师"),
        ("leader-region", "李医生"),
    ]


def test_a_talent_never_contacted_is_due_a_period_after_the_pairing(paired):
    pair_since(DAY)
    assert sweep(DAY + dt.timedelta(days=EVERY - 1), every_days=EVERY) == 0
    assert sweep(DAY + dt.timedelta(days=EVERY), every_days=EVERY) == 3
    assert {r.payload["last_contact_on"] for r in reminders()} == {None}
    assert sweep(DAY + dt.timedelta(days=EVERY + 1), every_days=EVERY) == 0


def test_a_follow_up_day_reminds_the_leader_on_that_day(paired):
    pair_since(DAY)
    contact("BZ2026A001", on=DAY, follow_up_on=DAY + dt.timedelta(days=7))
    contact("BZ2026B003", on=DAY)
    contact("BZ2026C002", on=DAY, person_id="leader-region")
    assert sweep(DAY + dt.timedelta(days=6)) == 0
    assert sweep(DAY + dt.timedelta(days=7)) == 1
    assert sweep(DAY + dt.timedelta(days=8)) == 0
    [reminder] = reminders()
    assert reminder.payload["reason"] == "follow_up"
    assert reminder.payload["follow_up_on"] == (DAY + dt.timedelta(days=7)).isoformat()
    # a later contact without a follow-up day ends the plan: only the regular reminders come
    contact("BZ2026A001", on=DAY + dt.timedelta(days=10), follow_up_on=DAY + dt.timedelta(days=20))
    contact("BZ2026A001", on=DAY + dt.timedelta(days=12))
    assert sweep(DAY + dt.timedelta(days=20)) == 0


def test_no_reminder_for_an_inactive_leader(paired):
    pair_since(DAY)
    with session_scope() as session:
        session.get(Person, "leader-bole").active = False
    assert sweep(DAY + dt.timedelta(days=EVERY)) == 1
    assert [r.recipient for r in reminders()] == ["leader-region"]


def test_two_sweeps_at_the_same_moment_queue_one_reminder(paired):
    pair_since(DAY)
    due = DAY + dt.timedelta(days=EVERY)
    factory = database.get_sessionmaker()
    queued: list[int] = []
    first = factory()
    queued.append(scheduled.remind_contact_leaders(first, every_days=EVERY, now=noon(due)))  # not committed

    def other_process() -> None:
        with session_scope() as second:
            queued.append(scheduled.remind_contact_leaders(second, every_days=EVERY, now=noon(due)))

    thread = threading.Thread(target=other_process)
    thread.start()
    time.sleep(0.5)  # the other sweep waits on the first one's rows
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert sorted(queued) == [0, 3]
    assert len(reminders()) == 3


def test_a_reminder_is_sent_to_the_leader_in_their_language(paired):
    from bot import delivery

    pair_since(DAY)
    contact("BZ2026A001", on=DAY, follow_up_on=DAY + dt.timedelta(days=7))
    sweep(DAY + dt.timedelta(days=7))
    settings = Settings(_env_file=None, database_url=paired, staff_chat_id=-100)
    with session_scope() as session:
        [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "contact_reminder")).all()
        envelope = delivery._envelope(session, row, settings)
        assert envelope.problem is None and envelope.chat_id == 3001 and envelope.markup is None
        text_zh = "\n".join(envelope.parts)
        assert "【回访提醒】" in text_zh and "<b>张教授</b>" in text_zh and "2026-09-08" in text_zh
        session.get(Account, "leader-bole").language = "en"
        text_en = "\n".join(delivery._envelope(session, row, settings).parts)
        assert "Follow-up reminder" in text_en and "<b>张教授</b>" in text_en
        assert "1234" not in text_zh + text_en


# -- the roster and the schema ----------------------------------------------------------------------------


def test_importing_the_roster_again_keeps_the_day_a_pair_began(paired):
    pair_since(DAY)
    with session_scope() as session:
        assert not roster.import_roster(session, text=PAIRS, fmt="yaml").problems
        assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems  # BZ2026B003 dropped
        pairs = session.execute(
            select(ContactPair.card_number, ContactPair.paired_on).where(
                ContactPair.person_id == "leader-bole"
            )
        ).all()
    assert [tuple(p) for p in pairs] == [("BZ2026A001", DAY)]


def test_the_contact_revision_upgrades_and_downgrades_with_data(database_url):
    from alembic import command
    from alembic.config import Config

    engine = make_engine(database_url)
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logging"] = False

    def migrate(step, revision: str) -> None:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    migrate(command.upgrade, "776ea9b300af")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO talents (card_number, name, tier, district, phone_hash, phone_last4_hash)"
            " VALUES ('C1', 'n', 'A类', '博乐市', 'h', 'h4')",
            "INSERT INTO roster_people (id, name, role, level, districts, topics, active)"
            " VALUES ('leader-1', 'n', 'leader', 3, '[\"all\"]', '[\"all\"]', true)",
            "INSERT INTO contact_pairs (person_id, card_number) VALUES ('leader-1', 'C1')",
        ):
            connection.execute(text(statement))
    migrate(command.upgrade, "96e85b90ea71")
    with Session(engine) as session:
        assert session.scalar(select(ContactPair.paired_on)) is not None
        session.add(
            ContactRecord(
                person_id="leader-1", card_number="C1", contacted_on=DAY, kind="visit", recorded_by="leader-1"
            )
        )
        session.commit()
        assert session.scalar(select(func.count()).select_from(ContactRecord)) == 1
    migrate(command.downgrade, "776ea9b300af")
    with engine.connect() as connection:
        from sqlalchemy import inspect

        inspector = inspect(connection)
        assert "contact_records" not in inspector.get_table_names()
        assert "paired_on" not in {c["name"] for c in inspector.get_columns("contact_pairs")}
        assert connection.execute(text("SELECT count(*) FROM contact_pairs")).scalar_one() == 1
    migrate(command.upgrade, "96e85b90ea71")
    engine.dispose()
