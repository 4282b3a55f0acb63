"""Training examples marked by editors, exported to Rasa NLU YAML (SQLite and PostgreSQL)."""

import pytest
import yaml
from sqlalchemy import select

from conversations import flows
from conversations import service as conversations
from conversations.models import TRAINABLE_INTENTS, TrainingExample
from frontdesk.config import PROJECT_ROOT


def test_the_intents_an_editor_may_choose_are_the_models():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    assert sorted(TRAINABLE_INTENTS) == sorted(domain["intents"])


def test_examples_are_written_as_nlu_data_once_each_and_marked_exported(session, tmp_path):
    (tmp_path / "housing.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: ask_housing\n  examples: |\n    - 人才公寓怎么申请\n',
        encoding="utf-8",
    )
    path = tmp_path / "editor_examples.yml"
    marked = conversations.mark_examples(
        session,
        texts=[
            "房补 [多少](钱)?\n急: 在线等",
            "房补 [多少](钱)?\n急: 在线等",
            "人才公寓怎么申请",
            "#租房 - 补贴",
        ],
        intent="ask_housing",
        editor="editor-kb",
    )
    assert len(marked) == 3  # the same text twice: once
    conversations.mark_examples(
        session, texts=["人才公寓怎么申请"], intent="ask_schooling", editor="editor-kb"
    )
    with pytest.raises(ValueError):
        conversations.mark_examples(session, texts=["x"], intent="ask_weather", editor="editor-kb")

    result = flows.export_training(session, path=path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    [item] = data["nlu"]
    assert item["intent"] == "ask_housing"
    assert (
        item["examples"] == "- 房补 ［多少］（钱）? 急: 在线等\n- #租房 - 补贴\n"
    )  # no entity markup, one line
    assert result.duplicates == 1 and [c[2] for c in result.conflicts] == ["ask_housing"]
    assert session.scalars(select(TrainingExample).where(TrainingExample.exported_at.is_(None))).all() == []

    conversations.mark_examples(
        session, texts=["#租房 - 补贴", "子女转学"], intent="ask_schooling", editor="e"
    )
    conversations.mark_examples(session, texts=["安家费"], intent="ask_housing", editor="e")
    flows.export_training(session, path=path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {item["intent"]: item["examples"].splitlines() for item in data["nlu"]} == {
        "ask_housing": ["- 房补 ［多少］（钱）? 急: 在线等", "- #租房 - 补贴", "- 安家费"],
        "ask_schooling": ["- 子女转学"],
    }
    assert flows.export_training(session, path=path).added == {}
