"""The fault suite: ``make chaos`` (``python -m bench.chaos``).

A province of real nodes (the city 511600 and the district 511602 by default) runs on a
PostgreSQL server and a RabbitMQ broker the suite starts for itself (never the machine's
shared ones), under the load of careful clients (a failed call is repeated with the same
idempotency key). Faults are injected in turn — every process of every node killed with
SIGKILL, the broker stopped and started, the database server restarted, a node frozen — each
followed by a wait for health and for the load to move again. Then the load stops, everything
drains, and every acknowledged transition, trace chain, outbox row, delivered event and
supervision record is reconciled. The last line printed is one JSON object.

One module per responsibility:

- ``dataservices`` — the private PostgreSQL and RabbitMQ
- ``load``         — the item, the careful clients and what they were told
- ``faults``       — the faults and how each is healed
- ``reconcile``    — lost, duplicated, unverified
- ``report``       — the JSON
- ``__main__``     — the command line and the run
"""
