"""Chinese catalogue search terms: jieba tokens, pinyin, initials, and the score."""

from __future__ import annotations

import csv
import logging

import pytest
from pypinyin import Style, lazy_pinyin

from services.catalogue.domain.search_terms import (
    EXACT,
    QueryTerms,
    SearchTerms,
    index_terms,
    normalise,
    query_terms,
    rank,
    score,
    tokenizer,
)
from tests.support.data import GUANG_AN

CATALOGUE = GUANG_AN
PROJECT = "企业投资项目备案（技术改造）（市级/县级）"


@pytest.fixture(scope="module")
def project() -> SearchTerms:
    return index_terms(PROJECT)


def s(query: str, terms: SearchTerms) -> float:
    return score(query_terms(query), terms)


# --- index terms -----------------------------------------------------------------------------


def test_index_terms_of_a_real_name(project: SearchTerms) -> None:
    assert project.name == "企业投资项目备案(技术改造)(市级/县级)"  # NFKC: half-width brackets
    assert {"企业", "投资", "项目", "备案", "技术", "改造", "技术改造", "市级", "县级"} == set(
        project.tokens)
    assert not any(t in project.tokens for t in ("(", ")", "/", "（"))
    assert project.pinyin == "qiyetouzixiangmubeianjishugaizaoshijixianji"
    assert project.initials == "qytzxmbajsgzsjxj"
    assert len(project.token_pinyin) == len(project.token_initials) == len(project.tokens)
    pinyin = dict(zip(project.tokens, project.token_pinyin, strict=True))
    initials = dict(zip(project.tokens, project.token_initials, strict=True))
    assert pinyin["备案"] == "beian" and initials["备案"] == "ba"
    assert pinyin["技术改造"] == "jishugaizao" and initials["技术改造"] == "jsgz"
    assert len(project.syllables) == len(project.initials) == 16
    # words and sub-tokens begin at 企业 投资 项目 备案 技术(改造) 市级 县级
    assert project.starts == (0, 2, 4, 6, 8, 10, 12, 14)


@pytest.mark.parametrize(("name", "pinyin", "initials"), [
    ("行政许可", "xingzhengxuke", "xzxk"),  # 行 read xing in 行政 (default, phrase-aware)
    ("银行业务", "yinhangyewu", "yhyw"),  # 行 read hang in 银行
    ("重庆市", "chongqingshi", "cqs"),
    ("ICP备案", "icpbeian", "iba"),  # a run of letters is one 'syllable'
    ("预计参加人数在1000人以上", "yujicanjiarenshuzai1000renyishang", "yjcjrsz1rys"),
])
def test_pinyin_takes_the_default_reading(name: str, pinyin: str, initials: str) -> None:
    terms = index_terms(name)
    assert (terms.pinyin, terms.initials) == (pinyin, initials)


@pytest.mark.parametrize("name", [PROJECT, "城市建筑物、设施上张挂、张贴宣传品审批",
                                  "重庆长安银行"])
def test_initials_agree_with_pypinyin_first_letter(name: str) -> None:
    first = lazy_pinyin(normalise(name), style=Style.FIRST_LETTER)
    expected = "".join(ch for piece in first for ch in piece if ch.isalnum())
    assert index_terms(name).initials == expected


def test_normalise() -> None:
    assert normalise("  企业（技术） ＩＣＰ ") == "企业(技术)icp"
    assert normalise("") == ""


def test_tokenizer_is_shared_and_quiet() -> None:
    assert tokenizer() is tokenizer()
    assert logging.getLogger("jieba").getEffectiveLevel() >= logging.WARNING


# --- query terms -----------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "kind", "letters"), [
    ("qyba", "latin", "qyba"),
    ("QYBA", "latin", "qyba"),
    ("Qi Ye", "latin", "qiye"),
    ("xi'an", "latin", "xian"),
    ("备案", "text", ""),
    ("ICP备案", "text", ""),
    ("1000人", "text", ""),
    ("", "empty", ""),
    ("   ", "empty", ""),
    ("（）/", "empty", ""),
])
def test_query_classification(query: str, kind: str, letters: str) -> None:
    q = query_terms(query)
    assert (q.kind, q.letters) == (kind, letters)
    assert q.empty == (kind == "empty")


def test_chinese_query_is_segmented() -> None:
    assert query_terms("企业备案").tokens == ("企业", "备案")
    assert query_terms("  （备案） ").tokens == ("备案",)


# --- score -----------------------------------------------------------------------------------


def test_score_bands_for_one_name(project: SearchTerms) -> None:
    ladder = [
        PROJECT,  # exact name
        "企业投资项目备案",  # contained
        "企业备案",  # every word found
        "qiyetouzi",  # full pinyin from the start
        "touzixiangmu",  # full pinyin from a syllable
        "qytz",  # initials from the start
        "tzxm",  # initials from a word start
        "qyba",  # word by word: qy (企业) + ba (备案)
        "投资备案火车",  # some words found
        "yzm",  # initials scattered: ye, zi, mu
    ]
    scores = [s(q, project) for q in ladder]
    assert scores[0] == EXACT
    assert all(a > b > 0 for a, b in zip(scores, scores[1:], strict=False)), scores


@pytest.mark.parametrize("query", ["火车", "huoche", "zzz", "qybt", "", "（）", "y", "icp"])
def test_no_match_scores_zero(project: SearchTerms, query: str) -> None:
    assert s(query, project) == 0.0


@pytest.mark.parametrize("query", ["qybx", "qiyebeian", "qiyeba", "qybeian", "jsgz", "gaizao", "gz",
                                   "xianji", "beian", "qiyetouzixiangmubeianjishugaizaoshiji"])
def test_pinyin_variants_match(project: SearchTerms, query: str) -> None:
    assert s(query, project) > 0


def test_full_pinyin_of_the_whole_name_beats_a_prefix(project: SearchTerms) -> None:
    assert s(project.pinyin, project) > s("qiyetouzi", project)


def test_shorter_names_rank_higher_within_a_band() -> None:
    short, long_ = index_terms("企业投资项目备案"), index_terms(PROJECT)
    for query in ("备案", "qiyetouzi", "qytz"):
        assert s(query, short) > s(query, long_) > 0


def test_letters_in_the_name_match_as_text() -> None:
    terms = index_terms("ICP备案")
    assert s("icp", terms) >= 70
    assert s("ICP备案", terms) == EXACT


def test_empty_query_scores_zero(project: SearchTerms) -> None:
    assert score(QueryTerms("", "empty", (), ""), project) == 0.0


def test_rank_orders_and_limits() -> None:
    names = ["企业投资项目备案（技术改造）（市级/县级）", "企业投资项目备案", "社会保障卡挂失",
             "合伙企业备案"]
    candidates = [(n, index_terms(n)) for n in names]
    ranked = rank("企业投资项目备案", candidates)
    assert [k for k, _ in ranked] == ["企业投资项目备案", PROJECT, "合伙企业备案"]
    assert ranked[0][1] == EXACT
    assert rank("企业投资项目备案", candidates, limit=1) == ranked[:1]
    assert rank("火车", candidates) == []


# --- the real Guang'an catalogue ------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> list[tuple[str, SearchTerms]]:
    with CATALOGUE.open(encoding="utf-8", newline="") as fh:
        names = [r["name"] for r in csv.DictReader(fh)]
    return [(n, index_terms(n)) for n in names]


def names_of(query: str, catalogue: list[tuple[str, SearchTerms]]) -> list[str]:
    return [str(k) for k, _ in rank(query, catalogue)]


def test_qyba_finds_the_investment_filing(catalogue: list[tuple[str, SearchTerms]]) -> None:
    found = names_of("qyba", catalogue)
    assert PROJECT in found and "企业投资项目备案" in found
    # every hit spells q, y, b, a in this order in its pinyin; "ba" may begin a syllable
    # (企业社会保险登记: qy + ba(o)), so the initials alone need not contain all four
    by_name = dict(catalogue)
    for name in found:
        letters = iter(by_name[name].pinyin)
        assert all(ch in letters for ch in "qyba"), name
    assert "企业社会保险登记" in found
    assert "社会保障卡挂失" not in found
    # names where 企业 and 备案 are adjacent (合伙企业备案) come before the spread-out ones
    assert found.index("合伙企业备案") < found.index("企业投资项目备案")


def test_beian_finds_every_filing(catalogue: list[tuple[str, SearchTerms]]) -> None:
    found = names_of("备案", catalogue)
    assert PROJECT in found
    expected = {n for n, _ in catalogue if "备案" in n}
    assert set(found) == expected and len(found) == len(expected) > 100
    assert all(score(query_terms("备案"), t) >= 70 for n, t in catalogue if n in expected)


def test_jianzhu_finds_building_items(catalogue: list[tuple[str, SearchTerms]]) -> None:
    found = names_of("建筑", catalogue)
    assert "建筑工程施工许可证核发" in found
    assert "城市建筑物、设施上张挂、张贴宣传品审批" in found
    assert all("建筑" in n for n in found)
    # the full pinyin finds them too (and homophones such as 监督/建筑 would not spoil it)
    by_pinyin = names_of("jianzhu", catalogue)
    assert set(found) <= set(by_pinyin)


def test_exact_name_ranks_first(catalogue: list[tuple[str, SearchTerms]]) -> None:
    for name in ("企业投资项目备案", "社会保障卡挂失", "职业介绍", PROJECT):
        ranked = rank(name, catalogue)
        assert ranked[0] == (name, EXACT)
        assert ranked[1][1] < EXACT


def test_initials_of_a_common_term(catalogue: list[tuple[str, SearchTerms]]) -> None:
    top = names_of("shbzk", catalogue)[:10]
    assert len(top) == 10 and all(n.startswith("社会保障卡") for n in top)


def test_indexing_is_deterministic(catalogue: list[tuple[str, SearchTerms]]) -> None:
    for name, terms in catalogue[:50]:
        assert index_terms(name) == terms
