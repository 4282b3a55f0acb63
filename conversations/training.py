"""The editors' training examples as Rasa 3.x NLU data: a file of their own under nlu/data/nlu/, merged with
what it holds, each text once, written so that neither YAML nor Rasa's entity markup reads more into it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from frontdesk.config import PROJECT_ROOT

NLU_DATA = PROJECT_ROOT / "nlu" / "data" / "nlu"
EDITOR_EXAMPLES = NLU_DATA / "editor_examples.yml"
HEADER = (
    "# Talents' messages that policy editors marked in the back office's inbox\n"
    "# (written by `python -m conversations export-training`; edit or delete lines freely).\n"
)
# Rasa reads [text](entity), [text]{...} and [..] as entity markup: the full-width forms, which the NLU
# pipeline's normalisation (NFKC) turns back, keep a talent's brackets plain text.
_MARKUP = str.maketrans({"[": "［", "]": "］", "{": "｛", "}": "｝", "(": "（", ")": "）"})
_SPACE = re.compile(r"\s+")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def example_line(text: str) -> str:
    """A message as one line of an `examples: |` block."""
    return _SPACE.sub(" ", _UNPRINTABLE.sub(" ", text)).strip().translate(_MARKUP)


def read_examples(path: Path) -> dict[str, list[str]]:
    """The examples of each intent in an NLU file (none when it does not exist)."""
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: dict[str, list[str]] = {}
    for item in data.get("nlu") or []:
        if "intent" in item:
            lines = str(item.get("examples", "")).splitlines()
            found.setdefault(item["intent"], []).extend(
                line.strip()[2:].strip() for line in lines if line.strip().startswith("- ")
            )
    return found


def render(examples: dict[str, list[str]]) -> str:
    """An NLU file of the examples, intents in alphabetical order."""
    parts = [HEADER, 'version: "3.1"\n\nnlu:\n']
    for intent in sorted(examples):
        if examples[intent]:
            parts.append(f"- intent: {intent}\n  examples: |\n")
            parts.extend(f"    - {line}\n" for line in examples[intent])
    return "".join(parts)


@dataclass
class Merged:
    """What a merge added, and what it left out (already there, or an example of another intent)."""

    added: dict[str, list[str]] = field(default_factory=dict)
    duplicates: int = 0
    conflicts: list[tuple[str, str, str]] = field(default_factory=list)  # (text, intent, its intent there)


def merge(
    current: dict[str, list[str]], new: Iterable[tuple[str, str]], *, elsewhere: dict[str, str]
) -> tuple[dict[str, list[str]], Merged]:
    """`current` plus the new (text, intent) pairs, each text once in the whole training data (`elsewhere`:
    the intent of each example of the other NLU files)."""
    merged = {intent: list(lines) for intent, lines in current.items()}
    intent_of = dict(elsewhere) | {line: intent for intent, lines in current.items() for line in lines}
    result = Merged()
    for text, intent in new:
        line = example_line(text)
        if not line:
            continue
        if line in intent_of:
            if intent_of[line] == intent:
                result.duplicates += 1
            else:
                result.conflicts.append((line, intent, intent_of[line]))
            continue
        intent_of[line] = intent
        merged.setdefault(intent, []).append(line)
        result.added.setdefault(intent, []).append(line)
    return merged, result


def other_examples(folder: Path, *, besides: Path) -> dict[str, str]:
    """The intent of every example in the folder's other NLU files, entity markup as written."""
    found: dict[str, str] = {}
    for path in sorted(folder.glob("*.yml")):
        if path != besides:
            for intent, lines in read_examples(path).items():
                for line in lines:
                    found.setdefault(line, intent)
    return found
