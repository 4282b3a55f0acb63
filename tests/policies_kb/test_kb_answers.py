import datetime as dt

from policies_kb.answers import Outcome, choose_article, render_answer
from policies_kb.passages import Part
from policies_kb.retrieval import IndexedArticle, KnowledgeIndex
from policies_kb.schema import ArticleContent

TODAY = dt.date(2026, 11, 30)


def article(article_id: str, *, title: str, body: str, tiers="all", districts="all", keywords=(), **dates):
    content = ArticleContent.model_validate(
        {
            "id": article_id,
            "topic": "housing",
            "eligibility": {"tiers": tiers, "districts": districts},
            "keywords": list(keywords),
            "source": {
                "title": f"{title}办法",
                "number": "博州人才办发〔2025〕1号",
                "issuer": "州人才办",
                "issued_on": "2025-01-01",
            },
            "effective_from": dates.get("effective_from", "2025-01-01"),
            "effective_to": dates.get("effective_to"),
            "content": {"zh": {"title": title, "summary": title + "摘要", "body": body}},
        }
    )
    return IndexedArticle(article_id=article_id, version=2, content=content)


APARTMENT_BOLE = article(
    "apartment-bole",
    title="博乐市人才公寓",
    body="博乐市人才公寓申请，前三年免租金。",
    districts=["博乐市"],
    keywords=["人才公寓"],
)
APARTMENT_JINGHE = article(
    "apartment-jinghe",
    title="精河县人才公寓",
    body="精河县人才公寓申请，前两年免租金。",
    districts=["精河县"],
    keywords=["人才公寓"],
)
PURCHASE = article(
    "purchase-subsidy",
    title="购房补贴",
    body="A类B类人才购房补贴三十万元。",
    tiers=["A类", "B类"],
    keywords=["购房补贴", "买房"],
)
RENT = article(
    "rent-subsidy",
    title="租房补贴",
    body="人才租房补贴每月一千元，发放三年。",
    keywords=["租房补贴", "房补"],
    effective_to="2026-12-31",
)
RENT_2027 = article(
    "rent-subsidy-2027",
    title="新租房补贴标准",
    body="租房补贴提高到每月一千五百元。",
    keywords=["租房补贴"],
    effective_from="2027-01-01",
)
EXPIRED = article(
    "old-purchase",
    title="旧购房补贴",
    body="购房补贴五万元，已废止。",
    keywords=["购房补贴"],
    effective_to="2025-12-31",
    effective_from="2020-01-01",
)
INDEX = KnowledgeIndex([APARTMENT_BOLE, APARTMENT_JINGHE, PURCHASE, RENT, RENT_2027, EXPIRED])


def choose(question, *, tier=None, district=None):
    return choose_article(
        INDEX, topic="housing", question=question, tier=tier, district=district, today=TODAY
    )


def answer_text(choice, question, *, index=INDEX, language="zh", tier=None, district=None, part=None):
    answer = render_answer(
        choice,
        index=index,
        question=question,
        language=language,
        tier=tier,
        district=district,
        today=TODAY,
        part=part,
    )
    return "\n".join(answer.messages)


def test_asks_for_the_district_when_the_answer_depends_on_it():
    choice = choose("人才公寓怎么申请")
    assert choice.outcome is Outcome.NEED_DETAIL
    assert choice.need == "district"


def test_answers_for_the_talents_district():
    choice = choose("人才公寓怎么申请", district="精河县")
    assert choice.outcome is Outcome.ANSWER
    assert choice.article is APARTMENT_JINGHE


def test_ineligible_tier_is_told_and_given_what_applies():
    choice = choose("买房有购房补贴吗", tier="D类", district="博乐市")
    assert choice.outcome is Outcome.ANSWER
    assert choice.article is not PURCHASE
    assert choice.not_for_you is PURCHASE
    text = answer_text(choice, "买房有购房补贴吗", tier="D类", district="博乐市")
    assert "《购房补贴》不适用于您" in text and "A类、B类" in text


def test_expired_articles_never_answer():
    choice = choose("购房补贴五万元", tier="A类")
    assert choice.article is PURCHASE


def test_an_announced_article_that_matches_best_is_announced_not_used():
    choice = choose("租房补贴新标准")
    assert choice.article is RENT and choice.coming is RENT_2027
    text = answer_text(choice, "租房补贴新标准")
    assert "即将施行" in text and "2027年1月1日" in text


def test_an_announced_article_the_question_is_not_about_is_not_mentioned():
    choice = choose("房补发放几年")
    assert choice.article is RENT and choice.coming is None


def test_answer_names_source_and_version():
    choice = choose("房补每月多少")
    text = answer_text(choice, "房补每月多少")
    assert (
        "依据：《租房补贴办法》（博州人才办发〔2025〕1号），第2版，2025年1月1日起施行，2026年12月31日止"
        in text
    )
    full = answer_text(choice, "房补每月多少", part=Part.FULL)
    assert "（博州人才办发〔2025〕1号，州人才办），第2版" in full


def test_english_answer_falls_back_to_chinese_text_with_a_note():
    choice = choose("rent subsidy 租房补贴")
    text = answer_text(choice, "rent subsidy 租房补贴", language="en")
    assert "available in Chinese only" in text
    assert 'Source: "租房补贴办法"' in text


def test_article_text_is_html_escaped():
    tricky = article("tricky", title="公寓<script>", body="申请条件 <b>A&B</b>", keywords=["公寓"])
    index = KnowledgeIndex([tricky])
    choice = choose_article(index, topic="housing", question="公寓", tier=None, district=None, today=TODAY)
    text = answer_text(choice, "公寓申请条件", index=index)
    assert "<script>" not in text and "&lt;script&gt;" in text and "A&amp;B" in text


def test_no_article_in_force():
    index = KnowledgeIndex([EXPIRED])
    choice = choose_article(
        index, topic="housing", question="购房补贴", tier=None, district=None, today=TODAY
    )
    assert choice.outcome is Outcome.NO_ARTICLE


def test_long_answers_are_split_for_telegram():
    long_body = "\n\n".join("第" + str(i) + "条。" + "政策内容" * 300 for i in range(8))
    index = KnowledgeIndex([article("long", title="长文", body=long_body, keywords=["长文"])])
    choice = choose_article(index, topic="housing", question="长文", tier=None, district=None, today=TODAY)
    parts = render_answer(
        choice,
        index=index,
        question="长文",
        language="zh",
        tier=None,
        district=None,
        today=TODAY,
        part=Part.FULL,
    ).messages
    assert len(parts) > 1 and all(len(part) <= 4096 for part in parts)
    assert "依据" in parts[-1]


def test_a_question_about_next_year_is_answered_by_the_rules_of_next_year():
    choice = choose("明年租房补贴多少")
    assert choice.article is RENT_2027
    text = answer_text(choice, "明年租房补贴多少")
    assert "该政策将于2027年1月1日起施行" in text


def test_articles_for_other_tiers_do_not_make_the_answer_depend_on_the_tier():
    choice = choose("购房补贴", district="博乐市")
    assert choice.outcome is Outcome.ANSWER and choice.article is PURCHASE


DETAILED = article(
    "detailed",
    title="人才安家费",
    body="发放标准：A类30万元，B类20万元，C类10万元。\n申请时间：到岗满3个月后申请，逾期不补。\n其他：夫妻双方均为人才的，按较高标准发放一份。",
    keywords=["安家费"],
)
DETAILED_INDEX = KnowledgeIndex(
    [
        DETAILED.__class__(
            article_id="detailed",
            version=1,
            content=DETAILED.content.model_copy(
                update={
                    "content": {
                        "zh": DETAILED.content.content["zh"].model_copy(
                            update={
                                "required_documents": ["人才绿卡", "劳动合同"],
                                "processing_time": "受理后10个工作日内发放。",
                            }
                        )
                    }
                }
            ),
        )
    ]
)


def detailed(question, **values):
    choice = choose_article(
        DETAILED_INDEX, topic="housing", question=question, tier=None, district=None, today=TODAY
    )
    return render_answer(
        choice,
        index=DETAILED_INDEX,
        question=question,
        language="zh",
        tier=None,
        district=None,
        today=TODAY,
        **values,
    )


def test_an_answer_gives_the_part_asked_for_and_buttons_for_the_rest():
    answer = detailed("安家费要带什么材料")
    text = "\n".join(answer.messages)
    assert "所需材料</b>：人才绿卡；劳动合同" in text and "逾期不补" not in text
    assert answer.more == [Part.FULL, Part.PROCESSING_TIME]


def test_a_question_about_an_amount_gets_the_paragraph_with_the_amounts():
    text = "\n".join(detailed("安家费能拿多少", seen_before=True).messages)
    assert "A类30万元" in text and "到岗满3个月" not in text


def test_a_part_the_article_does_not_cover_is_said_to_be_missing():
    text = "\n".join(detailed("安家费找谁咨询，电话多少").messages)
    assert "该政策没有写明咨询方式" in text


def test_a_follow_up_asking_only_for_a_part_stays_with_the_article_just_answered():
    choice = choose_article(
        INDEX, topic="housing", question="要带什么材料", tier=None, district="博乐市", today=TODAY,
        current_article="rent-subsidy",
    )  # fmt: skip
    assert choice.article is RENT


def test_an_article_the_question_names_is_said_not_to_apply_even_when_another_scores_higher():
    question = "精河县人才公寓附近买房子有购房补贴吗"
    choice = choose(question, tier="D类", district="精河县")
    assert choice.article is APARTMENT_JINGHE and choice.not_for_you is PURCHASE
