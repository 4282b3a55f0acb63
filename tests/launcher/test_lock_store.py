"""Rasa's lock store as endpoints.yml and the launcher configure it, read by Rasa's own code in its
environment: in memory for one instance, Redis (at 127.0.0.1:6379 on this machine) for several."""

from __future__ import annotations

import json
import subprocess

import pytest
from pydantic import ValidationError

from frontdesk.config import PROJECT_ROOT, Settings
from launcher.serve import RASA_PYTHON, build_services, with_secrets

# Rasa reads endpoints.yml (filling in the environment) and makes the lock store; a Redis one takes and
# releases a lock on a conversation.
READ_BY_RASA = """
import asyncio, json
from rasa.core.lock_store import LockStore, RedisLockStore
from rasa.core.utils import AvailableEndpoints

store = LockStore.create(AvailableEndpoints.read_endpoints("endpoints.yml").lock_store)
locked = None
if isinstance(store, RedisLockStore):
    async def take() -> bool:
        async with store.lock("test:lock-store", wait_time_in_seconds=0.1):
            return store.get_lock("test:lock-store") is not None
    locked = asyncio.run(take())
print(json.dumps({"store": type(store).__name__, "locked": locked}))
"""


def rasa_reads(settings: Settings) -> dict:
    rasa = next(s for s in build_services(with_secrets(settings), log_dir=None) if s.name == "rasa server")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", READ_BY_RASA],
        env=rasa.env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def settings(**values) -> Settings:
    return Settings(_env_file=None, database_url="sqlite://", rasa_port=5905, actions_port=5955, **values)


@pytest.mark.integration
def test_one_instance_locks_in_memory_and_several_through_redis():
    if not RASA_PYTHON.exists():
        pytest.fail("the Rasa environment is missing: run `make setup` (make test does)")
    assert rasa_reads(settings()) == {"store": "InMemoryLockStore", "locked": None}
    assert rasa_reads(settings(lock_store_url="redis://127.0.0.1:6379/1")) == {
        "store": "RedisLockStore",
        "locked": True,
    }


def test_a_lock_store_url_that_is_not_redis_is_refused():
    with pytest.raises(ValidationError, match="lock_store_url"):
        settings(lock_store_url="postgresql://127.0.0.1/rasa")
