from policies_kb.files import load_directory
from policies_kb.retrieval import IndexedArticle, KnowledgeIndex, Segmenter

ARTICLES = {a.id: a for a in load_directory().articles.values()}


def indexed(changed=None):
    """Every sample article as version 1, except `changed`, as version 2."""
    changed_id = changed.id if changed else None
    return [
        IndexedArticle(a.id, 2, changed) if a.id == changed_id else IndexedArticle(a.id, 1, a)
        for a in ARTICLES.values()
    ]


def test_query_words_talents_type_are_mapped_to_the_articles_terms():
    segmenter = Segmenter()
    assert "公积金" in segmenter.query_tokens("公基金能转过来吗")
    assert "补贴" in segmenter.query_tokens("租房补帖")
    assert "subsidi" in segmenter.query_tokens("Rent SUBSIDIES?")


def test_rebuilding_reuses_the_segmentation_of_unchanged_versions():
    first = KnowledgeIndex(indexed())
    apartment = ARTICLES["talent-apartment-bole"]
    new_text = apartment.content["zh"].model_copy(update={"body": "独一无二的新正文内容"})
    changed = apartment.model_copy(update={"content": {**apartment.content, "zh": new_text}})
    second = KnowledgeIndex(indexed(changed), previous=first)
    assert second.segmenter is first.segmenter
    assert second._tokens[("green-card-overview", 1)] is first._tokens[("green-card-overview", 1)]
    assert second.rank("housing", "独一无二的新正文")[0].article.article_id == "talent-apartment-bole"


def test_a_new_keyword_rebuilds_the_segmenter():
    first = KnowledgeIndex(indexed())
    apartment = ARTICLES["talent-apartment-bole"]
    changed = apartment.model_copy(update={"keywords": [*apartment.keywords, "拎包公寓"]})
    second = KnowledgeIndex(indexed(changed), previous=first)
    assert second.segmenter is not first.segmenter
