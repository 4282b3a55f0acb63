"""The Rasa project itself: training data that validates cleanly, and the end-to-end test stories."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from frontdesk.config import PROJECT_ROOT
from launcher.serve import MODEL_PATH, RASA_BIN

STORIES = PROJECT_ROOT / "tests" / "stories"

pytestmark = pytest.mark.integration


def rasa(*arguments: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    if not RASA_BIN.exists() or not MODEL_PATH.exists():
        pytest.fail("the Rasa environment or model is missing: run `make setup train` (make test does)")
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run(
        [str(RASA_BIN), *arguments], cwd=cwd, env=environment, capture_output=True, text=True, timeout=900
    )


def test_training_data_validates_without_warnings():
    result = rasa(
        "data", "validate", "--data", "nlu/data", "--config", "config.yml", "--domain", "domain.yml",
        "--fail-on-warnings",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_end_to_end_stories_pass(tmp_path: Path):
    assert len((STORIES / "test_stories.yml").read_text(encoding="utf-8").split("- story:")) > 30
    result = rasa(
        "test", "core", "--model", str(MODEL_PATH), "--stories", str(STORIES), "--out", str(tmp_path),
        "--fail-on-prediction-errors", "--no-plot",
    )  # fmt: skip
    failed = tmp_path / "failed_test_stories.yml"
    report = failed.read_text(encoding="utf-8") if failed.exists() else ""
    assert result.returncode == 0, report[-6000:] or result.stderr[-4000:]


def test_action_responses_are_still_validated_by_rasa():
    """nlu/components/action_responses.py speeds the check up; a bad response must still be refused."""
    check = (
        "import nlu.components\n"
        "from jsonschema import ValidationError\n"
        "from rasa.core.actions.action import RemoteAction\n"
        "from rasa.utils.endpoints import EndpointConfig\n"
        "action = RemoteAction('action_reply', EndpointConfig('http://127.0.0.1:1'))\n"
        "assert action._validate_action_result({'events': [], 'responses': [{'text': 'hi'}]})\n"
        "try:\n"
        "    action._validate_action_result({'events': 'not a list'})\n"
        "except ValidationError as error:\n"
        "    assert 'Failed to validate Action server response' in error.message\n"
        "else:\n"
        "    raise SystemExit('an invalid response was accepted')\n"
    )
    python = RASA_BIN.parent / "python"
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [str(python), "-c", check],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
