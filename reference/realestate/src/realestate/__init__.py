"""A reference department system: a real-estate registration office (不动产登记) with its own
database, attached to a Sunlight (阳光) node through ``sunlight_adapter`` only.

- :mod:`realestate.domain` — its own rules (kinds, statuses, the order of steps, inputs);
- :mod:`realestate.office` — the counter and the clerks' steps, each committed with its
  request to the node in one outbox transaction; what the node answers and publishes;
- :mod:`realestate.runner` — ``realestate run``: the relay and the event consumer;
- :mod:`realestate.cli` — ``realestate …``.
"""
