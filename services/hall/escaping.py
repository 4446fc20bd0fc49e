"""The hall's templates escape every value they show, as before, at half the cost.

Jinja's autoescape calls ``markupsafe.escape`` on each ``{{ … }}``: for a string, markupsafe's C
escaper and then ``Markup(…)``, whose Python-level constructor (a frame, a ``hasattr``, a
``super()``) cost more than the escaping itself — for an inbox page of 20 rows, ~600 values,
a fifth of the hall's instructions for the page. ``escape`` below makes the same ``Markup``
from the same C escaper directly; every other value (``Markup``, numbers, ``None``, objects
with ``__html__``) goes to markupsafe as before. The result is byte for byte markupsafe's
(``tests/unit/test_hall_escaping.py``).

``EscapingTemplate`` puts it in each compiled template's namespace, where the generated code
looks ``escape`` up (Jinja imports ``markupsafe.escape`` there): set it as the environment's
``template_class`` before any template is loaded.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from jinja2 import Environment, Template
from markupsafe import Markup
from markupsafe import escape as markup_escape

try:  # markupsafe's own escaper (C; its pure-Python twin where the extension is not built)
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - markupsafe ships wheels with the extension
    from markupsafe._native import _escape_inner

_new_markup = str.__new__


def escape(value: Any, /) -> Markup:
    """``markupsafe.escape(value)``: the same ``Markup``, made without ``Markup.__new__``
    for a plain string."""
    if type(value) is str:
        return _new_markup(Markup, _escape_inner(value))
    return markup_escape(value)


class EscapingTemplate(Template):
    """A template whose generated code escapes with ``escape`` above."""

    @classmethod
    def _from_namespace(cls, environment: Environment, namespace: MutableMapping[str, Any],
                        globals: MutableMapping[str, Any]) -> Template:  # noqa: A002 - Jinja's
        namespace["escape"] = escape
        return super()._from_namespace(environment, namespace, globals)
