"""Fake gRPC stubs' methods called as a real stub's are: at once, or started with
``.future(...)`` (``unary``)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class unary:  # noqa: N801 - a decorator, named as one
    """A fake stub's method, ``Method(request, timeout=, metadata=)`` as written or
    ``Method.future(...)``: a future already answered (or failed with what it raised)."""

    def __init__(self, method: Callable[..., Any]) -> None:
        self.method = method

    def __get__(self, stub: Any, owner: type | None = None) -> _Bound:
        return _Bound(self.method.__get__(stub, owner))


class _Bound:
    def __init__(self, call: Callable[..., Any]) -> None:
        self.call = call

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.call(*args, **kwargs)

    def future(self, *args: Any, **kwargs: Any) -> Future[Any]:
        done: Future[Any] = Future()
        try:
            done.set_result(self.call(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - the call's failure is the future's
            done.set_exception(error)
        return done
