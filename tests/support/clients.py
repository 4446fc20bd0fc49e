"""gRPC clients of a node for tests, with tokens minted on the node's key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import grpc
from sunlight.cases.v1 import cases_pb2 as kpb
from sunlight.cases.v1 import cases_pb2_grpc as kgrpc
from sunlight.catalogue.v1 import catalogue_pb2 as cpb
from sunlight.catalogue.v1 import catalogue_pb2_grpc as cgrpc

from services.shared.auth import mint_token
from tests.support.codes import implementation_code
from tests.support.departments import DEVELOPMENT, NAMES


def bearer(secret: str, subject: str, roles: list[str], regions: list[str],
           department: str | None = None) -> list[tuple[str, str]]:
    """gRPC metadata with a token; ``department``: the department's credit code."""
    token = mint_token(secret, subject, roles, regions, department=department,
                       department_name=NAMES.get(department or "", ""))
    return [("authorization", f"Bearer {token}")]


def key() -> str:
    return uuid.uuid4().hex


#: a publication reviewed outside the platform: two reviewers and the approving document
OFFLINE_REVIEW = {"legal_reviewer": "li.na", "staffing_reviewer": "wang.fang",
                  "approving_document": "广安府发〔2024〕12号"}


def draft(region: str = "511602", code: str | None = None, steps: int = 2,
          department_code: str = DEVELOPMENT) -> cpb.ItemDraft:
    return cpb.ItemDraft(
        name="企业投资项目备案",
        code=code or implementation_code(region, department_code=department_code),
        item_type="01", region=region, department=NAMES[department_code],
        department_code=department_code, statutory_limit_days=20,
        promised_limit_days=10,
        steps=[cpb.Step(key=f"s{i}", name=f"环节{i}", limit_days=1, role="clerk")
               for i in range(steps)],
        legal_basis=[cpb.LegalCitation(law="《企业投资项目核准和备案管理条例》",
                                       article="第十三条")])


def applicant() -> kpb.Applicant:
    return kpb.Applicant(name="张三", id_type="id_card", id_number="511602199001011236")


def act(stub: kgrpc.CaseServiceStub, md, number: str, **action) -> kpb.Case:  # type: ignore[no-untyped-def]
    """One action on a case, e.g. ``act(stub, md, number, accept=kpb.Accept())``."""
    return stub.ActOnCase(kpb.ActOnCaseRequest(idempotency_key=key(), case_number=number,
                                               **action), metadata=md, timeout=10).case


def running(case: kpb.Case) -> list[kpb.CaseStep]:
    return [s for s in case.steps if s.status == kpb.STEP_STATUS_ACTIVE]


@dataclass
class Clients:
    catalogue: cgrpc.CatalogueServiceStub
    cases: kgrpc.CaseServiceStub

    @classmethod
    def at(cls, catalogue: str, cases: str) -> Clients:
        return cls(cgrpc.CatalogueServiceStub(grpc.insecure_channel(catalogue)),
                   kgrpc.CaseServiceStub(grpc.insecure_channel(cases)))

    def published_item(self, md, **kw) -> cpb.ItemVersion:
        item = self.catalogue.CreateItem(cpb.CreateItemRequest(
            idempotency_key=key(), draft=draft(**kw)), metadata=md, timeout=10).item
        return self.catalogue.PublishItem(cpb.PublishItemRequest(
            idempotency_key=key(), item_id=item.item_id, version=1, **OFFLINE_REVIEW),
            metadata=md,
            timeout=10).item
