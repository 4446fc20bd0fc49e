"""``sunlight feedback ask`` and ``consultation`` run as a person at a shell would, without
any token: what they lack (a contact, a query code, the node's settings or address, a node
that answers) is said in Chinese, never as a traceback; the call itself with a contact is
tested against the real service in tests/integration/test_consultations_grpc.py."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.main import main
from services.shared import config

ASK = ["feedback", "ask", "item-1", "--title", "需要哪些材料", "--question", "……"]


def run(args: list[str], **env: str | None) -> Result:
    return CliRunner().invoke(main, args, env={"SUNLIGHT_TOKEN": None, **env})


def said(result: Result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def test_without_a_token_a_question_needs_a_contact_said_in_chinese() -> None:
    result = run(ASK)
    assert result.exit_code == 2
    assert "请用 --contact 留下联系电话或电子邮箱" in said(result)


def test_without_a_token_reading_an_answer_needs_the_query_code() -> None:
    result = run(["feedback", "consultation", "511602-ZX-20261201-ABCDEF"])
    assert result.exit_code == 2 and "--query-code" in said(result)
    assert "查询码" in said(result)


def test_outside_the_nodes_checkout_it_says_to_give_the_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")
    monkeypatch.setattr(config, "NODE_ENV_FILE", tmp_path / "no-node.env")
    result = run([*ASK, "--contact", "13800000000"], SUNLIGHT_TOKEN_KEY=None,
                 SUNLIGHT_ENV_FILE=str(empty))
    assert result.exit_code == 2
    text = said(result)
    assert "找不到节点的设置" in text and "--address" in text
    assert "SUNLIGHT_TOKEN_KEY" not in text


def test_a_node_that_does_not_answer_is_said_in_chinese() -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{closed.getsockname()[1]}"
    result = run([*ASK, "--contact", "13800000000", "--address", address, "--timeout", "5"])
    assert result.exit_code == 1
    assert f"无法连接节点的监察服务（{address}）" in said(result)
