"""gRPC clients of a node for tests, with tokens minted on the node's key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import grpc
import httpx
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


#: the two steps of the item ``publish_over_http`` publishes unless told others
TWO_STEPS = [{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk"},
             {"key": "decide", "name": "决定", "limit_days": 5, "role": "chief"}]


def publish_over_http(api, region: str, department: str, *,  # type: ignore[no-untyped-def]
                      name: str = "企业投资项目备案", steps: list[dict] | None = None,
                      **fields) -> str:
    """An item (a two-step 企业投资项目备案 unless ``name``, ``steps`` and the draft's other
    ``fields`` say otherwise) drafted and published through a node's HTTP API (``api``: an
    httpx client signed in as an admin of ``region``); its id."""
    reply = api.post("/v1/items", json={"idempotency_key": uuid.uuid4().hex, "draft": {
        "name": name, "code": implementation_code(region),
        "item_type": "01", "region": region, "department": department,
        "statutory_limit_days": 20, "promised_limit_days": 10,
        "steps": TWO_STEPS if steps is None else steps,
        "legal_basis": [{"law": "《企业投资项目核准和备案管理条例》", "article": "第十三条"}],
        **fields}})
    assert reply.status_code == 201, reply.text
    item_id = reply.json()["item"]["item_id"]
    reply = api.post(f"/v1/items/{item_id}/versions/1/publish",
                     json={"idempotency_key": uuid.uuid4().hex, **OFFLINE_REVIEW})
    assert reply.status_code == 200, reply.text
    return str(item_id)


def publish_form_item(node, name: str) -> str:  # type: ignore[no-untyped-def]
    """A published item of 区发展改革局 (511602) whose application form is mandatory, accepted
    by a clerk and decided by a chief, through ``node``'s HTTP API as an admin; its id."""
    import httpx  # noqa: PLC0415 - only the HTTP helpers need it

    admin = mint_token(node.full_env()["SUNLIGHT_TOKEN_KEY"], "e2e-admin", ["admin"],
                       ["510000"])
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}", timeout=15,
                      headers={"Authorization": f"Bearer {admin}"}) as api:
        return publish_over_http(
            api, "511602", "区发展改革局", name=name, department_code=DEVELOPMENT,
            steps=[{"key": "accept", "name": "受理", "limit_days": 1, "role": "clerk",
                    "kind": "STEP_KIND_ACCEPTANCE"},
                   {"key": "decide", "name": "决定", "limit_days": 2, "role": "chief",
                    "kind": "STEP_KIND_DECISION"}],
            materials=[{"key": "application_form", "name": "申请表", "mandatory": True,
                        "originals": 1}],
            modes=["HANDLING_MODE_PROMISED"])


def apply_over_http(api, item_id: str, region: str) -> dict:  # type: ignore[no-untyped-def]
    """A case of 张三 on ``item_id`` opened through a node's HTTP API: the case's JSON."""
    reply = api.post("/v1/cases", json={
        "idempotency_key": uuid.uuid4().hex, "item_id": item_id, "region": region,
        "applicant": {"name": "张三", "id_type": "id_card", "id_number": "511602199001011236"}})
    assert reply.status_code == 201, reply.text
    return dict(reply.json()["case"])


def node_api(node, region: str, role: str = "admin", subject: str = "") -> httpx.Client:  # type: ignore[no-untyped-def]
    """An HTTP client of a running node's gateway (``node``: an ``infra.localnode.LocalNode``)
    signed in, with a token of the node's own key, as ``role`` of ``region``."""
    token = mint_token(node.env["SUNLIGHT_TOKEN_KEY"], f"{subject or 'e2e-' + role}-{region}",
                       [role], [region], issuer=region)
    return httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
