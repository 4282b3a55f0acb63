"""Choose the NLU pipeline by measurement: cross-validation, training time, /model/parse on held-out files.

    .venv/bin/python -m benchmarks.nlu_pipelines [--configs benchmarks/pipelines/a_current_lr_char.yml ...]
        [--folds 5] [--skip-cv] [--heldout benchmarks/data/heldout_nlu.jsonl] [--data OTHER.jsonl ...]

For each config: `rasa test nlu --cross-validation` on nlu/data, a timed `rasa train nlu`, then a Rasa server
on a free loopback port that benchmarks.nlu_eval scores on the held-out file and on each --data file.
Drives the rasa CLI of .venv-rasa (nice'd, cwd and PYTHONPATH the project root, a fresh Rasa cache per
command) and imports nothing from Rasa. Cross-validation undoes fallback predictions, so out-of-scope recall
and in-scope→fallback come from the files only. One Markdown table row is printed per pipeline as soon as
it is measured; logs, reports and models stay in the folder printed first (under /tmp).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from benchmarks.nlu_eval import parse_all, report
from frontdesk.config import PROJECT_ROOT, Settings
from frontdesk.database import make_engine
from launcher.prepare import prepare_database
from launcher.serve import (
    RASA_BIN,
    Service,
    StartupError,
    build_services,
    free_port,
    stop_all,
    wait_until_ready,
    with_secrets,
)

HERE = Path(__file__).resolve().parent
NLU_DATA = PROJECT_ROOT / "nlu" / "data"
ENTITY_REPORTS = ("DIETClassifier_report.json", "CRFEntityExtractor_report.json")
TARGETS = {"accuracy": 0.95, "p95_ms": 30.0, "train_s": 300.0}


def count_examples(folder: Path = NLU_DATA) -> tuple[int, int]:
    """Training examples and intents in the NLU YAML files."""
    counts: dict[str, int] = {}
    for path in folder.rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block:
                lines = block["examples"].splitlines()
                counts[block["intent"]] = counts.get(block["intent"], 0) + sum(
                    line.strip().startswith("- ") for line in lines
                )
    return sum(counts.values()), len(counts)


def rasa(args: list[str], work: Path, name: str) -> float:
    """Run one nice'd rasa CLI command with its own cache and log; return the seconds it took."""
    env = dict(
        os.environ,
        PYTHONPATH=str(PROJECT_ROOT),
        RASA_TELEMETRY_ENABLED="false",
        RASA_CACHE_DIRECTORY=str(work / f"cache-{name}"),
    )
    started = time.perf_counter()
    with (work / f"{name}.log").open("wb") as log:
        command = ["nice", "-n", "10", str(RASA_BIN), *args]
        subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, check=True)
    return time.perf_counter() - started


def cross_validate(config: Path, folds: int, work: Path) -> dict[str, float | None]:
    out = work / "cv"
    args = ["test", "nlu", "--nlu", str(NLU_DATA), "--config", str(config), "--cross-validation"]
    rasa([*args, "--folds", str(folds), "--out", str(out), "--no-plot"], work, "cv")
    intents = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    entities = [json.loads((out / name).read_text()) for name in ENTITY_REPORTS if (out / name).exists()]
    return {
        "cv_accuracy": intents["accuracy"],
        "cv_macro_f1": intents["macro avg"]["f1-score"],
        "cv_entity_f1": entities[0]["micro avg"]["f1-score"] if entities else None,
    }


@contextmanager
def rasa_server(model: Path, work: Path) -> Iterator[str]:
    """`rasa run --enable-api` on the model; wait_until_ready also wants the action server, so it runs too."""
    settings = with_secrets(
        Settings(
            database_url=f"sqlite:///{work / 'bench.db'}",
            rasa_port=free_port(),
            actions_port=free_port(),
            tracker_store_url=f"sqlite:///{work / 'rasa-tracker.db'}",
        )
    )
    prepare_database(make_engine(settings.database_url))
    actions = next(s for s in build_services(settings, log_dir=work) if s.name == "action server")
    command = ["nice", "-n", "10", str(RASA_BIN), "run", "--enable-api", "--interface", "127.0.0.1"]
    command += ["--port", str(settings.rasa_port), "-m", str(model)]
    env = dict(actions.env, RASA_TELEMETRY_ENABLED="false")
    services = [actions, Service("rasa server", command, env, work / "rasa.log")]
    try:
        for service in services:
            service.start()
        wait_until_ready(settings, services)
        yield settings.rasa_base_url
    finally:
        stop_all(services)


def evaluate(url: str, path: Path) -> dict:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return report(items, *parse_all(url, items, None))


def measure(config: Path, args: argparse.Namespace, work: Path) -> dict:
    row: dict = {} if args.skip_cv else cross_validate(config, args.folds, work)
    train = ["train", "nlu", "--nlu", str(NLU_DATA), "--config", str(config), "--out", str(work)]
    row["train_s"] = rasa([*train, "--fixed-model-name", config.stem], work, "train")
    with rasa_server(work / f"{config.stem}.tar.gz", work) as url:
        row["heldout"] = evaluate(url, args.heldout)
        row["data"] = [evaluate(url, path) for path in args.data]
    return row


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def table_row(name: str, row: dict) -> str:
    held = row["heldout"]
    missed = [
        label
        for label, ok in (
            ("accuracy", held["intent_accuracy"] >= TARGETS["accuracy"]),
            ("p95", held["parse_ms_p95"] <= TARGETS["p95_ms"]),
            ("training", row["train_s"] <= TARGETS["train_s"]),
        )
        if not ok
    ]
    cells = [name, *(fmt(row.get(key)) for key in ("cv_accuracy", "cv_macro_f1", "cv_entity_f1"))]
    cells += [fmt(held[key]) for key in ("intent_accuracy", "macro_f1", "entity_f1")]
    cells += [fmt(held["out_of_scope_recall"]), fmt(held["in_scope_to_fallback"]), f"{row['train_s']:.0f}"]
    cells.append(f"{held['parse_ms_p50']:.1f} / {held['parse_ms_p95']:.1f}")
    for extra in row["data"]:
        keys = ("intent_accuracy", "macro_f1", "out_of_scope_recall", "in_scope_to_fallback")
        cells.append(" / ".join(fmt(extra[key]) for key in keys))
    cells.append("all met" if not missed else "missed: " + ", ".join(missed))
    return "| " + " | ".join(cells) + " |"


def header(data: list[Path]) -> str:
    names = ["pipeline", "CV acc", "CV macro-F1", "CV entity F1", "held-out acc", "held-out macro-F1"]
    names += ["held-out entity F1", "held-out OOS recall", "held-out in-scope→fallback", "train s"]
    names += ["parse p50 / p95 ms", *(f"{p.stem}: acc / macro-F1 / OOS rec. / →fallback" for p in data)]
    names.append("targets")
    return "| " + " | ".join(names) + " |\n|" + "---|" * len(names)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--configs", type=Path, nargs="+", default=sorted((HERE / "pipelines").glob("*.yml")))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--skip-cv", action="store_true", help="no cross-validation (faster)")
    parser.add_argument("--heldout", type=Path, default=HERE / "data" / "heldout_nlu.jsonl")
    parser.add_argument("--data", type=Path, nargs="*", default=[], help="more JSONL files to score")
    args = parser.parse_args()
    args.configs = [path.resolve() for path in args.configs]
    args.heldout, args.data = args.heldout.resolve(), [path.resolve() for path in args.data]
    root = Path(tempfile.mkdtemp(prefix="nlu-pipelines-"))
    examples, intents = count_examples()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}: {examples} examples, {intents} intents; work folder {root}")
    print(header(args.data), flush=True)
    for config in args.configs:
        work = root / config.stem
        work.mkdir()
        try:
            row = measure(config, args, work)
        except (subprocess.CalledProcessError, StartupError, OSError, KeyError) as exc:
            print(f"| {config.stem} | failed: {exc!r} (logs in {work}) |", flush=True)
            continue
        (work / "row.json").write_text(json.dumps({k: v for k, v in row.items() if k != "data"}, indent=2))
        print(table_row(config.stem, row), flush=True)


if __name__ == "__main__":
    main()
