"""A deliberately broken adapter behind the conformance kit's driver protocol: each of the
adapter side's checks has something here to catch.

- no ``Authorization`` header (PR03-ADAPTER-SENDS-TOKEN);
- a failed request is sent again under a *new* key (PR04-ADAPTER-RETRY-SAME-KEY), and a
  refusal (4xx) is retried too, never parked (PR04-ADAPTER-NO-RETRY-4XX);
- no timeout on a request (PR01-ADAPTER-TIMEOUT);
- every event applied as it comes: duplicates again (PR02-ADAPTER-REDELIVERY-ONCE), older
  sequences after newer ones (PR02-ADAPTER-ORDER).
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

import httpx
import pika


class BrokenDriver:
    def __init__(self) -> None:
        self.applied: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.http: httpx.Client | None = None

    def configure(self, request: dict[str, Any]) -> dict[str, Any]:
        self.http = httpx.Client(base_url=request["gateway_url"], timeout=None)  # noqa: S113 - the fault
        if request.get("amqp_url"):
            bound = threading.Event()
            threading.Thread(target=self.consume, args=(request, bound), daemon=True).start()
            bound.wait(30)
        return {"ok": True}

    def consume(self, request: dict[str, Any], bound: threading.Event) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(request["amqp_url"]))
        channel = connection.channel()
        channel.exchange_declare(request["exchange"], "topic", durable=True)
        channel.queue_declare(request["queue"], durable=True)
        for key in request["routing_keys"]:
            channel.queue_bind(request["queue"], request["exchange"], key)

        def deliver(ch: Any, method: Any, properties: Any, body: bytes) -> None:
            event = json.loads(body)
            with self.lock:  # applied whatever it is: no record of ids, no sequence kept
                self.applied.append({"event_id": event["event_id"],
                                     "case_number": event["data"]["case_number"],
                                     "sequence": int(event["data"]["sequence"])})
            ch.basic_ack(method.delivery_tag)

        channel.basic_consume(request["queue"], deliver)
        bound.set()
        while not self.stop_event.is_set():
            connection.process_data_events(time_limit=0.2)
        connection.close()

    def submit(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.http is not None
        body = dict(request["application"])
        for attempt in range(3):
            reply = self.http.post("/v1/cases", json=body)  # no Authorization header
            if reply.status_code < 300:
                return {"ok": True, "outcome": "delivered",
                        "case_number": reply.json()["case"]["case_number"]}
            body["idempotency_key"] = f"{request['application']['idempotency_key']}-{attempt}"
        return {"ok": True, "outcome": "pending"}

    def flush(self, _: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def applied_events(self, _: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return {"ok": True, "events": list(self.applied)}

    def stop(self, _: dict[str, Any]) -> dict[str, Any]:
        self.stop_event.set()
        return {"ok": True}


def main() -> None:
    driver = BrokenDriver()
    ops = {"configure": driver.configure, "submit": driver.submit, "flush": driver.flush,
           "applied": driver.applied_events, "stop": driver.stop}
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(ops[request["op"]](request)), flush=True)
        if request["op"] == "stop":
            return


if __name__ == "__main__":
    main()
