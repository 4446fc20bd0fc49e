"""What a version's public guide does not state (尚未公布 / 未经部门确认), from the import."""

from __future__ import annotations

from dataclasses import replace

from services.catalogue.domain.guide import (
    DEFAULT_FLOW_FLAG,
    DEFAULT_STEPS_FLAG,
    GuidePart,
    unconfirmed_parts,
)
from services.catalogue.domain.items import Fee, Material
from tests.support.guides import licence

P = GuidePart


def test_a_version_the_department_declared_states_everything() -> None:
    assert unconfirmed_parts(licence(), ()) == ()
    # its empty lists are its own word: no materials, no fees
    assert unconfirmed_parts(licence(materials=(), fees=()), ("legacy code",)) == ()


def test_an_imported_version_states_neither_its_lists_nor_its_defaults() -> None:
    bare = replace(licence(), materials=(), fees=(), acceptance_conditions=())
    assert unconfirmed_parts(bare, ["old organisation code", DEFAULT_FLOW_FLAG]) == (
        P.MATERIALS, P.FEES, P.ACCEPTANCE_CONDITIONS, P.FLOW, P.LIMITS)
    # limits from the file, the flow a default
    assert unconfirmed_parts(bare, [DEFAULT_STEPS_FLAG]) == (
        P.MATERIALS, P.FEES, P.ACCEPTANCE_CONDITIONS, P.FLOW)


def test_lists_an_import_did_bring_are_stated() -> None:
    given = replace(licence(), materials=(Material("申请表"),), fees=(Fee("工本费", "5"),))
    assert unconfirmed_parts(given, [DEFAULT_STEPS_FLAG]) == (P.FLOW,)
