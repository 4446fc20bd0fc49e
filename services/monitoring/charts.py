"""A ranked table as an SVG bar chart, drawn on the server with no dependency: one horizontal
bar per row in rank order, its value written beside it, Chinese labels; a ``<title>`` and a
``<desc>`` that say the whole chart in words (screen readers, and anyone without the picture);
rows whose value is unknown are listed as 未知 without a bar (an unknown is not a zero).

Pure: text in, text out.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from services.monitoring.domain.evaluation import METRICS, RATES, Row, shown

WIDTH = 760
LABEL_WIDTH = 250
BAR_HEIGHT = 22
GAP = 8
TOP = 64
#: most bars drawn (the rest are counted in the description)
MAX_BARS = 50
FONT = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Zen Hei','Microsoft YaHei',sans-serif"


def _cut(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def bar_chart(rows: list[Row], metric: str, title: str) -> str:
    """The rows (already ranked) as bars of ``metric``."""
    label, _better = METRICS[metric]
    drawn = rows[:MAX_BARS]
    values = [r.value(metric) for r in drawn]
    known = [v for v in values if v is not None]
    top = 1.0 if metric in RATES else max([*known, 0.0]) or 1.0
    span = WIDTH - LABEL_WIDTH - 90
    height = TOP + max(1, len(drawn)) * (BAR_HEIGHT + GAP) + 24
    words = [f"{r.rank or '—'}. {r.name}：{shown(v, metric)}"
             for r, v in zip(drawn, values, strict=True)]
    if len(rows) > len(drawn):
        words.append(f"另有 {len(rows) - len(drawn)} 行未画出")
    description = f"{title}，{label}，共 {len(rows)} 行。" + ("；".join(words) or "没有数据。")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-labelledby="chart-title chart-desc" '
        f'font-family="{escape(FONT)}" font-size="13">',
        f'<title id="chart-title">{escape(title)}：{escape(label)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="16" y="26" font-size="16" font-weight="bold" fill="#1a1a1a">'
        f'{escape(title)}</text>',
        f'<text x="16" y="48" fill="#444444">{escape(label)}'
        f'{"（满分 100%）" if metric in RATES else ""}</text>']
    if not drawn:
        parts.append(f'<text x="16" y="{TOP + 16}" fill="#444444">没有数据</text>')
    for n, (row, value) in enumerate(zip(drawn, values, strict=True)):
        y = TOP + n * (BAR_HEIGHT + GAP)
        name = f"{row.rank}. {_cut(row.name)}" if row.rank else _cut(row.name)
        parts.append(f'<g><title>{escape(row.name)}：{escape(shown(value, metric))}</title>')
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" '
                     f'fill="#1a1a1a">{escape(name)}</text>')
        if value is None:
            parts.append(f'<text x="{LABEL_WIDTH}" y="{y + 16}" fill="#6b6b6b">未知</text>')
        else:
            width = max(1.0, span * max(0.0, value) / top) if value else 0.0
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
                         f'height="{BAR_HEIGHT}" fill="#1f5fa8"/>')
            parts.append(f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 16}" '
                         f'fill="#1a1a1a">{escape(shown(value, metric))}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
