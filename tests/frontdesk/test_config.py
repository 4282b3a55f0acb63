import os
import subprocess
import sys

import pytest
from pydantic import SecretStr

from frontdesk.config import PROJECT_ROOT, Settings

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(autouse=True)
def _no_configuration_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REGISTRY_SECRET", "BUTTON_SECRET", "TELEGRAM_BOT_TOKEN", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def settings(**values) -> Settings:
    return Settings(_env_file=None, **values)


def test_the_local_demo_runs_on_its_published_secrets():
    demo = settings()
    assert demo.local_demo and demo.open_for_evaluation
    demo.check_secrets()


@pytest.mark.parametrize(
    "outside_the_demo",
    [{"database_url": POSTGRES}, {"telegram_bot_token": SecretStr("123:ABC")}],
)
def test_outside_the_demo_the_published_secrets_are_refused_with_how_to_set_them(outside_the_demo):
    production = settings(**outside_the_demo)
    assert not production.local_demo and not production.open_for_evaluation
    with pytest.raises(ValueError, match="REGISTRY_SECRET and BUTTON_SECRET") as refused:
        production.check_secrets()
    assert "token_urlsafe" in str(refused.value)
    only_one = settings(**outside_the_demo, registry_secret=SecretStr("r" * 40))
    with pytest.raises(ValueError, match=r"^BUTTON_SECRET still"):
        only_one.check_secrets()
    settings(
        **outside_the_demo, registry_secret=SecretStr("r" * 40), button_secret=SecretStr("b" * 40)
    ).check_secrets()


def test_evaluation_mode_can_be_turned_off_in_the_demo_and_on_outside_it():
    assert not settings(rasa_open_for_evaluation=False).open_for_evaluation
    assert settings(database_url=POSTGRES, rasa_open_for_evaluation=True).open_for_evaluation


@pytest.mark.parametrize("module", ["launcher.serve", "bot", "actions.server"])
def test_every_entry_point_refuses_to_start_on_the_demo_secrets_outside_the_demo(module, tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in {"REGISTRY_SECRET", "BUTTON_SECRET"}}
    env.update(DATABASE_URL=POSTGRES, TELEGRAM_BOT_TOKEN="123:ABC", RASA_CHANNEL_SECRET="s" * 40)
    result = subprocess.run(
        [sys.executable, "-m", module],
        cwd=tmp_path,  # no .env
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "REGISTRY_SECRET and BUTTON_SECRET still have the local demo's published values" in result.stderr
