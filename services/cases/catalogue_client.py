"""Adapter: the published item versions cases run on, fetched from the catalogue over gRPC."""

from __future__ import annotations

import threading
from dataclasses import replace

import grpc
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as cpb_grpc
from sunlight.common.v1 import common_pb2

from services.cases.contract import MODE_FROM_PB, procedure_kind
from services.cases.domain.clock import Limit, TimeUnit
from services.cases.domain.flow import (
    ENTRY,
    BranchSpec,
    DiscretionSpec,
    ItemSnapshot,
    MaterialSpec,
    Mode,
    StepKind,
    StepSpec,
)
from services.cases.opened_contract import fen_of
from services.shared.auth import ServiceToken
from services.shared.errors import FailedPrecondition, Unavailable
from services.shared.grpc_client import channel, metadata
from services.shared.grpc_errors import error_detail_of

NOT_IN_CATALOGUE = "清单之外无职权"


class CatalogueClient:
    #: snapshots kept (published versions never change); beyond it, the oldest go first
    SNAPSHOTS = 1000

    def __init__(self, address: str, token: ServiceToken, timeout_s: float,
                 connections: int = 1, *, collective_review_above_fen: int | None = None
                 ) -> None:
        self._stub = cpb_grpc.CatalogueServiceStub(channel(address, connections))
        self._token = token
        self._timeout = timeout_s
        self._snapshots: dict[tuple[str, int], ItemSnapshot] = {}
        self._lock = threading.Lock()
        #: the node's amount above which a fine is decided by a meeting (items may state
        #: their own)
        self._review_above = collective_review_above_fen

    def in_force(self, item_id: str, version: int) -> ItemSnapshot:
        """The published version a new case must run on; refused when not in force."""
        try:
            reply = self._stub.GetItemVersion(
                cpb.GetItemVersionRequest(item_id=item_id, version=version),
                timeout=self._timeout, metadata=metadata(self._token.header()))
        except grpc.RpcError as exc:
            code = exc.code()  # type: ignore[attr-defined]
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
                detail = error_detail_of(exc)
                raise FailedPrecondition(
                    detail.message if detail and detail.code == "ITEM_NOT_PUBLISHED" else
                    f"item {item_id}{f' version {version}' if version else ''} is not a "
                    f"published catalogue item and may not be exercised ({NOT_IN_CATALOGUE})",
                    code="ITEM_NOT_PUBLISHED",
                    metadata={"item_id": item_id, "version": str(version)}) from None
            raise Unavailable(f"the catalogue did not answer ({code.name}); try again",
                              code="CATALOGUE_UNAVAILABLE") from None
        item = reply.item
        if item.status != cpb.VERSION_STATUS_PUBLISHED:
            raise FailedPrecondition(
                f"item {item_id} version {item.version} is "
                f"{cpb.VersionStatus.Name(item.status).removeprefix('VERSION_STATUS_').lower()},"
                f" not in force: open the case on the version in force ({NOT_IN_CATALOGUE})",
                code="ITEM_NOT_PUBLISHED",
                metadata={"item_id": item_id, "version": str(item.version)})
        if item.state != cpb.ITEM_STATE_ACTIVE:
            state = cpb.ItemState.Name(item.state).removeprefix("ITEM_STATE_").lower()
            raise FailedPrecondition(
                f"item {item_id} is {state}"
                + (f" (now: {item.successor})" if item.successor else "")
                + f" and may not be exercised ({NOT_IN_CATALOGUE})",
                code="ITEM_NOT_IN_FORCE", metadata={"item_id": item_id, "state": state})
        # Whether it is in force is asked every time; what it is, once per version.
        key = (item.item_id, item.version)
        snapshot = self._snapshots.get(key)
        if snapshot is None:
            snapshot = snapshot_from_pb(item, collective_review_above_fen=self._review_above)
            with self._lock:
                self._snapshots[key] = snapshot
                while len(self._snapshots) > self.SNAPSHOTS:
                    del self._snapshots[next(iter(self._snapshots))]
        return snapshot


def snapshot_from_pb(item: cpb.ItemVersion, *,
                     collective_review_above_fen: int | None = None) -> ItemSnapshot:
    """The engine's snapshot of a published version. Fields the catalogue left unspecified
    take the contract's stated defaults (catalogue.proto): step kinds by position, material
    and branch keys by position, returns to every earlier step after acceptance, promised
    mode, working days, the department code in the implementation code; the amount above
    which a fine is decided by a meeting is the item's, else ``collective_review_above_fen``
    (the node's)."""
    c = item.content
    modes = frozenset(MODE_FROM_PB[m] for m in c.modes if m in MODE_FROM_PB) or frozenset(
        {Mode.PROMISED})
    filing = modes == {Mode.FILING}
    steps = []
    for n, s in enumerate(c.steps):
        kind = STEP_KIND.get(s.kind) or _kind_by_position(
            s.key, n, len(c.steps), filing,
            any(x.kind == cpb.STEP_KIND_DECISION for x in c.steps))
        steps.append(StepSpec(
            key=s.key, name=s.name, kind=kind, role=s.role,
            limit=Limit(s.limit_days, _unit(s.limit_unit)),
            department=s.department, department_code=s.department_code,
            branches=tuple(BranchSpec(key=b.key or f"b{m + 1}", name=b.name,
                                      department=b.department, role=b.role or s.role,
                                      limit=Limit(b.limit_days, _unit(b.limit_unit)),
                                      department_code=b.department_code)
                           for m, b in enumerate(s.parallel_branches)),
            returns_to=tuple(s.returns_to),
            high_risk=any(r.level == cpb.RISK_LEVEL_HIGH for r in s.risk_points),
            countermeasures=tuple(dict.fromkeys(
                c.strip() for r in s.risk_points for c in r.countermeasures if c.strip()))))
    after_acceptance = [x.key for x in steps if x.kind not in ENTRY]
    steps = [x if x.returns_to or x.kind in ENTRY else replace(
        x, returns_to=tuple(after_acceptance[:after_acceptance.index(x.key)]))
        for x in steps]
    unit = _unit(c.limit_unit)
    statutory = Limit(c.statutory_limit_days, unit) if c.statutory_limit_days else None
    promised = Limit(c.promised_limit_days, unit) if c.promised_limit_days else statutory
    return ItemSnapshot(
        item_id=item.item_id, version=item.version, code=c.code, name=c.name,
        region=c.region, department=c.department, department_code=c.department_code,
        statutory=statutory, promised=promised,
        steps=tuple(steps), modes=modes,
        materials=tuple(MaterialSpec(key=m.key or f"m{n + 1}", name=m.name,
                                     mandatory=m.mandatory, originals=m.originals,
                                     copies=m.copies) for n, m in enumerate(c.materials)),
        procedures=frozenset(procedure_kind(p) for p in c.special_procedures if p),
        separate_acceptance_and_decision=not c.acceptor_may_decide,
        classified=c.classified, item_type=c.item_type, body_name=c.body.name,
        legal_basis=tuple(citation(b) for b in c.legal_basis if b.law.strip()),
        discretion=tuple(DiscretionSpec(
            key=d.key or f"d{n + 1}", severity=d.severity, fact_pattern=d.fact_pattern,
            measures=tuple(d.measures),
            min_fen=fen_of(d.min_amount, "min_amount") if d.HasField("min_amount") else 0,
            max_fen=fen_of(d.max_amount, "max_amount") if d.HasField("max_amount") else None)
            for n, d in enumerate(c.discretion_standards)),
        major=c.major,
        collective_review_above_fen=fen_of(c.collective_review_above,
                                           "collective_review_above")
        if c.HasField("collective_review_above") else collective_review_above_fen)


def citation(basis: cpb.LegalCitation) -> str:
    """``《企业投资项目核准和备案管理条例》第十三条``: a legal basis as one text, the form in
    which cases cite it and documents print it."""
    law = basis.law.strip()
    if law and not law.startswith("《"):
        law = f"《{law}》"
    return law + basis.article.strip() + basis.clause.strip()


STEP_KIND = {getattr(cpb, f"STEP_KIND_{k.name}"): k for k in StepKind}


def _kind_by_position(key: str, position: int, count: int, filing: bool,
                      decides: bool = False) -> StepKind:
    if position == 0 and key == "accept":
        return StepKind.ACCEPTANCE
    if position == count - 1 and not filing and not decides:
        return StepKind.DECISION
    return StepKind.REVIEW


def _unit(value: int) -> TimeUnit:
    return TimeUnit.CALENDAR_DAYS if value == common_pb2.TIME_UNIT_CALENDAR_DAYS else (
        TimeUnit.WORKING_DAYS)
