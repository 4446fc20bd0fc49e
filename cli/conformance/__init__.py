"""The conformance kit: the checks of the protocol documents (docs/protocol/, SUN-PR-01…05)
run against an implementation — a node's gateway (the platform's side) or a department
system's adapter (the adapter's side) — each a named test with a stable id, reported as a
summary, JUnit XML and JSON.

``sunlight conformance list`` prints every check; ``sunlight conformance run --target …``
runs them (docs/protocol/conformance.md). The kit needs only what the command line is
installed with: it speaks to a node over HTTP (httpx), AMQP (pika) and gRPC, never through
the node's code.
"""
