import datetime as dt

import pytest

from frontdesk.clock import LOCAL_TZ
from people import registry, roster
from tickets import service

SECRET = "test-secret"
# Monday 30 November 2026, 11:00 in Bortala (Asia/Shanghai time): inside office hours.
MONDAY_11 = dt.datetime(2026, 11, 30, 11, 0, tzinfo=LOCAL_TZ)

TALENTS_CSV = """card_number,name,tier,district,phone
BZ2026A001,张教授,A类,博乐市,13900001234
BZ2026C002,李医生,C类,精河县,139-0000-5678
"""

ROSTER_YAML = """
- {id: staff-bole, name: 王窗口, role: staff, districts: [博乐市], topics: [all], telegram_user_id: 1001}
- {id: staff-jinghe, name: 赵窗口, role: staff, districts: [精河县], topics: [all], telegram_user_id: 1002}
- {id: officer-hr, name: 钱科长, role: officer, districts: [all], topics: [all], telegram_user_id: 2001}
- {id: leader-bole, name: 孙书记, role: leader, districts: [博乐市], topics: [all], telegram_user_id: 3001,
   talents: [BZ2026A001]}
- {id: leader-region, name: 周部长, role: leader, districts: [all], topics: [all], telegram_user_id: 3002}
"""


@pytest.fixture
def sla():
    return service.sla_policy(
        office_hours="10:00-14:00,16:00-20:00",
        first_response_hours=4,
        urgent_first_response_hours=1,
        resolution_hours=24,
    )


@pytest.fixture
def people(session):
    """The registry and roster above, imported."""
    assert not registry.import_csv(session, text=TALENTS_CSV, secret=SECRET).problems
    assert not roster.import_roster(session, text=ROSTER_YAML, fmt="yaml").problems
    session.commit()
    return session
