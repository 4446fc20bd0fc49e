"""What one audit record holds (审计记录 · 登录审计): numbers masked, never a password, a view
for every call, the channel from the node's own front ends, the node that asserted a reader
from elsewhere, bounded lengths; and a sign-in refusal's outcome code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.cases import audit
from services.hall import sign_in_audit as sia
from services.hall.identity import Kind
from services.shared.auth import Principal
from services.shared.channels import CHANNEL_HEADER, ChannelSeal
from services.shared.masking import derived_key, mask_number, mask_subject

AT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
KEY = audit.reader_key("ed25519:not-a-real-key")
CLERK = Principal("li.clerk", ("clerk",), ("511602",), "11511302MB1234567X", "李经办",
                  department_name="区发展改革局")


def test_identity_numbers_are_masked_to_their_region_and_last_four() -> None:
    assert mask_number("511602199001011236") == "511602********1236"
    assert mask_number("wang") == "w**g" and mask_number("ab") == "**"
    assert mask_subject("id_card:511602199001011236") == "id_card:511602********1236"
    assert mask_subject("credit_code:11511302MB1234567X") == "credit_code:115113********567X"
    assert mask_subject("li.clerk") == "li.clerk"


def test_a_record_names_who_what_and_how() -> None:
    token = audit.channel.set("http")
    try:
        row = audit.record(CLERK, "51160220261130000001", "511602", AT, "GetDocument",
                           "  ", key=KEY, target="d5")
    finally:
        audit.channel.reset(token)
    assert {k: row[k] for k in ("subject", "roles", "regions", "department_code", "view",
                                "target", "channel", "purpose", "own", "region",
                                "asserted_by")} == {
        "subject": "li.clerk", "roles": "clerk", "regions": "511602",
        "department_code": "11511302MB1234567X", "view": "document", "target": "d5",
        "channel": "http", "purpose": "GetDocument", "own": False, "region": "511602",
        "asserted_by": ""}


def test_an_applicants_own_read_is_masked_and_a_visitor_names_its_node() -> None:
    person = Principal("id_card:511602199001011236", ("public",), ("511602",), name="张三")
    row = audit.record(person, "n", "511602", AT, "GetCase", key=KEY, own=True)
    assert row["subject"] == "id_card:511602********1236" and row["own"]
    assert "199001011236" not in repr(row)
    # keyed in full: the number (bare, prefixed, any case) finds it, another number does not
    assert row["subject_key"] in audit.subject_keys(KEY, "511602199001011236")
    assert row["subject_key"] in audit.subject_keys(KEY, " id_card:511602199001011236 ")
    assert row["subject_key"] not in audit.subject_keys(KEY, "511602199001011252")
    assert row["subject_key"] not in audit.subject_keys(audit.reader_key("other"),
                                                        "511602199001011236")
    assert audit.subject_keys(KEY, "") == []
    visitor = Principal("sup-city", ("supervisor",), ("511600",), asserted_by="511600")
    row = audit.record(visitor, "n", "511602", AT, "GetTrace", key=KEY,
                       via="gateway_grpc")
    assert (row["channel"], row["asserted_by"], row["view"]) == ("federation", "511600",
                                                                  "trace")


def test_views_and_lengths_are_bounded() -> None:
    with pytest.raises(ValueError, match="unknown view"):
        audit.record(CLERK, "n", "511602", AT, "GetCase", key=KEY, view="everything")
    long = Principal("x" * 300, ("clerk",), ("511602",), name="名" * 300)
    row = audit.record(long, "n", "511602", AT, "GetCase", "为" * 500, key=KEY,
                       target="f" * 300)
    assert (len(row["subject"]), len(row["name"]), len(row["purpose"]),
            len(row["target"])) == (128, 200, 200, 100)
    assert row["view"] == "detail" and audit.record(
        CLERK, "n", "511602", AT, "GetCase", key=KEY, view=audit.MATERIAL,
        target="ab")["view"] == (
        "material")


def test_both_audits_derive_their_own_key_from_the_nodes_by_one_mechanism() -> None:
    node_key = "ed25519:not-a-real-key"
    hall, cases = sia.audit_key(node_key), audit.reader_key(node_key)
    assert hall != cases and len(hall) == len(cases) == 32
    assert hall == derived_key(node_key, "sunlight hall sign-in audit v1")
    assert cases == derived_key(node_key, "sunlight case-read audit v1")


def test_the_channel_is_what_a_front_end_named_and_sealed_else_grpc() -> None:
    seal = ChannelSeal("ed25519:not-a-real-key")
    sealed = [("authorization", "Bearer x"), *seal.metadata("hall", "Bearer x")]
    assert seal.channel_of(sealed) == "hall"
    # an anonymous call through a front end: sealed for no authorization
    assert seal.channel_of(seal.metadata("federation", None)) == "federation"
    # named without a seal, as anyone at the service's port could: grpc
    assert seal.channel_of([("authorization", "Bearer x"), (CHANNEL_HEADER, "hall")]) == "grpc"
    # the seal of another call (another token), another channel, another node's key
    assert seal.channel_of([("authorization", "Bearer y"), *sealed[1:]]) == "grpc"
    assert seal.channel_of([("authorization", "Bearer x"), (CHANNEL_HEADER, "http"),
                            sealed[2]]) == "grpc"
    other = ChannelSeal("ed25519:another-key")
    assert other.channel_of(sealed) == "grpc"
    assert seal.channel_of([("authorization", "Bearer x"),
                            *seal.metadata("made-up", "Bearer x")]) == "grpc"
    assert seal.channel_of(None) == "grpc" and seal.channel_of([]) == "grpc"


def test_sign_in_outcomes_tell_apart_what_the_person_is_told_alike() -> None:
    assert sia.outcome_of("BAD_CREDENTIALS", "UNKNOWN_ACCOUNT") == sia.UNKNOWN_ACCOUNT
    assert sia.outcome_of("BAD_CREDENTIALS", "WRONG_PASSWORD") == sia.WRONG_PASSWORD
    assert sia.outcome_of("TOO_MANY_ATTEMPTS") == sia.RATE_LIMITED
    assert sia.outcome_of("INVALID_LOGIN") == sia.INVALID_LOGIN
    assert sia.outcome_of("SIGN_IN_UNAVAILABLE") == sia.UNAVAILABLE
    assert set(sia.OUTCOMES) == set(sia.OUTCOME_WORDS)


def test_a_sign_in_row_holds_no_password_nor_full_number() -> None:
    store = sia.SignInAudit(db=None, key=sia.audit_key("node-key"),  # type: ignore[arg-type]
                            clock=lambda: AT)
    row = store.row("sign_in", Kind.PERSON, sia.WRONG_PASSWORD, " 511602199001011236 ",
                    "203.0.113.9", "Mozilla/5.0\x00\n" + "x" * 500)
    assert row["account"] == "511602********1236"
    assert "199001" not in repr(row)
    assert len(row["user_agent"]) == sia.MAX_USER_AGENT and "\x00" not in row["user_agent"]
    # the same account typed with blanks is one key; another kind is another key
    assert row["account_key"] == store.account_key(Kind.PERSON, "511602199001011236")
    assert row["account_key"] != store.account_key(Kind.ENTERPRISE, "511602199001011236")
    # a login that names no account may be anything typed — a password in the wrong field:
    # nothing of it is shown, only its HMAC is kept
    for outcome, login in ((sia.UNKNOWN_ACCOUNT, "hunter2secret"),
                           (sia.INVALID_LOGIN, "P@ss w0rd\nforged log line"),
                           (sia.WRONG_PASSWORD, "51160219900101123X")):  # a wrong check digit
        typed = store.row("sign_in", Kind.STAFF if "hunter" in login else Kind.PERSON,
                          outcome, login, "", "")
        assert typed["account"] == sia.NOT_AN_ACCOUNT, login
        assert typed["account_key"] and login not in repr(typed)
    assert store.row("sign_in", Kind.STAFF, sia.OK, "Wang.JC", "", "")["account"] == "wang.jc"
    assert store.row("sign_in", Kind.STAFF, sia.OK, "", "", "")["account_key"] == ""


def test_the_gateway_sets_the_channel_a_caller_cannot() -> None:
    from gateway.grpc_proxy import _forwarded  # noqa: PLC0415

    seal = ChannelSeal("ed25519:not-a-real-key")
    sent = [("authorization", "Bearer t"), *seal.metadata("hall", "Bearer t"),
            ("x-other", "1")]
    forwarded = _forwarded(sent, seal)
    assert forwarded == [("authorization", "Bearer t"),
                         *seal.metadata("gateway_grpc", "Bearer t")]
    assert seal.channel_of(forwarded) == "gateway_grpc"
    # a gateway without the node's key names no channel: the service records grpc
    assert _forwarded(sent, None) == [("authorization", "Bearer t")]


def test_the_applicant_sees_a_material_download_as_such() -> None:
    from sunlight.cases.v1 import cases_pb2  # noqa: PLC0415

    from services.hall.track import access_view  # noqa: PLC0415

    entry = cases_pb2.CaseAccess(subject="li.clerk", name="李经办", roles="clerk",
                                 call="GetCase", purpose="GetCase", view="material")
    assert access_view(entry).what == "下载申请材料"
    entry.view = "detail"
    assert access_view(entry).what == "查看办件"
