"""The office's own rules, without a database or a node."""

from __future__ import annotations

import pytest
from realestate.domain import (
    ACTIONS,
    DomainError,
    PlatformState,
    check_applicant,
    check_certificate,
    check_unit_number,
    next_status,
)
from realestate.settings import Settings, SettingsError

UNIT = "511602001001GB00012F00010001"


def test_the_clerks_steps_follow_the_offices_flow() -> None:
    status = "received"
    for step in ("accept", "review", "record", "issue"):
        status = next_status(status, step)
    assert status == "issued"
    assert next_status("reviewed", "refuse") == "refused"
    assert next_status("refused", "issue") == "issued"


@pytest.mark.parametrize(("status", "step", "allowed"), [
    ("received", "record", "受理"), ("accepted", "accept", "审核"),
    ("reviewed", "issue", "登簿、不予登记"), ("issued", "accept", "已办结")])
def test_a_step_out_of_order_is_refused_saying_what_may_be_done(status, step, allowed) -> None:
    with pytest.raises(DomainError) as refused:
        next_status(status, step)
    assert refused.value.code == "STEP_OUT_OF_ORDER"
    assert allowed in refused.value.message


def test_an_unknown_step_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        next_status("received", "stamp")
    assert refused.value.code == "UNKNOWN_STEP"


def test_unit_numbers_are_checked_and_kept_to_the_region() -> None:
    assert check_unit_number(" 511602001001gb00012f00010001 ", "511602") == UNIT
    with pytest.raises(DomainError) as short:
        check_unit_number("511602001001GB00012F0001", "511602")
    assert short.value.code == "BAD_UNIT_NUMBER" and "28位" in short.value.message
    with pytest.raises(DomainError) as elsewhere:
        check_unit_number("511603001001GB00012F00010001", "511602")
    assert elsewhere.value.code == "UNIT_OUT_OF_REGION"


def test_applicants_are_checked_to_the_check_character() -> None:
    assert check_applicant(" 张三 ", "11010519491231002x") == (
        "张三", "id_card", "11010519491231002X")
    assert check_applicant("广安市某某置业有限公司", "91511602MA6C5K8R4C")[1] == "credit_code"
    for bad in ("110105194912310021", "110105194913310020", "91511602MA6C5K8R4D", "12345"):
        with pytest.raises(DomainError) as refused:
            check_applicant("张三", bad)
        assert refused.value.code == "BAD_ID_NUMBER", bad
    with pytest.raises(DomainError) as unnamed:
        check_applicant("  ", "11010519491231002X")
    assert unnamed.value.code == "BAD_APPLICANT_NAME"


def test_a_certificate_number_is_one_line() -> None:
    assert check_certificate(" 川（2026）广安区不动产权第0000123号 ") == (
        "川（2026）广安区不动产权第0000123号")
    for bad in ("", "川（2026）\n第1号"):
        with pytest.raises(DomainError):
            check_certificate(bad)


def test_an_action_is_ready_when_the_platforms_case_is() -> None:
    unknown = PlatformState()
    submitted = PlatformState("511602202611020000001", "CASE_STATUS_SUBMITTED", {"accept": "s1"})
    reviewing = PlatformState("511602202611020000001", "CASE_STATUS_IN_PROGRESS",
                              {"review": "s2"})
    assert not ACTIONS["accept"].ready(unknown)
    assert ACTIONS["accept"].ready(submitted) and not ACTIONS["accept"].ready(reviewing)
    assert ACTIONS["review"].ready(reviewing) and not ACTIONS["review"].ready(submitted)
    assert not ACTIONS["approve"].ready(reviewing)
    assert ACTIONS["approve"].ready(PlatformState("n", "CASE_STATUS_IN_PROGRESS",
                                                  {"record": "s3"}))
    assert ACTIONS["complete"].ready(PlatformState("n", "CASE_STATUS_PUBLISHED"))


def test_settings_are_read_from_the_environment_and_checked() -> None:
    settings = Settings.from_env({"REALESTATE_ITEM_ID": "item-1", "REALESTATE_REGION": "511602",
                                  "REALESTATE_SUNLIGHT_URL": "http://127.0.0.1:8080",
                                  "REALESTATE_TOKEN": "t", "REALESTATE_AMQP_URL": "amqp://h/"})
    assert (settings.queue, settings.need_item()) == ("realestate-511602", "item-1")
    assert settings.need_node() == ("http://127.0.0.1:8080", "t", "amqp://h/")
    with pytest.raises(SettingsError, match="REALESTATE_REGION"):
        Settings.from_env({"REALESTATE_REGION": "5116"})
    with pytest.raises(SettingsError, match="REALESTATE_ITEM_ID"):
        Settings.from_env({}).need_item()
    with pytest.raises(SettingsError, match="REALESTATE_AMQP_URL"):
        Settings.from_env({"REALESTATE_SUNLIGHT_URL": "http://h", "REALESTATE_TOKEN": "t"}
                          ).need_node()


def test_a_token_file_is_read_before_every_call(tmp_path) -> None:
    path = tmp_path / "token"
    path.write_text("first\n")
    _url, token, _amqp = Settings.from_env({
        "REALESTATE_SUNLIGHT_URL": "http://h", "REALESTATE_TOKEN_FILE": str(path),
        "REALESTATE_AMQP_URL": "amqp://h/"}).need_node()
    assert callable(token) and token() == "first"
    path.write_text("second")
    assert token() == "second"
