"""The editors' command line, run as editors run it."""

import json
import os
import subprocess
import sys

from frontdesk.config import PROJECT_ROOT
from policies_kb.files import load_directory


def kb(*args: str, database: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database}
    return subprocess.run(
        [sys.executable, "-m", "policies_kb", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
    )


def test_validate_reports_the_bad_file_and_fails(tmp_path):
    (tmp_path / "housing").mkdir()
    (tmp_path / "housing" / "broken.yml").write_text("id: broken\ntopic: [housing\n", encoding="utf-8")
    result = kb("validate", "--dir", str(tmp_path), database=f"sqlite:///{tmp_path / 'kb.db'}")
    assert result.returncode == 1
    assert "broken.yml" in result.stderr and "not valid YAML" in result.stderr


def test_import_publish_search_history_and_refusal(tmp_path):
    db = f"sqlite:///{tmp_path / 'kb.db'}"
    count = len(load_directory().articles)
    assert f"{count} new drafts" in kb("import", "--editor", "王编辑", database=db).stdout
    published = kb("publish", "--all", "--editor", "王编辑", "--note", "首次", database=db)
    assert f"{count} published" in published.stdout
    found = kb(
        "search",
        "博乐的人才公寓能住几年",
        "--topic",
        "housing",
        "--district",
        "博乐市",
        "--json",
        database=db,
    )
    answer = json.loads(found.stdout)
    assert answer["article_id"] == "talent-apartment-bole" and answer["version"] == 1
    assert answer["hits"][0]["score"] > 0
    assert "王编辑" in kb("history", "talent-apartment-bole", database=db).stdout
    refused = kb("publish", "talent-apartment-bole", "--editor", "x", "--note", "y", database=db)
    assert refused.returncode == 2 and "has no draft" in refused.stderr
    listed = json.loads(kb("list", "--json", database=db).stdout)
    assert len(listed) == count and {row["status"] for row in listed} == {"published"}
