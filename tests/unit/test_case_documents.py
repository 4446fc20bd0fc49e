"""Documents' kinds, wording, numbers and hash (the pure part): every kind declared once with
its fields, required fields refused when missing, the rights notice where the law requires it,
numbers per department word, kind and year, the content's hash over its canonical form."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from services.cases.domain.documents import (
    APPLICATION_KINDS,
    KINDS,
    Draft,
    Issuer,
    abbreviation,
    application_drafts,
    check_fields,
    compose_content,
    content_bytes,
    content_hash,
    document_number,
    localised_department,
    may_issue,
)
from services.cases.domain.engine import (
    Accept,
    Actor,
    CompleteStep,
    Decide,
    Reject,
    RequestSupplement,
    Submit,
    decide,
    evolve,
    fold,
)
from services.cases.domain.flow import Mode
from services.cases.domain.model import Case, CaseEvent, Channel, ClockRestarted
from services.shared.errors import InvalidArgument
from services.shared.working_days import WorkingCalendar
from tests.support.cases import APPLICANT, item
from tests.support.documents import ISSUER, sample_fields

AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def test_every_kind_is_declared_once_with_a_title_word_and_fields() -> None:
    titles = {k.title for k in KINDS.values()}
    assert {"受理通知书", "补正通知书", "不予受理决定书", "行政许可决定书", "立案审批表",
            "行政处罚事先告知书", "听证通知书", "行政处罚决定书", "送达回证"} <= titles
    assert len(titles) == len(KINDS)
    assert len({k.word for k in KINDS.values()}) == len(KINDS)  # numbers never collide
    assert set(APPLICATION_KINDS) == {"acceptance_notice", "supplement_notice",
                                      "rejection_decision", "licence_decision",
                                      "licence_refusal"}
    for kind in KINDS.values():
        assert kind.fields and kind.layout in ("letter", "form")
        assert not kind.rights or "reconsideration_body" in {f.key for f in kind.fields}


@pytest.mark.parametrize("key", sorted(KINDS))
def test_every_kind_composes_its_fields_into_what_it_prints(key: str) -> None:
    kind = KINDS[key]
    content = compose_content(kind, document_id="d4", case_number="511602202611300000001",
                              issuer=ISSUER, addressee="张三", fields=sample_fields(key),
                              serial=12, issued_at=AT)
    assert content["title"] == kind.title
    assert content["number"] == f"区发改{kind.word}〔2026〕12号"
    assert content["date_text"] == "2026年11月30日"
    printed = "".join(content["paragraphs"]) + "".join(v for _, v in content["rows"])
    assert printed
    if kind.rights:  # 行政复议 within 60 days, 行政诉讼 within 6 months
        assert "六十日内向广安市广安区人民政府申请行政复议" in printed
        assert "六个月内依法向人民法院提起行政诉讼" in printed
    else:
        assert "行政复议" not in printed
    if kind.layout == "form":
        labels = [label for label, _ in content["rows"]]
        assert labels[:len(kind.fields)] == [f.label for f in kind.fields]


def test_a_required_field_missing_an_unknown_one_or_a_wrong_type_is_refused() -> None:
    kind = KINDS["penalty_decision"]
    fields = sample_fields("penalty_decision")
    with pytest.raises(InvalidArgument, match="fields.facts"):
        check_fields(kind, {k: v for k, v in fields.items() if k != "facts"})
    with pytest.raises(InvalidArgument, match="fields.colour"):
        check_fields(kind, {**fields, "colour": "红"})
    with pytest.raises(InvalidArgument, match="a list of texts"):
        check_fields(kind, {**fields, "evidence": "现场检查笔录"})
    with pytest.raises(InvalidArgument, match="control"):
        check_fields(kind, {**fields, "facts": "a\x00b"})
    # optional fields may be left out; blank entries of lists are dropped
    checked = check_fields(kind, {**fields, "party_id": "", "evidence": ["笔录", " "]})
    assert "party_id" not in checked and checked["evidence"] == ["笔录"]


def test_numbers_and_department_words() -> None:
    assert abbreviation("区发展改革局") == "区发改"
    assert abbreviation("区发展和改革局") == "区发改"
    assert abbreviation("市市场监督管理局") == "市市监"
    assert abbreviation("区行政审批局") == "区审批"
    assert abbreviation("县档案馆") == "县档案馆"
    assert document_number("区发改", KINDS["acceptance_notice"], 2026, 12) == "区发改受〔2026〕12号"
    assert localised_department("区发展改革局", "广安区") == "广安区发展改革局"
    assert localised_department("广安区发展改革局", "广安区") == "广安区发展改革局"


def test_the_hash_is_sha256_of_the_canonical_form_and_changes_with_any_word() -> None:
    content = compose_content(KINDS["acceptance_notice"], document_id="d4",
                              case_number="n", issuer=ISSUER, addressee="张三",
                              fields=sample_fields("acceptance_notice"), serial=1, issued_at=AT)
    assert content_hash(content) == hashlib.sha256(content_bytes(content)).hexdigest()
    assert content_bytes(content) == content_bytes(dict(reversed(list(content.items()))))
    changed = {**content, "addressee": "李四"}
    assert content_hash(changed) != content_hash(content)


def _case(item_type: str = "01") -> tuple[Case, Actor]:
    snapshot = replace(item(), item_type=item_type, legal_basis=("《某某条例》第十条",),
                       separate_acceptance_and_decision=False)
    actor = Actor("clerk-1", ("511602",), snapshot.department, frozenset({"clerk", "chief"}),
                  admin=True)
    history = decide(None, Submit("N1", "511602", snapshot, Mode.PROMISED, APPLICANT,
                                  Channel.COUNTER, (("form", 1, 0),)), actor, AT)
    return fold(history), actor


def _after(case: Case, command: object, actor: Actor) -> tuple[Case, CaseEvent]:
    events = decide(case, command, actor, AT, WorkingCalendar.official())
    for event in events:
        case = evolve(case, event)
    return case, events[0]


def test_the_application_engine_issues_its_documents_from_its_events() -> None:
    case, actor = _case()
    accepted, event = _after(case, Accept("齐全"), actor)
    (draft,) = application_drafts(accepted, event, ISSUER)
    assert draft.kind == "acceptance_notice" and draft.addressee == "张三"
    assert draft.fields["basis"] == "《中华人民共和国行政许可法》第三十二条第一款第（五）项"
    assert draft.fields["limit"] == "受理之日起10个工作日"
    asked, event = _after(case, RequestSupplement(("form",), date(2026, 12, 10)), actor)
    (draft,) = application_drafts(asked, event, ISSUER)
    assert draft.kind == "supplement_notice" and draft.fields["missing"] == ["申请表"]
    assert draft.fields["due_on"] == "2026-12-10"
    rejected, event = _after(case, Reject("不属于本机关职权范围", "NOT_IN_SCOPE"), actor)
    (draft,) = application_drafts(rejected, event, ISSUER)
    assert draft.kind == "rejection_decision"
    assert draft.fields["reconsideration_body"] == "广安市广安区人民政府"
    running = accepted
    while not any(i.key == "decide" for i in running.active):
        running, _ = _after(running, CompleteStep(running.active[0].instance_id, "同意"), actor)
    for outcome, kind in (("approve", "licence_decision"), ("refuse", "licence_refusal")):
        decided, event = _after(running, Decide(outcome, "理由", ("《某某条例》第十条",)), actor)
        (draft,) = application_drafts(decided, event, ISSUER)
        assert draft.kind == kind and draft.fields["basis"] == ["《某某条例》第十条"]
    # events that issue nothing, and a decision on an item that is not a licence
    claimed_events = application_drafts(running, ClockRestarted(AT, "x"), ISSUER)
    assert claimed_events == []
    # which events may issue one is known before the issuer is looked up
    assert not may_issue(running, ClockRestarted(AT, "x"))
    for command in (Accept("齐全"), Reject("x", "NOT_IN_SCOPE"),
                    RequestSupplement(("form",), date(2026, 12, 10))):
        after, event = _after(case, command, actor)
        assert may_issue(after, event) and application_drafts(after, event, ISSUER)
    step, event = _after(accepted, CompleteStep(accepted.active[0].instance_id, "同意"), actor)
    assert not may_issue(step, event) and application_drafts(step, event, ISSUER) == []
    other = replace(running, item=replace(running.item, item_type="07"))
    decided, event = _after(other, Decide("approve", "理由"), actor)
    assert application_drafts(decided, event, ISSUER) == []
    # not a licence: the acceptance notice cites the item's own legal basis
    other_case, _ = _case("07")
    accepted, event = _after(other_case, Accept(), actor)
    assert application_drafts(accepted, event, ISSUER)[0].fields["basis"] == "《某某条例》第十条"


def test_issuer_is_a_plain_key() -> None:
    issuer = Issuer("511602", "区发展改革局", "广安区发展改革局", "区发改", "广安市广安区人民政府")
    draft = Draft("acceptance_notice", "张三", sample_fields("acceptance_notice"))
    content = compose_content(KINDS[draft.kind], document_id="d1", case_number="n",
                              issuer=issuer, addressee=draft.addressee, fields=draft.fields,
                              serial=3, issued_at=AT)
    assert (content["region"], content["department"], content["issuer"]) == (
        "511602", "区发展改革局", "广安区发展改革局")
