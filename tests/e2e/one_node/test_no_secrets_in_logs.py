"""A node's logs never carry its secrets: the token key, the passwords of the database and
the broker, or a bearer token a caller sent — whatever the calls did (answered, refused,
failed)."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import grpc
import httpx
import pytest
from sunlight.cases.v1 import cases_pb2, cases_pb2_grpc

from services.shared.auth import mint_token

pytestmark = pytest.mark.e2e

#: a URL with a password in it (scheme://user:password@host)
CREDENTIALS_IN_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^@\s/'\"]+@")


def _logs(node) -> dict[str, str]:  # noqa: ANN001
    return {path.stem: node.log(path.stem) for path in sorted(node.log_dir.glob("*.log"))}


def _send_tokens(node) -> list[str]:  # noqa: ANN001
    """Calls with good and bad tokens, answered, refused and failing; the tokens sent."""
    key = node.full_env()["SUNLIGHT_TOKEN_KEY"]
    admin = mint_token(key, "e2e-logs-admin", ["admin"], ["510000"])
    clerk = mint_token(key, "e2e-logs-clerk", ["clerk"], ["511602"],
                       department="11511602MB1234567N")
    forged = f"forged.{uuid.uuid4().hex}.{uuid.uuid4().hex}"
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                      timeout=10) as http:
        for token in (admin, clerk, forged):
            auth = {"Authorization": f"Bearer {token}"}
            assert http.get("/v1/methods/allowed", headers=auth).status_code in (200, 401)
            http.get("/v1/cases/51160220261130999999", headers=auth)
            http.get("/v1/items/no-such-item/versions/1", headers=auth)
            http.post("/v1/items", headers=auth, json={"draft": {"name": "x"}})
            http.post("/v1/cases/51160220261130999999/actions", headers=auth,
                      json={"idempotency_key": uuid.uuid4().hex, "action": "accept"})
            http.post("/v1/items", headers=auth, content=b"{not json")
        # a header gRPC cannot carry as metadata: refused at the edge, and not logged either
        odd = f"odd{uuid.uuid4().hex}"
        refused = http.get("/v1/cases/51160220261130999999",
                           headers={"Authorization": f"Bearer \xe9{odd}".encode("latin-1")})
        assert refused.status_code == 401
    with grpc.insecure_channel(f"127.0.0.1:{node.port('gateway_grpc')}") as channel:
        stub = cases_pb2_grpc.CaseServiceStub(channel)
        for token in (admin, forged):
            with pytest.raises(grpc.RpcError):
                stub.GetCase(cases_pb2.GetCaseRequest(case_number="51160220261130999998"),
                             metadata=[("authorization", f"Bearer {token}")], timeout=10)
    return [admin, clerk, forged, odd]


def test_logs_carry_no_secrets(node) -> None:  # noqa: ANN001
    tokens = _send_tokens(node)
    env = node.full_env()
    key = env["SUNLIGHT_TOKEN_KEY"]
    secrets = {"the token key": key, "the token key's private part": key.partition(":")[2]}
    for name in ("DATABASE_URL", "AMQP_URI"):
        password = urlsplit(env.get(name, "")).password
        if password:
            secrets[f"the password of {name}"] = f":{password}@"
    secrets.update({f"bearer token {i}": token for i, token in enumerate(tokens)})
    # each token's signature alone, which a log of a cut token would show
    secrets.update({f"bearer token {i}'s signature": token.rsplit(".", 1)[-1]
                    for i, token in enumerate(tokens)})
    logs = _logs(node)
    assert "gateway" in logs and logs["gateway"], "the gateway's log is missing"
    found = [(what, process) for process, text in logs.items()
             for what, secret in secrets.items() if secret and secret in text]
    assert not found, f"secrets in the logs: {found}"
    urls = [(process, match) for process, text in logs.items()
            for match in CREDENTIALS_IN_URL.findall(text)]
    assert not urls, f"URLs with passwords in the logs: {urls}"
