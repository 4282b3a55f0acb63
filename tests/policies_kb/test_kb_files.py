from pathlib import Path

from frontdesk.vocabulary import TOPICS
from policies_kb.files import CONTENT_DIR, load_directory, read_article

GOOD = (CONTENT_DIR / "housing" / "talent-apartment-bole.yml").read_text(encoding="utf-8")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_content_is_valid_and_covers_every_topic():
    loaded = load_directory()
    assert loaded.errors == []
    topics = {article.topic for article in loaded.articles.values()}
    assert topics == set(TOPICS)


def test_malformed_yaml_names_file_and_line(tmp_path):
    path = write(
        tmp_path, "housing/talent-apartment-bole.yml", GOOD.replace("topic: housing", "topic: [housing")
    )
    errors = read_article(path)
    assert isinstance(errors, list)
    assert str(path) in str(errors[0])
    assert "not valid YAML" in errors[0].message and "line" in errors[0].message


def test_wrong_tier_names_the_field(tmp_path):
    path = write(tmp_path, "housing/talent-apartment-bole.yml", GOOD.replace("tiers: [A类,", "tiers: [F类,"))
    errors = read_article(path)
    assert isinstance(errors, list)
    assert errors[0].field == "eligibility.tiers.0"


def test_missing_chinese_text_is_reported(tmp_path):
    text = GOOD.replace("  zh:\n", "  fr:\n")
    errors = read_article(write(tmp_path, "housing/talent-apartment-bole.yml", text))
    assert isinstance(errors, list) and errors


def test_id_must_match_file_name(tmp_path):
    errors = read_article(write(tmp_path, "housing/other-name.yml", GOOD))
    assert isinstance(errors, list)
    assert errors[0].field == "id"


def test_one_bad_file_does_not_block_the_others(tmp_path):
    write(tmp_path, "housing/talent-apartment-bole.yml", GOOD)
    write(tmp_path, "housing/broken.yml", "id: broken\ntopic: housing\n: : :\n")
    write(tmp_path, "housing/not-a-mapping.yml", "- just a list\n")
    loaded = load_directory(tmp_path)
    assert [a.id for a in loaded.articles.values()] == ["talent-apartment-bole"]
    assert len(loaded.errors) == 2


def test_article_in_the_wrong_folder_is_reported(tmp_path):
    write(tmp_path, "medical/talent-apartment-bole.yml", GOOD)
    loaded = load_directory(tmp_path)
    assert not loaded.articles
    assert loaded.errors[0].field == "topic"
