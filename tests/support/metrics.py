"""Reading a process's metrics as Prometheus reads them: the text of ``/metrics``, parsed."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """Every sample of a ``/metrics`` page: (name, labels, value)."""
    return [(s.name, dict(s.labels), s.value)
            for family in text_string_to_metric_families(text) for s in family.samples]


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples ``name`` whose labels include ``labels`` (0: none)."""
    return sum(v for n, found, v in samples(text) if n == name
               and all(found.get(k) == want for k, want in labels.items()))


def names(text: str) -> set[str]:
    """The names of the samples on the page (``_bucket``, ``_count``, ``_total`` … as
    written)."""
    return {n for n, _, _ in samples(text)}


_LABELS = re.compile(r"\{[^}]*\}|\[[^\]]*\]|\b(?:by|without|on|ignoring|group_left|group_right)"
                     r"\s*\([^)]*\)")
_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
#: PromQL's functions, aggregations and keywords the dashboard may use
PROMQL_WORDS = frozenset({
    "sum", "min", "max", "avg", "count", "rate", "irate", "increase", "delta",
    "histogram_quantile", "topk", "bottomk", "abs", "clamp_min", "clamp_max", "and", "or",
    "unless", "offset", "bool", "time", "vector", "scalar", "label_replace"})


def promql_metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label matchers, ranges and grouping
    lists left out)."""
    bare = _LABELS.sub(" ", expr)
    return {n for n in _NAME.findall(bare) if n not in PROMQL_WORDS}


def dashboard_metric_names(dashboard: dict) -> set[str]:
    """Every metric name the queries of a Grafana dashboard's panels read."""
    found: set[str] = set()
    for panel in dashboard.get("panels", []):
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                found |= promql_metric_names(target["expr"])
    return found
