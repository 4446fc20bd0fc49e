"""The broker step starts the plugins the node needs when the server does not run them, even
when its enabled-plugins file already names them (a file written while the server ran)."""

from __future__ import annotations

from infra.broker import PLUGINS, enable_plugins, running_plugins

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
