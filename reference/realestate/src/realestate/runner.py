"""``realestate run``: the office's link to the node — the outbox relay and the event
consumer, each a thread, until SIGTERM or SIGINT (Ctrl-C)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from sunlight_adapter import EventConsumer, Relay, SunlightClient

from realestate.office import Office

log = logging.getLogger("realestate.run")


def link(office: Office) -> tuple[Relay, EventConsumer, SunlightClient]:
    """The relay and the consumer of the office's settings (SettingsError when missing)."""
    settings = office.settings
    url, token, amqp_url = settings.need_node()
    client = SunlightClient(url, token, timeout_s=settings.timeout_s)
    # after an outage the first request waiting is tried again within half a minute at most
    relay = Relay(office.outbox, client, on_delivered=office.on_delivered,
                  base_delay_s=1.0, max_delay_s=30.0)
    consumer = EventConsumer(amqp_url, settings.queue, [f"case.#.{settings.region}"],
                             office.on_event, office.engine, timeout_s=settings.timeout_s)
    return relay, consumer, client


def run(office: Office, stop: threading.Event | None = None, *,
        ready: threading.Event | None = None, interval_s: float = 1.0) -> None:
    """Relay and consume until ``stop`` is set (or a SIGTERM/SIGINT in the main thread);
    ``ready`` is set once the office's queue is bound."""
    stop = stop or threading.Event()
    relay, consumer, client = link(office)
    if threading.current_thread() is threading.main_thread():
        def _stop(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %d: stopping", signum)
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    bound = ready or threading.Event()
    threads = [
        threading.Thread(target=relay.run, args=(stop,), kwargs={"interval_s": interval_s},
                         name="realestate-relay"),
        threading.Thread(target=consumer.run, args=(stop,), kwargs={"ready": bound},
                         name="realestate-events"),
    ]
    for thread in threads:
        thread.start()
    log.info("running: gateway %s, queue %s, item %s", office.settings.sunlight_url,
             office.settings.queue, office.settings.item_id or "(not set)")
    said_bound = False
    try:
        while not stop.wait(0.5):
            if bound.is_set() and not said_bound:
                log.info("listening: queue %s bound to cases.events", office.settings.queue)
                said_bound = True
            if not all(t.is_alive() for t in threads):
                log.error("a thread of the link stopped unexpectedly; stopping")
                stop.set()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        client.close()
        log.info("stopped")
