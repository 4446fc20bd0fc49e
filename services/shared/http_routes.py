"""The HTTP routes of the hall and the gateway: FastAPI's, told apart by their fixed prefix first.

A Starlette router tries its routes in turn until one matches, and each of FastAPI's routes
looks up its route context and matches its regular expression to say no — about 11,000
instructions a route: the hall's inbox, 57th of its 63 routes, took 0.63 million fewer (of
11.6) when moved first (the hall in one process, under callgrind). ``PrefixRoute``
says no at once to a path that does not begin with the route's fixed part (all of a path
without parameters — or it with the one trailing newline Starlette's ``$`` lets through —,
the part before the first ``{`` of one with them): no path its regular expression could
match is refused, so which route serves a request does not change. A route reached through
a router included under a prefix (FastAPI matches it against the prefixed path) and an app
served below a root path are matched FastAPI's way alone. Set it as a FastAPI app's
``router.route_class`` before any route is added.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

#: where FastAPI keeps, in the request's scope, the route context of an included router
FASTAPI_SCOPE, ROUTE_CONTEXT = "fastapi", "effective_route_context"
_NONE: dict[str, Any] = {}  # asked of every route for every request: no new dict each time


class PrefixRoute(APIRoute):
    """An ``APIRoute`` that refuses a path outside its fixed prefix before anything else."""

    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.fixed_prefix, _, rest = path.partition("{")
        #: no parameter: the path is the whole route (Starlette's expression is ^path$)
        self.exact = not rest

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # below a root path (a proxy's prefix: Starlette strips it) or through an included
        # router (FastAPI's route context carries the prefixed path): FastAPI's way alone
        if scope["type"] == "http" and not scope.get("root_path") and not scope.get(
                FASTAPI_SCOPE, _NONE).get(ROUTE_CONTEXT):
            path, fixed = scope["path"], self.fixed_prefix
            if (path != fixed and path != fixed + "\n") if self.exact else \
                    not path.startswith(fixed):
                return Match.NONE, {}
        return super().matches(scope)
