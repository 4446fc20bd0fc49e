"""``sunlight token``: every token names one person, real regions, a department for staff."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from cli.main import main
from services.shared.auth import MAX_TOKEN_TTL_S, Authenticator

SECRET = os.environ["SUNLIGHT_TOKEN_KEY"]  # set for the tests in tests/conftest.py


def token(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["token", *args])


def test_a_token_names_its_subject_and_carries_what_it_was_given() -> None:
    result = token("--subject", "zhang.wei", "--role", "clerk", "--region", "511602",
                   "--department", "115113016823646795", "--department-name", "区发展改革局",
                   "--name", "张伟")
    assert result.exit_code == 0, result.output
    who = Authenticator(SECRET).principal("Bearer " + result.stdout.strip())
    assert (who.subject, who.roles, who.regions, who.department, who.department_name,
            who.name) == ("zhang.wei", ("clerk",), ("511602",), "115113016823646795",
                          "区发展改革局", "张伟")


@pytest.mark.parametrize(("args", "words"), [
    (["--role", "admin", "--region", "510000"], "Missing option '--subject'"),
    (["--subject", "li", "--role", "clerk", "--region", "511602"], "department: required"),
    (["--subject", "li", "--role", "clerk", "--region", "511602", "--department",
      "区发展改革局"], "unified social credit code (统一社会信用代码, GB 32100)"),
    (["--subject", "li", "--role", "clerk", "--region", "511602", "--department",
      "682364679"], "organisation code (组织机构代码, GB 11714)"),
    (["--subject", "li", "--role", "clerk", "--region", "511602", "--department",
      "115113016823646796"], "expected '5'"),
    (["--subject", "li", "--role", "admin", "--region", "511602", "--department-name",
      "区发展改革局"], "department_name: only with a department"),
    (["--subject", "li", "--role", "admin", "--region", "519999"], "519999 is not a region"),
    (["--subject", "li", "--role", "admin", "--region", ""], "regions:"),
    (["--subject", "li", "--role", "admin", "--region", "510000", "--ttl",
      str(MAX_TOKEN_TTL_S + 1)], "--ttl"),
])
def test_refused_tokens_say_why(args: list[str], words: str) -> None:
    result = token(*args)
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_sunlight_node_acts_as_a_node_of_the_province(tmp_path) -> None:
    """``sunlight --node 511602 …``: the command runs with that node's settings — its key,
    its addresses — as a province `make run` set up under the var directory lays them out."""
    from unittest import mock  # noqa: PLC0415

    from infra.province import Plan, PlannedNode  # noqa: PLC0415
    from services.shared.errors import Unauthenticated  # noqa: PLC0415
    from services.shared.token_keys import TokenKey  # noqa: PLC0415

    district_key = TokenKey.generate().to_text()
    district = PlannedNode("511602", "广安区", {
        "SUNLIGHT_NODE_REGION": "511602", "SUNLIGHT_VAR_DIR": str(tmp_path / "511602"),
        "SUNLIGHT_GATEWAY_HTTP_PORT": "8280"})
    district.var_dir.mkdir()
    district.node_env.write_text(f"SUNLIGHT_TOKEN_KEY={district_key}\n", "utf-8")
    Plan(tmp_path, [district]).write()
    with mock.patch.dict(os.environ, {"SUNLIGHT_VAR_DIR": str(tmp_path)}):
        result = CliRunner().invoke(main, ["--node", "511602", "token", "--subject", "li.na",
                                           "--role", "legal_reviewer", "--region", "511602"])
        assert result.exit_code == 0, result.output
        who = Authenticator(district_key, "511602").principal(
            "Bearer " + result.stdout.strip())
        assert who.subject == "li.na"
        with pytest.raises(Unauthenticated):  # not the province's token
            Authenticator(SECRET).principal("Bearer " + result.stdout.strip())
        unknown = CliRunner().invoke(main, ["--node", "511600", "urls"])
        assert unknown.exit_code == 2 and "no such node" in unknown.output
