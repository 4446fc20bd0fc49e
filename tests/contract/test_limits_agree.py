"""The limits the contracts state (buf.validate options in protos/) and the limits the domain
code enforces are the same numbers: where one changes, this test fails until the other does."""

from __future__ import annotations

import re

import pytest
from buf.validate import validate_pb2
from google.protobuf.descriptor import Descriptor
from sunlight.cases.v1 import cases_pb2
from sunlight.catalogue.v1 import catalogue_pb2 as pb
from sunlight.common.v1 import common_pb2

from services.cases.domain import engine, model
from services.catalogue import api, import_api, importer, service
from services.catalogue.domain import import_rows, items, lifecycle, obligations
from services.shared import code_tables, idempotency
from services.shared.validation import request_messages


def rules(message: Descriptor, path: str) -> validate_pb2.FieldRules:
    *parents, name = path.split(".")
    for parent in parents:
        message = message.fields_by_name[parent].message_type
    return message.fields_by_name[name].GetOptions().Extensions[validate_pb2.field]


D = pb.ItemDraft.DESCRIPTOR


@pytest.mark.parametrize(("message", "path", "limit"), [
    (D, "name", items.MAX_NAME_LENGTH),
    (D, "name", import_rows.MAX_NAME_LENGTH),
    (D, "department", items.MAX_DEPARTMENT_LENGTH),
    (D, "department", import_rows.MAX_DEPARTMENT_LENGTH),
    (D, "code", items.MAX_CODE_LENGTH),
    (D, "code", import_rows.MAX_CODE_LENGTH),
    (pb.LegalCitation.DESCRIPTOR, "law", import_rows.MAX_LEGAL_BASIS_LENGTH),
    (pb.PublishItemRequest.DESCRIPTOR, "legal_reviewer", lifecycle.MAX_REVIEWER_LENGTH),
    (pb.PublishItemRequest.DESCRIPTOR, "staffing_reviewer", lifecycle.MAX_REVIEWER_LENGTH),
    (pb.PublishItemRequest.DESCRIPTOR, "approving_document", lifecycle.MAX_DOCUMENT_LENGTH),
    (pb.ImportRowsRequest.DESCRIPTOR, "legal_reviewer", lifecycle.MAX_REVIEWER_LENGTH),
    (pb.ImportRowsRequest.DESCRIPTOR, "approving_document", lifecycle.MAX_DOCUMENT_LENGTH),
    (pb.RecordChangeRequest.DESCRIPTOR, "basis", obligations.MAX_BASIS_LENGTH),
    (pb.RecordChangeRequest.DESCRIPTOR, "description", obligations.MAX_DESCRIPTION_LENGTH),
    (pb.AdjustItemRequest.DESCRIPTOR, "target", service.MAX_TARGET),
    (pb.ImportRowsRequest.DESCRIPTOR, "source", import_api.MAX_SOURCE),
    (pb.ImportRowsRequest.DESCRIPTOR, "source", importer.MAX_SOURCE_LENGTH),
    (pb.ImportRowsRequest.DESCRIPTOR, "mapping_json", import_api.MAX_MAPPING_CHARS),
    (pb.CreateItemRequest.DESCRIPTOR, "idempotency_key", idempotency.MAX_KEY_LENGTH),
    (cases_pb2.SubmitApplicationRequest.DESCRIPTOR, "idempotency_key",
     idempotency.MAX_KEY_LENGTH),
    (cases_pb2.ActOnCaseRequest.DESCRIPTOR, "idempotency_key", idempotency.MAX_KEY_LENGTH),
    (cases_pb2.CompleteStep.DESCRIPTOR, "opinion", engine.MAX_TEXT),
    (cases_pb2.Accept.DESCRIPTOR, "opinion", engine.MAX_TEXT),
    (cases_pb2.Reject.DESCRIPTOR, "reasons", engine.MAX_TEXT),
    (cases_pb2.ReturnStep.DESCRIPTOR, "reason", engine.MAX_TEXT),
    (cases_pb2.Decide.DESCRIPTOR, "reasons", engine.MAX_TEXT),
    (cases_pb2.ChargeFee.DESCRIPTOR, "name", engine.MAX_FEE_NAME),
    (cases_pb2.ChargeFee.DESCRIPTOR, "receipt_number", engine.MAX_RECEIPT_NUMBER),
    (cases_pb2.SubmitApplicationRequest.DESCRIPTOR, "applicant.name",
     model.MAX_PARTY_NAME_LENGTH),
    (pb.SearchItemsRequest.DESCRIPTOR, "query", api.MAX_SEARCH_QUERY),
])
def test_text_lengths_agree(message: Descriptor, path: str, limit: int) -> None:
    assert rules(message, path).string.max_len == limit


@pytest.mark.parametrize(("message", "path"), [
    (D, "statutory_limit_days"), (D, "promised_limit_days"),
    (pb.Step.DESCRIPTOR, "limit_days"), (pb.Branch.DESCRIPTOR, "limit_days")])
def test_limits_in_working_days_agree(message: Descriptor, path: str) -> None:
    days = rules(message, path).int32
    assert (days.gte, days.lte) == (0, items.MAX_LIMIT_DAYS) == (0, import_rows.MAX_LIMIT_DAYS)


def test_page_sizes_and_batches_agree() -> None:
    assert rules(pb.ListPublishedItemsRequest.DESCRIPTOR, "page_size").int32.lte == (
        service.MAX_PAGE)
    assert rules(pb.ListObligationsRequest.DESCRIPTOR, "page_size").int32.lte == (
        service.MAX_PAGE)
    assert rules(pb.SearchItemsRequest.DESCRIPTOR, "page_size").int32.lte == (
        api.MAX_SEARCH_PAGE)
    assert rules(pb.ImportRowsRequest.DESCRIPTOR, "rows").repeated.max_items == (
        importer.MAX_BATCH_ROWS)
    assert rules(pb.ImportRow.DESCRIPTOR, "values").map.values.string.max_len == (
        import_api.MAX_CELL)
    assert rules(D, "steps").repeated.max_items == items.MAX_STEPS
    assert rules(cases_pb2.StartProcedure.DESCRIPTOR, "extension_days").int32.lte == (
        engine.MAX_EXTENSION_DAYS)


def test_patterns_agree() -> None:
    assert rules(pb.Step.DESCRIPTOR, "key").string.pattern == items._STEP_KEY.pattern
    phone = rules(D, "supervision_phone").string.pattern
    assert phone == "^(" + items._PHONE.pattern[1:-1] + ")?$"
    assert rules(D, "enquiry_phone").string.pattern == phone
    assert set(rules(D, "item_type").string.__getattribute__("in")) == set(items.ITEM_TYPES)
    levels = rules(D, "exercise_level").string.pattern
    assert all(re.match(levels, level) for level in items.EXERCISE_LEVELS)
    assert not re.match(levels, "8")


def test_keys_and_lists_of_the_case_engine_agree() -> None:
    key = items._KEY.pattern
    assert rules(pb.Step.DESCRIPTOR, "returns_to").repeated.items.string.pattern == key
    assert rules(pb.Step.DESCRIPTOR, "returns_to").repeated.max_items == items.MAX_RETURNS_TO
    for message in (pb.Material.DESCRIPTOR, pb.Branch.DESCRIPTOR):
        assert rules(message, "key").string.pattern == "^(" + key[1:-1] + ")?$"
    assert rules(D, "modes").repeated.max_items == len(items.HandlingMode)
    assert rules(D, "special_procedures").repeated.max_items == len(items.SpecialProcedure)


def test_the_code_tables_are_the_domains_and_the_contracts() -> None:
    """One home for the codes: the domain's enums take their values from the code tables,
    which name every value of the contract's enums (without the UNSPECIFIED ones)."""
    pairs = [(items.HandlingMode, code_tables.HANDLING_MODES, common_pb2.HandlingMode,
              "HANDLING_MODE_"),
             (items.SpecialProcedure, code_tables.SPECIAL_PROCEDURES,
              common_pb2.SpecialProcedure, "SPECIAL_PROCEDURE_"),
             (items.TimeUnit, code_tables.TIME_UNITS, common_pb2.TimeUnit, "TIME_UNIT_"),
             (items.StepKind, code_tables.STEP_KINDS, pb.StepKind, "STEP_KIND_"),
             (items.ListKind, code_tables.LIST_KINDS, pb.ListKind, "LIST_KIND_"),
             (items.BodyNature, code_tables.BODY_NATURES, pb.BodyNature, "BODY_NATURE_"),
             (items.HandlingForm, code_tables.HANDLING_FORMS, pb.HandlingForm,
              "HANDLING_FORM_"),
             (items.RiskLevel, code_tables.RISK_LEVELS, pb.RiskLevel, "RISK_LEVEL_")]
    for domain, table, contract, prefix in pairs:
        named = {code_tables.enum_code(name, prefix) for name in contract.keys()
                 if not name.endswith("_UNSPECIFIED")}
        assert {v.value for v in domain} == set(table) == named, prefix
    assert items.ITEM_TYPES is code_tables.ITEM_TYPES
    assert import_rows.ITEM_TYPES is code_tables.ITEM_TYPES


def test_every_request_field_states_a_limit() -> None:
    """No field of a request, or of a message a request carries, goes without a rule (a
    bool needs none; a single message field's own fields carry theirs)."""
    missing = [f"{m.full_name}.{f.name}" for m in request_messages() for f in m.fields
               if f.type != f.TYPE_BOOL and not (f.message_type and not f.is_repeated)
               and not f.GetOptions().HasExtension(validate_pb2.field)]
    assert not missing, missing


def test_fee_and_countermeasure_limits_agree() -> None:
    assert rules(cases_pb2.ChargeFee.DESCRIPTOR, "quantity").int32.lte == (
        engine.MAX_FEE_QUANTITY)
    for message in (cases_pb2.CompleteStep.DESCRIPTOR, cases_pb2.Decide.DESCRIPTOR):
        listed = rules(message, "countermeasures").repeated
        assert listed.max_items == engine.MAX_COUNTERMEASURES
        assert listed.items.string.max_len == engine.MAX_COUNTERMEASURE
