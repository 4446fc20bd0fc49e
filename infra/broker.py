"""The node's RabbitMQ: make sure it answers and that the node's vhost is there.

``python -m infra.node broker`` (``make run``'s broker step) reads the broker from the node's
settings like every other step: ``AMQP_URI`` from the environment, ``.env`` (or the file
``SUNLIGHT_ENV_FILE`` names) or ``var/node.env``; unset, the local RabbitMQ with the vhost
``sunlight-<SUNLIGHT_NODE_REGION>``.

- The broker of this machine (127.0.0.1, localhost or ::1, port 5672): started when it is
  installed but stopped, installed first (``apt-get``, as root) when it is missing; the vhost
  of the URI is created when missing, and the URI's user may use it.
- A broker elsewhere: not managed here; its vhost is the operator's business.

Either way the step ends by logging in with the URI, so a wrong vhost, user or password is
reported now, in one line, rather than by every process of the node.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pika
import pika.exceptions

from services.shared.broker import (
    CONSISTENT_HASH_PLUGIN,
    DEAD_LETTER_POLICY,
    DEAD_LETTER_QUEUE,
)
from services.shared.config import Settings, local_amqp_uri

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
STANDARD_PORT = 5672
STARTUP_TIMEOUT_S = 120
#: the umask of the broker's own tools: the node's steps run with 077 (its files are private),
#: and a plugins file ``rabbitmq-plugins`` writes as root with mode 600 is one the server,
#: running as its own user, cannot read
SYSTEM_UMASK = 0o022


class BrokerError(Exception):
    """Something an operator has to fix; the message says what."""


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int
    vhost: str
    user: str

    @classmethod
    def parse(cls, uri: str) -> BrokerAddress:
        parts = urlsplit(uri)
        default_port = 5671 if parts.scheme == "amqps" else STANDARD_PORT
        # AMQP URI spec: the path is the vhost, percent-encoded ("%2F" is "/"); none is "/".
        path = parts.path[1:] if parts.path.startswith("/") else parts.path
        return cls(host=parts.hostname or "127.0.0.1", port=parts.port or default_port,
                   vhost=unquote(path) if path else "/",
                   user=unquote(parts.username) if parts.username else "guest")

    @property
    def local(self) -> bool:
        return self.host in LOCAL_HOSTS

    @property
    def managed(self) -> bool:
        """A broker this machine's ``rabbitmqctl`` manages: local, on the standard port."""
        return (self.local and self.port == STANDARD_PORT
                and shutil.which("rabbitmqctl") is not None)

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def reachable(host: str, port: int, timeout_s: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def rabbitmqctl(*args: str, timeout_s: float = 60) -> str:
    result = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                            timeout=timeout_s, umask=SYSTEM_UMASK)
    if result.returncode != 0:
        raise BrokerError(f"rabbitmqctl {' '.join(args)} failed: "
                          f"{(result.stderr or result.stdout).strip()}")
    return result.stdout


def start_local_server(say: Callable[[str], None]) -> None:
    """Start the machine's RabbitMQ, installing it first (as root) when it is missing."""
    if shutil.which("rabbitmq-server") is None:
        if os.geteuid() != 0:
            raise BrokerError("RabbitMQ is not installed; run as root, or: "
                              "apt-get install -y rabbitmq-server")
        say("broker: installing rabbitmq-server (apt-get)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"],
                        ["apt-get", "install", "-y", "-qq", "rabbitmq-server"]):
            subprocess.run(command, check=True, env=env, umask=SYSTEM_UMASK)
    if not reachable("127.0.0.1", STANDARD_PORT):  # the package may have started it
        say("broker: starting the local RabbitMQ")
        subprocess.run(["rabbitmq-server", "-detached"], check=True, umask=SYSTEM_UMASK)
    rabbitmqctl("await_startup", timeout_s=STARTUP_TIMEOUT_S)


def ensure_vhost(vhost: str, user: str) -> bool:
    """Create ``vhost`` on the local broker when it is missing; True when created."""
    if vhost in rabbitmqctl("list_vhosts").split("\n"):
        return False
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, user, ".*", ".*", ".*")
    return True


def set_policies(vhost: str, run: Callable[..., str] | None = None) -> None:
    """The node's RabbitMQ policies on ``vhost`` (idempotent): its consumers' queues give up
    rejected messages to the dead-letter exchange (``services.shared.broker``)."""
    name, pattern, definition = DEAD_LETTER_POLICY
    (run or rabbitmqctl)("set_policy", "-p", vhost, "--apply-to", "queues", name, pattern,
                         json.dumps(definition))


#: plugins of the server the node needs (they ship with it): supervision's partitions; the
#: province's roll-up links (``infra.rollup``)
SHOVEL_PLUGIN = "rabbitmq_shovel"
PLUGINS = (CONSISTENT_HASH_PLUGIN, SHOVEL_PLUGIN)


def rabbitmq_plugins(*args: str, timeout_s: float = 120) -> str:
    result = subprocess.run(["rabbitmq-plugins", "-q", *args], capture_output=True,
                            text=True, timeout=timeout_s, umask=SYSTEM_UMASK)
    if result.returncode != 0:
        raise BrokerError(f"rabbitmq-plugins {' '.join(args)} failed: "
                          f"{(result.stderr or result.stdout).strip()}")
    return result.stdout


def running_plugins(listing: str) -> set[str]:
    """The plugins ``rabbitmq-plugins list`` marks as running (``[E*]`` or ``[e*]``). A plugin
    named in the enabled-plugins file is not running until the node applies that file."""
    running = set()
    for line in listing.splitlines():
        marks, _, rest = line.strip().partition("]")
        if marks.startswith("[") and marks[2:3] == "*" and rest.split():
            running.add(rest.split()[0])
    return running


#: how ``rabbitmq-plugins`` says the broker's user may not read its enabled-plugins file
UNREADABLE_PLUGINS_FILE = re.compile(r"cannot_read_enabled_plugins_file, '([^']+)', :eacces")


def unreadable_plugins_file(message: str) -> Path | None:
    """The enabled-plugins file a ``rabbitmq-plugins`` error says its user cannot read."""
    found = UNREADABLE_PLUGINS_FILE.search(message)
    return Path(found.group(1)) if found else None


def give_to_broker(path: Path, say: Callable[[str], None]) -> None:
    """Give the enabled-plugins file back to the broker's user, the owner of its directory
    (``rabbitmq`` as Debian installs it; a file written by root with mode 600 locks the broker
    out of its own plugins: the node's steps once ran ``rabbitmq-plugins`` with umask 077).
    Root only; anyone else is told the command."""
    folder = path.parent.stat()
    if os.geteuid() != 0:
        raise BrokerError(f"the broker's user cannot read {path}; as root: chown "
                          f"{folder.st_uid}:{folder.st_gid} {path} && chmod 644 {path}")
    os.chown(path, folder.st_uid, folder.st_gid)
    path.chmod(0o644)  # a list of plugin names: nothing secret in it
    say(f"broker: {path} given to the broker's user (uid {folder.st_uid}): it could not "
        "read it")


def enable_plugins(run: Callable[..., str] | None = None,
                   say: Callable[[str], None] = print) -> list[str]:
    """Enable the node's plugins on the local broker when they are not running (idempotent:
    ``enable`` also starts plugins the file names but the node has not applied); the ones
    started now."""
    run = run or rabbitmq_plugins
    running = running_plugins(run("list"))
    missing = [p for p in PLUGINS if p not in running]
    if missing:
        try:
            run("enable", *missing)
        except BrokerError as exc:
            if (path := unreadable_plugins_file(str(exc))) is None:
                raise
            give_to_broker(path, say)
            run("enable", *missing)
    return missing


def check_login(uri: str, timeout_s: float) -> None:
    params = pika.URLParameters(uri)
    params.connection_attempts = 1
    params.socket_timeout = timeout_s
    params.blocked_connection_timeout = timeout_s
    address = BrokerAddress.parse(uri)
    try:
        pika.BlockingConnection(params).close()
    except pika.exceptions.ProbableAuthenticationError:
        raise BrokerError(f"{address}: user {address.user!r} cannot log in "
                          "(check the user and password of AMQP_URI)") from None
    except pika.exceptions.ProbableAccessDeniedError:
        fix = (f"; rabbitmqctl add_vhost {address.vhost} && rabbitmqctl set_permissions "
               f"-p {address.vhost} {address.user} '.*' '.*' '.*'")
        raise BrokerError(f"{address}: vhost {address.vhost!r} is missing or user "
                          f"{address.user!r} may not use it{fix}") from None
    except pika.exceptions.AMQPError as exc:
        raise BrokerError(f"{address}: cannot connect ({exc!r})") from None


def ensure(settings: Settings, say: Callable[[str], None] = print) -> None:
    """Make the broker of ``settings`` usable by the node; raise BrokerError if it is not."""
    address = BrokerAddress.parse(settings.amqp_uri)
    origin = (f"AMQP_URI unset: node {settings.node_region}'s default"
              if settings.amqp_uri == local_amqp_uri(settings.node_region) else "AMQP_URI")
    managed = address.local and address.port == STANDARD_PORT  # started here if down
    if not reachable(address.host, address.port):
        if not managed:
            raise BrokerError(f"{address} ({origin}) does not answer")
        start_local_server(say)
    if address.managed:
        created = ensure_vhost(address.vhost, address.user)
        set_policies(address.vhost)
        if enabled := enable_plugins(say=say):
            say(f"broker: plugins enabled: {', '.join(enabled)}")
        check_login(settings.amqp_uri, settings.amqp_timeout_s)
        say(f"broker: local RabbitMQ on {address}, vhost {address.vhost} "
            f"({'created' if created else 'already there'}; {origin}); dead letters to "
            f"{DEAD_LETTER_QUEUE}")
        return
    check_login(settings.amqp_uri, settings.amqp_timeout_s)
    name, pattern, definition = DEAD_LETTER_POLICY
    say(f"broker: RabbitMQ on {address}, vhost {address.vhost} ({origin}; not managed "
        "here: it answers and the node may use its vhost). Its operator sets the dead-letter "
        f"policy once: rabbitmqctl set_policy -p {address.vhost} --apply-to queues {name} "
        f"'{pattern}' '{json.dumps(definition)}'; and enables the plugins "
        f"{', '.join(PLUGINS)}: rabbitmq-plugins enable {' '.join(PLUGINS)}")
