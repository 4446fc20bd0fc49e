"""An item's flow drawn as a picture (流程图), on the server, as SVG: no hand-drawn images, no
script.

Top to bottom, so that it reads on a phone: 开始, the steps in order, 办结. A step with parallel
branches (并联审批) stands in one row with them, side by side, fed by one fork and closed by
one join before the next step. Each box shows the step's name (wrapped) and its limit with
its unit. The picture carries a ``<title>`` and a ``<desc>`` that say the whole flow in words;
the page also lists the steps as text. A default flow the department has not confirmed is
drawn with dashed lines and says so.

Only SVG presentation attributes, never ``style``: the hall's Content-Security-Policy allows no
inline styles.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH = 360  # the drawing's own units; it scales to the page's width
MARGIN = 10
GAP = 8
COLUMN_MIN = 104  # narrowest box of a parallel row; wider rows widen the drawing
NAME_SIZE, LIMIT_SIZE = 14, 12
LINE = 18  # line height of a name
ARROW = 22  # vertical space of an arrow between rows
INK, MUTED, ACCENT, PAPER, STEP = "#1f2328", "#59636e", "#b3261e", "#ffffff", "#fde8e7"


@dataclass(frozen=True)
class FlowStep:
    """A step as the public sees it: name, limit in words, its branches (who, limit)."""

    name: str
    limit: str
    branches: tuple[tuple[str, str], ...] = ()


def text_width(text: str, size: int) -> float:
    """Approximate width: a CJK character is one em, anything else about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.56 for ch in text)


def wrap(text: str, width: float, size: int, lines: int = 3) -> list[str]:
    """``text`` cut into at most ``lines`` lines that fit ``width``; the last one ends in …
    when the text does not fit (the full name is in the title, desc and text list)."""
    out: list[str] = []
    current = ""
    for ch in text:
        if current and text_width(current + ch, size) > width:
            out.append(current)
            current = ""
        current += ch
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        last = out[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        out[-1] = last + "…"
    return out


def describe(steps: list[FlowStep], unconfirmed: bool) -> str:
    """The flow in words, for ``<desc>``."""
    parts = []
    for n, step in enumerate(steps, start=1):
        said = f"第 {n} 步 {step.name}（{step.limit}）"
        if step.branches:
            said += "，同时并联办理：" + "、".join(f"{who}（{limit}）"
                                               for who, limit in step.branches)
            said += "，全部完成后进入下一步"
        parts.append(said)
    text = f"共 {len(steps)} 个环节：" + "；".join(parts) + "。"
    if unconfirmed:
        text += "此流程为系统导入时的默认流程，尚未经部门确认。"
    return text


@dataclass
class _Box:
    x: float
    y: float
    w: float
    h: float
    lines: list[str]
    limit: str
    step: bool


def flow_svg(steps: list[FlowStep], *, title: str, unconfirmed: bool = False,
             ident: str = "flow") -> str:
    """The SVG markup (an inline ``<svg>`` element) of ``steps``."""
    columns = max([1 + len(s.branches) for s in steps] or [1])
    width = max(WIDTH, 2 * MARGIN + columns * COLUMN_MIN + (columns - 1) * GAP)
    centre = width / 2
    dash = ' stroke-dasharray="5 4"' if unconfirmed else ""
    body: list[str] = []
    y = float(MARGIN)

    def oval(label: str) -> None:
        nonlocal y
        body.append(f'<rect x="{centre - 50:.1f}" y="{y:.1f}" width="100" height="30" rx="15" '
                    f'fill="{PAPER}" stroke="{MUTED}" stroke-width="1.5"{dash}/>')
        body.append(f'<text x="{centre:.1f}" y="{y + 20:.1f}" text-anchor="middle" '
                    f'font-size="{NAME_SIZE}" fill="{INK}">{escape(label)}</text>')
        y += 30

    def arrow(x: float, y1: float, y2: float) -> None:
        body.append(f'<line x1="{x:.1f}" y1="{y1:.1f}" x2="{x:.1f}" y2="{y2 - 2:.1f}" '
                    f'stroke="{MUTED}" stroke-width="1.5" marker-end="url(#{ident}-arrow)"/>')

    def box_height(lines: list[str]) -> float:
        return 10 + LINE * len(lines) + LIMIT_SIZE + 10

    oval("开始")
    for step in steps:
        if not step.branches:
            w = min(260.0, width - 2 * MARGIN)
            lines = wrap(step.name, w - 16, NAME_SIZE)
            arrow(centre, y, y + ARROW)
            y += ARROW
            box = _Box(centre - w / 2, y, w, box_height(lines), lines, step.limit, True)
            _draw(body, box, dash)
            y += box.h
            continue
        n = 1 + len(step.branches)
        w = (width - 2 * MARGIN - (n - 1) * GAP) / n
        cells = [(step.name, step.limit, True)] + [(who, limit, False)
                                                   for who, limit in step.branches]
        wrapped = [wrap(name, w - 12, NAME_SIZE) for name, _, _ in cells]
        h = max(box_height(lines) for lines in wrapped)
        xs = [MARGIN + i * (w + GAP) for i in range(n)]
        mids = [x + w / 2 for x in xs]
        fork = y + ARROW / 2
        body.append(f'<line x1="{centre:.1f}" y1="{y:.1f}" x2="{centre:.1f}" y2="{fork:.1f}" '
                    f'stroke="{MUTED}" stroke-width="1.5"/>')
        body.append(f'<line x1="{mids[0]:.1f}" y1="{fork:.1f}" x2="{mids[-1]:.1f}" '
                    f'y2="{fork:.1f}" stroke="{MUTED}" stroke-width="1.5"/>')
        top = fork + ARROW
        for mid in mids:
            arrow(mid, fork, top)
        for x, lines, (_, limit, is_step) in zip(xs, wrapped, cells, strict=True):
            _draw(body, _Box(x, top, w, h, lines, limit, is_step), dash)
        join = top + h + ARROW / 2
        for mid in mids:
            body.append(f'<line x1="{mid:.1f}" y1="{top + h:.1f}" x2="{mid:.1f}" '
                        f'y2="{join:.1f}" stroke="{MUTED}" stroke-width="1.5"/>')
        body.append(f'<line x1="{mids[0]:.1f}" y1="{join:.1f}" x2="{mids[-1]:.1f}" '
                    f'y2="{join:.1f}" stroke="{MUTED}" stroke-width="1.5"/>')
        body.append(f'<text x="{MARGIN}" y="{join + 15:.1f}" text-anchor="start" '
                    f'font-size="{LIMIT_SIZE - 1}" fill="{MUTED}">并联办理，全部完成后继续</text>')
        y = join
    arrow(centre, y, y + ARROW + (16 if steps and steps[-1].branches else 0))
    y += ARROW + (16 if steps and steps[-1].branches else 0)
    oval("办结")
    y += MARGIN
    if unconfirmed:
        body.append(f'<text x="{width - MARGIN:.1f}" y="{y:.1f}" text-anchor="end" '
                    f'font-size="{LIMIT_SIZE}" fill="{ACCENT}">默认流程，未经部门确认</text>')
        y += 6
    height = y + MARGIN
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-chart" role="img" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
            f'height="{height:.0f}" aria-labelledby="{ident}-title {ident}-desc" '
            f'font-family="system-ui, &quot;Noto Sans CJK SC&quot;, sans-serif">'
            f'<title id="{ident}-title">{escape(title)}</title>'
            f'<desc id="{ident}-desc">{escape(describe(steps, unconfirmed))}</desc>'
            f'<defs><marker id="{ident}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
            f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{MUTED}"/></marker></defs>')
    return head + "".join(body) + "</svg>"


def _draw(body: list[str], box: _Box, dash: str) -> None:
    fill, stroke = (STEP, ACCENT) if box.step else (PAPER, MUTED)
    branch_dash = dash or ("" if box.step else ' stroke-dasharray="2 2"')
    body.append(f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" '
                f'height="{box.h:.1f}" rx="6" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="1.5"{branch_dash}/>')
    mid = box.x + box.w / 2
    for i, line in enumerate(box.lines):
        body.append(f'<text x="{mid:.1f}" y="{box.y + 10 + LINE * (i + 1) - 4:.1f}" '
                    f'text-anchor="middle" font-size="{NAME_SIZE}" fill="{INK}">'
                    f'{escape(line)}</text>')
    body.append(f'<text x="{mid:.1f}" y="{box.y + box.h - 10:.1f}" text-anchor="middle" '
                f'font-size="{LIMIT_SIZE}" fill="{MUTED}">{escape(box.limit)}</text>')
