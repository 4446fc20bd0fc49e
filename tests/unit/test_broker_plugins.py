"""The broker step starts the plugins the node needs when the server does not run them, even
when its enabled-plugins file already names them (a file written while the server ran)."""

from __future__ import annotations

import pytest

from infra.broker import PLUGINS, BrokerError, enable_plugins, running_plugins

NAMED_NOT_RUNNING = """\
Listing plugins with pattern ".*" ...
 Configured: E = explicitly enabled; e = implicitly enabled
 | Status: * = running on rabbit@localhost
 |/
[E ] rabbitmq_consistent_hash_exchange 3.10.8
[E ] rabbitmq_shovel                   3.10.8
[  ] rabbitmq_shovel_management        3.10.8
"""

RUNNING = """\
[E*] rabbitmq_consistent_hash_exchange 3.10.8
[e*] rabbitmq_management_agent         3.10.8
[E*] rabbitmq_shovel                   3.10.8
"""


def test_running_plugins_are_those_marked_with_a_star() -> None:
    assert running_plugins(NAMED_NOT_RUNNING) == set()
    assert running_plugins(RUNNING) == {"rabbitmq_consistent_hash_exchange",
                                        "rabbitmq_management_agent", "rabbitmq_shovel"}


def test_plugins_named_but_not_running_are_enabled_again() -> None:
    calls: list[tuple[str, ...]] = []

    def run(*args: str) -> str:
        calls.append(args)
        return NAMED_NOT_RUNNING if args == ("list",) else ""

    assert enable_plugins(run) == list(PLUGINS)
    assert calls == [("list",), ("enable", *PLUGINS)]


def test_running_plugins_are_left_alone() -> None:
    calls: list[tuple[str, ...]] = []

    def run(*args: str) -> str:
        calls.append(args)
        return RUNNING

    assert enable_plugins(run) == []
    assert calls == [("list",)]


LOCKED_OUT = ("rabbitmq-plugins enable rabbitmq_consistent_hash_exchange rabbitmq_shovel "
              "failed: {:case_clause, {:error, {:cannot_read_enabled_plugins_file, "
              "'{path}', :eacces}}}")


def test_a_plugins_file_the_broker_cannot_read_is_given_back_to_it(tmp_path, monkeypatch) -> None:
    """A file written by root with mode 600 (seen on a machine whose services were restored)
    locks the broker out of its plugins: the step gives it back and enables them again."""
    plugins_file = tmp_path / "enabled_plugins"
    plugins_file.write_text("[rabbitmq_consistent_hash_exchange,rabbitmq_shovel].")
    plugins_file.chmod(0o600)
    calls: list[tuple[str, ...]] = []

    def run(*args: str) -> str:
        calls.append(args)
        if args == ("list",):
            return NAMED_NOT_RUNNING
        if oct(plugins_file.stat().st_mode & 0o777) != oct(0o644):
            raise BrokerError(LOCKED_OUT.replace("{path}", str(plugins_file)))
        return ""

    monkeypatch.setattr("os.geteuid", lambda: 0)
    monkeypatch.setattr("os.chown", lambda *args: None)  # the test may not run as root
    said: list[str] = []
    assert enable_plugins(run, say=said.append) == list(PLUGINS)
    assert calls == [("list",), ("enable", *PLUGINS), ("enable", *PLUGINS)]
    assert plugins_file.stat().st_mode & 0o777 == 0o644
    assert said and str(plugins_file) in said[0]


def test_someone_other_than_root_is_told_the_command(tmp_path, monkeypatch) -> None:
    plugins_file = tmp_path / "enabled_plugins"
    plugins_file.write_text("[].")

    def run(*args: str) -> str:
        if args == ("list",):
            return NAMED_NOT_RUNNING
        raise BrokerError(LOCKED_OUT.replace("{path}", str(plugins_file)))

    monkeypatch.setattr("os.geteuid", lambda: 1000)
    with pytest.raises(BrokerError, match=f"chmod 644 {plugins_file}"):
        enable_plugins(run, say=lambda _: None)


def test_other_failures_are_reported_as_they_are() -> None:
    def run(*args: str) -> str:
        if args == ("list",):
            return NAMED_NOT_RUNNING
        raise BrokerError("rabbitmq-plugins enable failed: nodedown")

    with pytest.raises(BrokerError, match="nodedown"):
        enable_plugins(run, say=lambda _: None)
