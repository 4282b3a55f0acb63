"""The services' configuration: secrets generated per run, passed through the environment only."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from frontdesk.config import Settings
from frontdesk.edge import SECRET_HEADER
from launcher.serve import build_services, channel_headers, with_secrets


@pytest.fixture(autouse=True)
def _no_secrets_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "RASA_TOKEN",
        "RASA_CHANNEL_SECRET",
        "RASA_OPEN_FOR_EVALUATION",
        "MAX_MESSAGE_CHARS",
    ):
        monkeypatch.delenv(name, raising=False)


def settings(**values) -> Settings:
    """Settings as in production (token and secret required) unless `values` say otherwise."""
    values.setdefault("rasa_open_for_evaluation", False)
    return Settings(_env_file=None, database_url="sqlite://", rasa_port=5905, actions_port=5955, **values)


def test_unset_secrets_are_generated_for_each_run_and_set_ones_kept():
    first, second = with_secrets(settings()), with_secrets(settings())
    assert first.rasa_token is not None and first.rasa_channel_secret is not None
    tokens = {first.rasa_token.get_secret_value(), first.rasa_channel_secret.get_secret_value()}
    assert len(tokens) == 2 and all(len(token) >= 40 for token in tokens)
    assert second.rasa_token is not None and second.rasa_token.get_secret_value() not in tokens
    kept = with_secrets(settings(rasa_token=SecretStr("operator-token")))
    assert kept.rasa_token == SecretStr("operator-token") and kept.rasa_channel_secret is not None


def test_every_service_gets_the_secrets_in_its_environment_and_no_command_line_shows_them():
    configured = with_secrets(settings(telegram_bot_token=SecretStr("123:TEST")))
    assert configured.rasa_token is not None and configured.rasa_channel_secret is not None
    token, secret = (
        configured.rasa_token.get_secret_value(),
        configured.rasa_channel_secret.get_secret_value(),
    )
    services = build_services(configured, log_dir=None)
    assert [service.name for service in services] == [
        "action server",
        "rasa server",
        "back office",
        "web chat",
        "telegram bot",
    ]
    for service in services:
        assert service.env["RASA_TOKEN"] == token and service.env["RASA_CHANNEL_SECRET"] == secret
        assert service.env["RASA_OPEN_FOR_EVALUATION"] == "0"
        assert service.env["MAX_MESSAGE_CHARS"] == "1000"
        assert not any(token in part or secret in part for part in service.command)
        assert "--cors" not in service.command
    actions, rasa, *_ = services
    assert actions.command[1:3] == ["-m", "actions.server"]
    assert rasa.command[1:4] == ["-m", "nlu.rasa_cli", "run"] and "--enable-api" in rasa.command
    assert channel_headers(configured) == {SECRET_HEADER: secret}


def test_services_without_their_secrets_are_not_built():
    with pytest.raises(ValueError, match="with_secrets"):
        build_services(settings(), log_dir=None)


def test_the_local_demo_keeps_the_contract_open_behind_the_channel_secret(monkeypatch):
    demo = with_secrets(settings(rasa_open_for_evaluation=None))
    monkeypatch.setenv("RASA_TOKEN", "left-over")  # in the supervisor's environment, not its settings
    assert demo.open_for_evaluation and demo.rasa_token is None and demo.rasa_channel_secret is not None
    for service in build_services(demo, log_dir=None):
        assert "RASA_TOKEN" not in service.env  # /model/parse as Rasa defines it, for evaluators
        assert service.env["RASA_OPEN_FOR_EVALUATION"] == "1"
        assert service.env["RASA_CHANNEL_SECRET"] == demo.rasa_channel_secret.get_secret_value()
