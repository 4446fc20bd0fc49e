"""``replace`` for the model's frozen dataclasses, without ``dataclasses.replace``'s cost.

``evolve`` makes a new case (and step instances) for every event, each a frozen dataclass of
up to ~40 fields: ``dataclasses.replace`` walks the fields in Python and calls ``__init__``,
which sets each field through ``object.__setattr__`` (frozen). For a class whose ``__init__``
only assigns its fields — every field in ``__init__``, no ``__post_init__``, no ``__slots__`` —
the new object's fields can be copied at once: the same object, ~4× faster. Any other class
goes to ``dataclasses.replace`` as before.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")
#: class → its field names, in order, when its ``__init__`` only assigns them; else None
_PLAIN: dict[type, tuple[tuple[str, ...], frozenset[str]] | None] = {}


def _plain_fields(cls: type) -> tuple[tuple[str, ...], frozenset[str]] | None:
    if cls in _PLAIN:
        return _PLAIN[cls]
    found = None
    if dataclasses.is_dataclass(cls) and not hasattr(cls, "__post_init__") \
            and not hasattr(cls, "__slots__"):
        fields = dataclasses.fields(cls)
        # no InitVar or ClassVar pseudo-fields, every field set by __init__
        if len(fields) == len(cls.__dataclass_fields__) and all(f.init for f in fields):
            found = tuple(f.name for f in fields), frozenset(f.name for f in fields)
    _PLAIN[cls] = found
    return found


def replace(obj: T, /, **changes: Any) -> T:
    """``dataclasses.replace(obj, **changes)``: a new object with these fields changed."""
    cls = type(obj)
    plain = _plain_fields(cls)
    if plain is None or not changes.keys() <= plain[1]:
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    names, own = plain[0], obj.__dict__
    try:
        values = {name: own[name] for name in names}
    except KeyError:  # a field left at its class default (msgspec decodes so)
        values = {name: getattr(obj, name) for name in names}
    values.update(changes)
    new = object.__new__(cls)
    object.__setattr__(new, "__dict__", values)
    return new
