"""The audit on a running node: a failed sign-in at the hall is recorded with its outcome
and listed by `sunlight audit sign-ins`, masked, with neither the number nor the password in
any log; the gateway lists case-file reads to a supervisor of the region and to no citizen."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from click.testing import CliRunner

from cli.main import main
from services.shared.auth import mint_token
from tests.support.codes import resident_id

pytestmark = pytest.mark.e2e


def test_a_failed_sign_in_is_audited_and_the_reads_listed_to_supervisors(node) -> None:  # noqa: ANN001
    number = resident_id(7_654_321)  # a well-formed number no account has
    password = "Not-the-password-7"  # noqa: S105 - what a stranger types
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('hall')}", timeout=20) as hall:
        form = hall.get("/signin").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        refused = hall.post("/signin", data={"csrf_token": token.group(1), "kind": "person",
                                              "login": number, "password": password},
                            headers={"user-agent": "e2e-audit"})
        assert refused.status_code == 400
    env = {**node.full_env(), "SUNLIGHT_TOKEN": None}
    listed = CliRunner().invoke(main, ["audit", "sign-ins", "--kind", "person", "--account",
                                       number, "--json"], env=env, catch_exceptions=False)
    assert listed.exit_code == 0, listed.output
    [record] = [json.loads(line) for line in listed.output.splitlines()]
    # found by the full number (its HMAC); an account that does not exist is not shown
    assert (record["outcome"], record["account"], record["user_agent"]) == (
        "UNKNOWN_ACCOUNT", "—", "e2e-audit")
    for path in node.log_dir.glob("*.log"):
        text = path.read_text(errors="replace")
        assert number not in text and password not in text, path.name

    key = env["SUNLIGHT_TOKEN_KEY"]
    supervisor = mint_token(key, "e2e-audit-sup", ["supervisor"], ["511602"])
    citizen = mint_token(key, f"id_card:{number}", ["public"], ["511602"])
    with httpx.Client(base_url=f"http://127.0.0.1:{node.port('gateway_http')}",
                      timeout=20) as http:
        allowed = http.get("/v1/audit/case-reads", params={"region": "511602"},
                           headers={"Authorization": f"Bearer {supervisor}"})
        assert allowed.status_code == 200, allowed.text
        assert "total" in allowed.json()
        assert http.get("/v1/audit/case-reads", params={"region": "511602"}, headers={
            "Authorization": f"Bearer {citizen}"}).status_code == 403
