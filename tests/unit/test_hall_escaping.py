"""The hall's escaping is markupsafe's, byte for byte, and it is what the hall's templates use."""

from __future__ import annotations

from unittest import mock

import markupsafe
import pytest
from jinja2 import Environment, Undefined

from services.hall.app import create_app
from services.hall.escaping import EscapingTemplate, escape


class _Html:
    def __html__(self) -> str:
        return "<b>已是 HTML</b>"

    def __repr__(self) -> str:  # the test's id, the same in every worker
        return "_Html()"


class _Text(str):
    """A str subclass: markupsafe's slower path, kept."""


VALUES = ["", "张三", "<script>alert('x')</script>", 'a "quoted" & <tagged> value',
          "受理编号 51160220261201000007", _Text("<i>子类</i>"),
          markupsafe.Markup("<em>已转义</em>"), _Html(), 42, 3.5, None, True,
          ["<列表>"], Undefined()]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_same_markup_as_markupsafe(value: object) -> None:
    ours, theirs = escape(value), markupsafe.escape(value)
    assert ours == theirs
    assert type(ours) is markupsafe.Markup
    # and it stays safe: escaped once, not again
    assert escape(ours) == ours


def test_a_template_of_that_class_escapes_with_it() -> None:
    env = Environment(autoescape=True)
    env.template_class = EscapingTemplate
    template = env.from_string("<p title=\"{{ v }}\">{{ v }}{{ m }}</p>")
    assert template.root_render_func.__globals__["escape"] is escape
    assert template.render(v="<a href='x'>&</a>", m=markupsafe.Markup("<br>")) == (
        "<p title=\"&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;\">"
        "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;<br></p>")


def test_the_hall_s_templates_escape_with_it() -> None:
    app = create_app(mock.MagicMock(), "<节点>")
    env = app.state.templates.env
    for name in ("base.html", "workbench/inbox.html", "track/my_case.html"):
        assert env.get_template(name).root_render_func.__globals__["escape"] is escape
