"""Roster and talent registry imports: problems are reported, never guessed; phones stay private."""

import logging

from sqlalchemy import text

from people import registry, roster
from people.models import ContactPair, Person
from tests.conftest import SECRET, TALENTS_CSV


def test_roster_problems_are_reported_and_the_rest_imported(session):
    registry.import_csv(session, text=TALENTS_CSV, secret=SECRET)
    report = roster.import_roster(
        session,
        text="""
- {id: ok-1, name: 甲, role: staff, districts: [博乐市]}
- {id: bad-district, name: 乙, role: staff, districts: [乌鲁木齐市]}
- {id: ok-1, name: 丙, role: staff, districts: [精河县]}
- {id: bad-talent, name: 丁, role: leader, districts: [all], talents: [NOPE123]}
- {id: bad-role, name: 戊, role: boss, districts: [all]}
- {id: leader-1, name: 己, role: leader, districts: [all], talents: [BZ2026A001]}
""",
        fmt="yaml",
    )
    assert report.imported == 2
    problems = "\n".join(report.problems)
    assert "bad-district" in problems and "unknown district 乌鲁木齐市" in problems
    assert "ok-1: listed twice" in problems
    assert "bad-talent: unknown green-card numbers NOPE123" in problems
    assert "bad-role" in problems
    assert session.get(Person, "leader-1").level == 3
    assert session.query(ContactPair).filter_by(person_id="leader-1").count() == 1


def test_roster_from_csv(session):
    csv_text = (
        "id,name,role,districts,topics,telegram_user_id\nw1,王,staff,博乐市;精河县,housing;schooling,55\n"
    )
    report = roster.import_roster(session, text=csv_text, fmt="csv")
    assert report.imported == 1 and not report.problems
    person = session.get(Person, "w1")
    assert person.districts == ["博乐市", "精河县"] and person.topics == ["housing", "schooling"]
    assert person.telegram_user_id == 55


def test_registry_rows_with_problems_are_skipped_by_line(session):
    report = registry.import_csv(
        session,
        text="card_number,name,tier,district,phone\nX1,甲,F类,博乐市,13900000000\nX2,乙,A类,北京,13900000000\n"
        "X3,丙,A类,博乐市,not-a-phone\nX4,丁,B类,温泉县,13900000000\n",
        secret=SECRET,
    )
    assert report.imported == 1
    assert [p.split(":")[0] for p in report.problems] == ["line 2", "line 3", "line 4"]
    assert "not-a-phone" not in " ".join(report.problems)


def test_phone_numbers_are_never_stored_or_logged(session, caplog):
    caplog.set_level(logging.DEBUG)
    registry.import_csv(session, text=TALENTS_CSV, secret=SECRET)
    registry.bind(session, sender_id="telegram:1", card_number="BZ2026A001", last4="1234", secret=SECRET)
    registry.bind(session, sender_id="telegram:2", card_number="BZ2026A001", last4="9999", secret=SECRET)
    session.commit()
    dump = " ".join(str(row) for row in session.execute(text("SELECT * FROM talents")).all())
    for secret_part in ("13900001234", "1234", "5678"):
        assert secret_part not in dump
        assert secret_part not in caplog.text
