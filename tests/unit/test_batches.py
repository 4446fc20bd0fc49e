"""``services.monitoring.batches``: the messages of a queue handed to one worker at a time in
batches, each delivery's verdict carried out in order, the acknowledged ones with one
``basic.ack`` (``multiple``) per channel.

The container and the broker's messages are stand-ins (what the entrypoint asks of them is
recorded); the broker's own handling of these calls is covered by the worker's integration
tests (``tests/integration/test_dead_letters.py``, ``test_supervision_partitions.py``)."""

from __future__ import annotations

import time
from typing import Any

import eventlet
import pytest
from nameko.exceptions import ContainerBeingKilled

from services.monitoring import batches
from services.monitoring.batches import BatchedEventHandler, Delivery, Verdict, settle


class Channel:
    def __init__(self, alive: bool = True) -> None:
        self.connection = object() if alive else None


class Message:
    def __init__(self, tag: int, channel: Channel, log: list[tuple[str, int, Any]]) -> None:
        self.delivery_tag, self.channel, self.log = tag, channel, log
        self.headers: dict[str, Any] = {}

    def ack(self, multiple: bool = False) -> None:
        self.log.append(("ack", self.delivery_tag, multiple))

    def requeue(self) -> None:
        self.log.append(("requeue", self.delivery_tag, None))

    def reject(self, requeue: bool = False) -> None:
        self.log.append(("reject", self.delivery_tag, requeue))


class Container:
    """Records the workers spawned (and which green thread spawned each); the managed threads
    are eventlet's green threads; ``killed`` makes spawning fail as nameko's does while the
    container is being killed."""

    def __init__(self) -> None:
        self.spawned: list[tuple[list[Delivery], Any]] = []
        self.spawners: list[Any] = []
        self.killed = False
        self.config: dict[str, Any] = {}
        self.threads: list[Any] = []

    def spawn_managed_thread(self, fn, identifier=None):  # type: ignore[no-untyped-def]
        thread = eventlet.spawn(fn)
        self.threads.append(thread)
        return thread

    def spawn_worker(self, entrypoint, args, kwargs, handle_result=None, **_):  # type: ignore[no-untyped-def]
        if self.killed:
            raise ContainerBeingKilled()
        self.spawners.append(eventlet.getcurrent())
        self.spawned.append((args[0], handle_result))


class QueueConsumer:
    def __init__(self) -> None:
        self._providers: set = set()

    def unregister_provider(self, provider: Any) -> None:
        self._providers.discard(provider)


def run_hub_until(condition, timeout_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Let eventlet's hub run (the batcher is a green thread) until ``condition``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        eventlet.sleep(0.005)


def let_the_hub_run() -> None:
    """Give every green thread that can run a turn (for what must *not* happen)."""
    for _ in range(20):
        eventlet.sleep(0)


@pytest.fixture
def handler():  # type: ignore[no-untyped-def]
    entrypoint = BatchedEventHandler("cases", "case.#")
    entrypoint.container = Container()  # type: ignore[assignment]
    entrypoint.queue_consumer = QueueConsumer()  # type: ignore[assignment]
    entrypoint.start()
    yield entrypoint
    entrypoint._stopping = True
    entrypoint._ring()
    for thread in entrypoint.container.threads:
        thread.kill()


def finish(handler: BatchedEventHandler, n: int, verdicts: Any, exc_info: Any = None) -> None:
    """The ``n``-th batch's worker is done: its result handled in a green thread of its own,
    as nameko's worker thread does."""
    _, done = handler.container.spawned[n]
    eventlet.spawn(done, None, verdicts, exc_info).wait()


def payloads(handler: BatchedEventHandler, n: int) -> list[Any]:
    return [d.payload for d in handler.container.spawned[n][0]]


def test_settle_carries_out_each_verdict_and_acks_once_per_channel() -> None:
    log: list = []
    one, two, gone = Channel(), Channel(), Channel(alive=False)
    messages = [Message(1, one, log), Message(2, one, log), Message(3, two, log),
                Message(4, gone, log), Message(5, one, log), Message(6, two, log)]
    settle(messages, [Verdict.ACK, Verdict.REQUEUE, Verdict.ACK, Verdict.ACK,
                      Verdict.DEAD_LETTER, Verdict.ACK])
    # the requeue and the rejection first, in order; then one multiple ack per live channel,
    # on its last acknowledged delivery; nothing on the channel that is gone
    assert log == [("requeue", 2, None), ("reject", 5, False), ("ack", 1, True),
                   ("ack", 6, True)]


def test_settle_acks_nothing_when_nothing_is_acknowledged() -> None:
    log: list = []
    channel = Channel()
    settle([Message(1, channel, log), Message(2, channel, log)],
           [Verdict.REQUEUE, Verdict.REQUEUE])
    assert log == [("requeue", 1, None), ("requeue", 2, None)]


def test_one_worker_at_a_time_and_what_arrives_meanwhile_is_the_next_batch(handler) -> None:
    log: list = []
    channel = Channel()
    messages = [Message(n, channel, log) for n in range(1, 6)]
    handler.handle_message({"n": 1}, messages[0])
    run_hub_until(lambda: len(handler.container.spawned) == 1)  # started at once
    for n in (2, 3, 4):
        handler.handle_message({"n": n}, messages[n - 1])
    let_the_hub_run()
    assert len(handler.container.spawned) == 1  # gathering while the first one works
    assert payloads(handler, 0) == [{"n": 1}]
    finish(handler, 0, [Verdict.ACK])
    assert log == [("ack", 1, True)]
    run_hub_until(lambda: len(handler.container.spawned) == 2)
    assert payloads(handler, 1) == [{"n": 2}, {"n": 3}, {"n": 4}]
    handler.handle_message({"n": 5}, messages[4])
    finish(handler, 1, [Verdict.ACK, Verdict.DEAD_LETTER, Verdict.ACK])
    assert log[1:] == [("reject", 3, False), ("ack", 4, True)]
    run_hub_until(lambda: len(handler.container.spawned) == 3)
    assert payloads(handler, 2) == [{"n": 5}]
    finish(handler, 2, [Verdict.ACK])
    let_the_hub_run()
    assert len(handler.container.spawned) == 3  # nothing pending: no worker


def test_the_next_batch_is_started_by_the_batcher_never_by_a_worker(handler) -> None:
    """A worker that started the next batch itself would, with the container's pool full, run
    it inside its own green thread (eventlet's pool does that), one level deeper each time."""
    log: list = []
    channel = Channel()
    for n in range(1, 4):
        handler.handle_message(n, Message(n, channel, log))
        run_hub_until(lambda n=n: len(handler.container.spawned) == n)
        handler.handle_message(n + 10, Message(n + 10, channel, log))
        finish(handler, n - 1, [Verdict.ACK] * len(handler.container.spawned[n - 1][0]))
    run_hub_until(lambda: len(handler.container.spawned) == 4)
    assert set(handler.container.spawners) == {handler._batcher}


def test_a_batch_takes_at_most_max_batch(handler, monkeypatch) -> None:
    monkeypatch.setattr(batches, "MAX_BATCH", 2)
    log: list = []
    channel = Channel()
    handler.handle_message(1, Message(1, channel, log))
    run_hub_until(lambda: len(handler.container.spawned) == 1)
    for n in range(2, 6):
        handler.handle_message(n, Message(n, channel, log))
    sizes = []
    while len(sizes) < 3:
        run_hub_until(lambda: len(handler.container.spawned) > len(sizes))
        sizes.append(len(handler.container.spawned[len(sizes)][0]))
        finish(handler, len(sizes) - 1, [Verdict.ACK] * sizes[-1])
    assert sizes == [1, 2, 2]
    assert [tag for _, tag, _ in log] == [1, 3, 5]  # each batch's last tag, multiple


def test_a_failed_worker_or_a_wrong_answer_requeues_its_batch(handler, monkeypatch) -> None:
    monkeypatch.setattr(batches, "FAILED_BATCH_PAUSE_S", 0.01)
    log: list = []
    channel = Channel()
    handler.handle_message("a", Message(1, channel, log))
    run_hub_until(lambda: len(handler.container.spawned) == 1)
    handler.handle_message("b", Message(2, channel, log))
    handler.handle_message("c", Message(3, channel, log))
    finish(handler, 0, None, exc_info=(RuntimeError, RuntimeError("bug"), None))
    assert log == [("requeue", 1, None)]
    run_hub_until(lambda: len(handler.container.spawned) == 2)
    finish(handler, 1, [Verdict.ACK])  # one verdict for two deliveries
    assert log[1:] == [("requeue", 2, None), ("requeue", 3, None)]
    handler.handle_message("d", Message(4, channel, log))
    run_hub_until(lambda: len(handler.container.spawned) == 3)
    finish(handler, 2, ["ack"])  # not a verdict
    assert log[3:] == [("requeue", 4, None)]


def test_a_container_being_killed_requeues_the_batch_and_ends_the_batcher(handler) -> None:
    log: list = []
    channel = Channel()
    handler.container.killed = True
    handler.handle_message("a", Message(1, channel, log))
    run_hub_until(lambda: log == [("requeue", 1, None)])
    run_hub_until(lambda: handler._batcher.dead)


def test_once_stopped_no_batch_starts(handler) -> None:
    log: list = []
    channel = Channel()
    handler.wait_s = 0.05
    handler.handle_message("a", Message(1, channel, log))  # waiting for more
    handler.stop()
    run_hub_until(lambda: handler._batcher.dead)
    eventlet.sleep(0.1)
    assert handler.container.spawned == [] and log == []  # back to the queue with the channel


def test_a_batch_waits_for_more_until_its_first_delivery_has_waited(handler) -> None:
    handler.wait_s = 0.2
    log: list = []
    channel = Channel()
    began = time.monotonic()
    handler.handle_message("a", Message(1, channel, log))
    handler.handle_message("b", Message(2, channel, log))
    let_the_hub_run()
    assert handler.container.spawned == []  # gathering
    run_hub_until(lambda: handler.container.spawned)
    assert time.monotonic() - began >= 0.2
    assert payloads(handler, 0) == ["a", "b"]
    handler.handle_message("c", Message(3, channel, log))  # arrives while "a", "b" are applied
    finish(handler, 0, [Verdict.ACK, Verdict.ACK])
    let_the_hub_run()
    assert len(handler.container.spawned) == 1  # "c" has not waited yet
    run_hub_until(lambda: len(handler.container.spawned) == 2)
    assert payloads(handler, 1) == ["c"]


def test_a_full_batch_goes_at_once(handler, monkeypatch) -> None:
    monkeypatch.setattr(batches, "MAX_BATCH", 3)
    handler.wait_s = 60.0
    log: list = []
    channel = Channel()
    for n in range(1, 4):
        handler.handle_message(n, Message(n, channel, log))
    run_hub_until(lambda: handler.container.spawned)
    assert payloads(handler, 0) == [1, 2, 3]


def test_the_wait_comes_from_the_config(handler) -> None:
    handler.container.config[batches.BATCH_WAIT_CONFIG_KEY] = 0.05
    handler.queue_consumer._providers = {handler}
    handler.setup_batches()
    assert handler.wait_s == 0.05
    handler.queue_consumer._providers = {handler, object()}
    with pytest.raises(RuntimeError, match="one batched entrypoint"):
        handler.setup_batches()


def test_a_stop_waits_for_the_batch_at_work_to_be_settled(handler) -> None:
    """Its verdicts are carried out while the channel is open; only then is the consumer let
    go (which closes the channel)."""
    log: list = []
    channel = Channel()
    handler.handle_message("a", Message(1, channel, log))
    run_hub_until(lambda: len(handler.container.spawned) == 1)
    handler.handle_message("b", Message(2, channel, log))  # pending: not started once stopping
    stopping = eventlet.spawn(handler.stop)
    let_the_hub_run()
    assert not stopping.dead  # the batch at work is not settled yet
    finish(handler, 0, [Verdict.ACK])
    run_hub_until(lambda: stopping.dead)
    assert log == [("ack", 1, True)] and len(handler.container.spawned) == 1


def test_deliveries_of_a_closed_channel_are_left_out(handler) -> None:
    log: list = []
    closed, open_ = Channel(alive=False), Channel()
    handler.wait_s = 0.05
    handler.handle_message("old", Message(7, closed, log))  # before a reconnect
    handler.handle_message("new", Message(1, open_, log))
    run_hub_until(lambda: handler.container.spawned)
    assert payloads(handler, 0) == ["new"]
