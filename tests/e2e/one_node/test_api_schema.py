"""The gateway's OpenAPI document run against the shared node by schemathesis: every operation
with generated input, valid and invalid, a fixed number of examples each, derandomised, so
that a run sends the same requests every time. No answer may be a 5xx, and every answer must
be one the document states: its status, its media type, its body's schema and its headers.

Driven through schemathesis' command line (its pytest loader of fixtures does not run under
pytest 9). Its phases here are the examples of the document and the generated inputs; its
coverage phase (every boundary of every field: ~8,000 requests, minutes) is left to a run by
hand with ``SCHEMA_PHASES=examples,coverage,fuzzing``. Its ``ignored_auth`` check is left
out: it sends forged tokens, and ten failed sign-ins from this address would rate-limit every
other module's calls (``gateway.limits``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from services.shared.auth import mint_token

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[3]
#: A county no other module of the package works in: what the run writes stays there, and a
#: generated body naming another region is refused (403), never applied to another's data.
REGION = "510104"
MAX_EXAMPLES = 25
SEED = 20261130
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance")


def schemathesis_command(base: str, token: str, phases: str) -> list[str]:
    cli = Path(sys.executable).with_name("schemathesis")
    return [str(cli), "run", f"{base}/openapi.json", "--header", f"Authorization: Bearer {token}",
            "--phases", phases, "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
            "--generation-deterministic", "--checks", ",".join(CHECKS), "--workers", "1",
            "--request-timeout", "15", "--no-color", "--warnings", "off"]


def test_every_operation_answers_as_documented(node, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = f"http://127.0.0.1:{node.port('gateway_http')}"
    token = mint_token(node.full_env()["SUNLIGHT_TOKEN_KEY"], "schema-run", ["admin"], [REGION])
    phases = os.environ.get("SCHEMA_PHASES", "examples,fuzzing")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.one_node.schema_hooks",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run(schemathesis_command(base, token, phases), cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    summary = done.stdout[done.stdout.find("SUMMARY"):]
    assert done.returncode == 0 and "SUMMARY" in done.stdout, (
        done.stdout[-12000:] + done.stderr[-3000:])
    # every operation of the document was run, and every case it generated passed
    selected = re.search(r"Selected: (\d+)/(\d+)", summary)
    tested = re.search(r"Tested: (\d+)", summary)
    cases = re.search(r"(\d+) generated, (\d+) passed", summary)
    assert selected and tested and cases, summary
    assert int(tested[1]) == int(selected[2]) > 50 and cases[1] == cases[2], summary


def test_headers_over_their_limit_are_refused_in_the_error_model(node) -> None:  # type: ignore[no-untyped-def]
    """Through the real server (uvicorn's parser bounds only headers that arrive over several
    reads): headers over 16 KiB together are 431 HEADERS_TOO_LARGE. Sent without a token: a
    failed sign-in would count against the address the other modules share."""
    base = f"http://127.0.0.1:{node.port('gateway_http')}"
    with httpx.Client(base_url=base, timeout=10) as client:
        assert client.get("/v1/", headers={"X-Padding": "x" * 8000}).status_code == 200
        refused = client.get("/v1/", headers={"X-Padding": "x" * (17 * 1024)})
    assert refused.status_code == 431, refused.text
    assert refused.json()["error"]["code"] == "HEADERS_TOO_LARGE"
