"""The office on its own SQLite database against a scripted node: counter work commits while
the node is away, is delivered in order once it is back, each step reported when the
platform's case is ready for it; the node's answers and events keep the platform status;
refusals are parked and shown."""

from __future__ import annotations

import pytest
from realestate import cli, db
from realestate.domain import DomainError
from realestate.office import Office
from realestate.settings import Settings
from sqlalchemy import func, select
from sunlight_adapter import EventConsumer, Outcome, Relay
from sunlight_adapter.store import outbox as outbox_table

from tests.reference.fake_node import FakeNode

UNIT = "511602001001GB00012F00010001"
PERSON = "11010519491231002X"


@pytest.fixture
def office(tmp_path) -> Office:
    return Office(Settings(database_url=f"sqlite:///{tmp_path / 'bdc.db'}", item_id="item-1"))


@pytest.fixture
def node() -> FakeNode:
    return FakeNode()


def relay_of(office: Office, node: FakeNode) -> Relay:
    # no backoff between passes: each pass tries the oldest pending request again
    return Relay(office.outbox, node.client(), on_delivered=office.on_delivered,
                 base_delay_s=0.0, max_delay_s=0.0)


def drain(relay: Relay, passes: int = 20) -> None:
    for _ in range(passes):
        report = relay.deliver_pending()
        if not report.delivered and not report.parked:
            return


def test_the_counter_commits_its_row_and_the_submission_together(office) -> None:
    number = office.receive("transfer", "张三", PERSON, UNIT, clerk="王芳")
    assert number.startswith("BDC-") and number.endswith("-000001")
    (entry,) = office.outbox.pending()
    assert entry.idempotency_key == number and entry.kind == "submit"
    assert entry.request.applicant.id_type == "id_card" and entry.request.channel == "system"
    assert office.receive("mortgage", "李四", "91511602MA6C5K8R4C", UNIT).endswith("-000002")
    # a refused input leaves neither a row nor a request behind
    with pytest.raises(DomainError):
        office.receive("transfer", "张三", "110105194912310021", UNIT)
    with pytest.raises(DomainError):
        office.receive("gift", "张三", PERSON, UNIT)
    with office.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(db.registrations)
                                  ).scalar() == 2
        assert connection.execute(select(func.count()).select_from(outbox_table)).scalar() == 2


def test_an_application_numbered_before_keeps_its_number_as_the_key(office) -> None:
    assert office.receive("first", "张三", PERSON, UNIT, number=" WEB-2026-7 ") == "WEB-2026-7"
    (entry,) = office.outbox.pending()
    assert entry.idempotency_key == "WEB-2026-7" and entry.kind == "submit"
    with pytest.raises(DomainError) as taken:
        office.receive("first", "李四", PERSON, UNIT, number="WEB-2026-7")
    assert taken.value.code == "NUMBER_TAKEN"
    for bad in ("", "-x", "a b", "x" * 33):
        with pytest.raises(DomainError) as refused:
            office.receive("first", "李四", PERSON, UNIT, number=bad)
        assert refused.value.code == "BAD_NUMBER"
    # the counter's own numbering goes on beside it
    assert office.receive("first", "李四", PERSON, UNIT).endswith("-000001")
    assert len(office.outbox.pending()) == 2


def test_work_done_while_the_node_is_away_is_delivered_in_order_once_it_is_back(
        office, node) -> None:
    relay = relay_of(office, node)
    node.down = True
    first = office.receive("transfer", "张三", PERSON, UNIT)
    second = office.receive("first", "李四", "91511602MA6C5K8R4C", UNIT)
    office.record(first, "accept", clerk="王芳", opinion="材料齐全")
    office.record(first, "review", clerk="刘洋", opinion="权属清楚")
    report = relay.deliver_pending()
    assert (report.delivered, report.failed, report.stopped) == (0, 1, True)
    listed = {r.number: r for r in office.registrations()}
    assert listed[first].status == "reviewed" and listed[first].platform_status == ""
    assert (listed[first].pending, listed[first].waiting) == (1, 2)

    node.down = False
    drain(relay)
    sent = [(b["idempotency_key"], "submit" if "item_id" in b else
             next(k for k in b if k != "idempotency_key")) for b in node.received]
    assert sent == [(first, "submit"), (second, "submit"), (f"{first}-accept", "accept"),
                    (f"{first}-review", "complete_step")]
    listed = {r.number: r for r in office.registrations()}
    assert listed[first].case_number and listed[second].case_number
    assert listed[first].platform_status == "CASE_STATUS_IN_PROGRESS"
    assert (listed[first].pending, listed[first].waiting) == (0, 0)
    assert listed[second].platform_status == "CASE_STATUS_SUBMITTED"
    assert node.cases[listed[first].case_number].at == 2  # at 登簿 now

    office.record(first, "record", certificate="川（2026）广安区不动产权第0000123号")
    office.record(first, "issue")
    drain(relay)
    case = node.cases[listed[first].case_number]
    assert case.status == "CASE_STATUS_COMPLETED"
    done = office.get(first)
    assert (done.status, done.platform_status, done.certificate) == (
        "issued", "CASE_STATUS_COMPLETED", "川（2026）广安区不动产权第0000123号")
    assert [s["delivery"] for s in office.steps_of(first)] == ["delivered"] * 5
    keys = [b["idempotency_key"] for b in node.received]
    assert len(keys) == len(set(keys)), "a request was sent twice"


def test_events_keep_the_platform_status_and_release_waiting_steps(office, node) -> None:
    consumer = EventConsumer("amqp://guest:guest@broker.test:5672/%2F", "realestate-511602",
                             ["case.#.511602"], office.on_event, office.engine)
    relay = relay_of(office, node)
    number = office.receive("change", "张三", PERSON, UNIT)
    drain(relay)
    case_number = office.get(number).case_number
    # the case accepted at the platform's window (not through the office): the office learns
    # it from the event, and its review goes out on the review step the event names
    office.record(number, "accept")
    entries = office.outbox.pending()
    assert [e.idempotency_key for e in entries] == [f"{number}-accept"]
    node.down = True
    node.cases[case_number].status, node.cases[case_number].at = "CASE_STATUS_IN_PROGRESS", 1
    node.cases[case_number].sequence = 2
    accepted = node.event(case_number, "case.accepted", "e-2")
    assert consumer.handle(accepted, "case.accepted.510000.511600.511602") is Outcome.HANDLED
    assert consumer.handle(accepted, "case.accepted.510000.511600.511602") is (
        Outcome.DUPLICATE)
    assert office.get(number).platform_status == "CASE_STATUS_IN_PROGRESS"
    # an older event arriving late changes nothing
    stale = node.event(case_number, "case.submitted", "e-1").replace(
        b'"sequence": "2"', b'"sequence": "1"').replace(b"IN_PROGRESS", b"SUBMITTED")
    assert consumer.handle(stale, "case.submitted.510000.511600.511602") is Outcome.HANDLED
    assert office.get(number).platform_status == "CASE_STATUS_IN_PROGRESS"
    # events of cases that are not the office's are not its business
    other = node.event(case_number, "case.accepted", "e-3").replace(
        case_number.encode(), b"511602202611029999999")
    assert consumer.handle(other, "case.accepted.510000.511600.511602") is Outcome.HANDLED


def test_a_refusal_is_parked_shown_and_requeued(office, node) -> None:
    relay = relay_of(office, node)
    number = office.receive("transfer", "张三", PERSON, UNIT)
    office.record(number, "accept")
    node.refuse["accept"] = (422, "MATERIALS_INCOMPLETE")
    drain(relay)
    shown = office.get(number)
    assert shown.refused == ((f"{number}-accept", "MATERIALS_INCOMPLETE", "refused"),)
    assert office.steps_of(number)[0]["delivery"] == "parked"
    # the clerk's next step waits behind the refused one
    office.record(number, "review")
    drain(relay)
    assert office.get(number).waiting == 1
    del node.refuse["accept"]
    assert office.outbox.requeue(f"{number}-accept")
    drain(relay)
    assert office.get(number).refused == () and office.get(number).waiting == 0
    assert [s["delivery"] for s in office.steps_of(number)] == ["delivered", "delivered"]


def test_a_numbered_registrations_requests_are_shown_as_its_own(office, node) -> None:
    relay = relay_of(office, node)
    # numbers not of the counter's form, one the beginning of the other
    number = office.receive("transfer", "张三", PERSON, UNIT, number="WEB-7")
    other = office.receive("first", "李四", PERSON, UNIT, number="WEB-7-2")
    drain(relay)
    node.down = True
    office.record(number, "accept")
    shown = office.get(number)
    assert (shown.pending, shown.waiting, shown.refused) == (1, 0, ())
    assert office.get(other).pending == 0
    assert {r.number: r.pending for r in office.registrations()} == {number: 1, other: 0}
    node.down = False
    node.refuse["accept"] = (422, "MATERIALS_INCOMPLETE")
    drain(relay)
    shown = office.get(number)
    assert shown.pending == 0
    assert shown.refused == ((f"{number}-accept", "MATERIALS_INCOMPLETE", "refused"),)
    assert office.get(other).refused == ()


def test_the_command_line(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("REALESTATE_DATABASE_URL", f"sqlite:///{tmp_path / 'bdc.db'}")
    monkeypatch.setenv("REALESTATE_ITEM_ID", "item-1")
    assert cli.main(["receive", "--kind", "transfer", "--applicant", "张三", "--id-number",
                     PERSON, "--unit", UNIT, "--clerk", "王芳"]) == 0
    out, err = capsys.readouterr()
    number = out.strip()
    assert number.startswith("BDC-") and "已收件" in err
    assert cli.main(["record", number, "--certificate", "川（2026）广安区不动产权第1号"]) == 1
    assert "STEP_OUT_OF_ORDER" in capsys.readouterr().err
    assert cli.main(["accept", number, "--opinion", "材料齐全"]) == 0
    assert "已受理" in capsys.readouterr().out
    assert cli.main(["list"]) == 0
    listed = capsys.readouterr().out
    assert number in listed and "未送达平台（待发送 2）" in listed
    assert cli.main(["run"]) == 2
    assert "REALESTATE_SUNLIGHT_URL" in capsys.readouterr().err
    assert cli.main(["demo-item"]) == 0
    assert '"acceptor_may_decide": true' in capsys.readouterr().out
