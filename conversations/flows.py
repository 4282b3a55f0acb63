"""The conversation record's orchestration with side effects: exporting the editors' examples to the
NLU training data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from conversations import service, training
from conversations.training import Merged
from frontdesk.clock import utcnow


def export_training(
    session: Session, *, path: Path = training.EDITOR_EXAMPLES, now: dt.datetime | None = None
) -> Merged:
    """Write the examples not exported yet into `path` (merged with what it holds, each text once in the
    whole training data), then mark them exported; the file is replaced whole, so it is never half written."""
    examples = service.examples_to_export(session)
    current = training.read_examples(path)
    merged, result = training.merge(
        current,
        [(example.text, example.intent) for example in examples],
        elsewhere=training.other_examples(path.parent, besides=path),
    )
    if result.added:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(".yml.tmp")
        scratch.write_text(training.render(merged), encoding="utf-8")
        scratch.replace(path)
    service.mark_exported(session, examples=examples, at=now or utcnow())
    return result
