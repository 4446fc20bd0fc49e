"""``/docs``: the API's routes as one plain HTML page, rendered from the OpenAPI document.

The node must work offline, so there is no Swagger UI (it loads from a CDN): the page lists
each route's method, path, summary, parameters and request/response schema names, with no
script and no external asset. ``/openapi.json`` stays the complete description.
"""

from __future__ import annotations

from html import escape
from typing import Any

METHODS = ("get", "put", "post", "patch", "delete")
#: The page carries its own style and nothing else.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; "
                           "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem;
  line-height: 1.5; color: #1f2328; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { border-bottom: 1px solid #d8dee4; padding: .4rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #f6f8fa; }
code { font-family: ui-monospace, Menlo, monospace; overflow-wrap: anywhere; }
.method { font-weight: 700; }
.table { overflow-x: auto; }
"""


def schema_name(schema: dict[str, Any] | None) -> str:
    """The component a schema points to, its title, or a short description of it."""
    if not schema:
        return ""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return ref.rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        inner = schema_name(schema.get("items"))
        return f"array of {inner}" if inner else "array"
    return str(schema.get("title") or schema.get("type") or "")


def _content_schemas(content: dict[str, Any] | None) -> list[str]:
    names = []
    for media_type, body in (content or {}).items():
        name = schema_name(body.get("schema"))
        names.append(f"{name} ({media_type})" if name else media_type)
    return names


def _request(operation: dict[str, Any]) -> str:
    return ", ".join(_content_schemas(operation.get("requestBody", {}).get("content")))


def _response(operation: dict[str, Any]) -> str:
    parts = []
    for code, answer in operation.get("responses", {}).items():
        if str(code).startswith("2"):
            parts.append(f"{code}: " + (", ".join(_content_schemas(answer.get("content")))
                                        or answer.get("description", "")))
    return "; ".join(parts)


def _parameters(operation: dict[str, Any]) -> str:
    return ", ".join(f"{p['name']} ({p['in']})" for p in operation.get("parameters", ())
                     if p.get("in") in ("path", "query"))


def render(document: dict[str, Any]) -> str:
    info = document.get("info", {})
    title = escape(str(info.get("title", "API")))
    rows = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            cells = (f'<td class="method">{method.upper()}</td>',
                     f"<td><code>{escape(path)}</code></td>",
                     f"<td>{escape(operation.get('summary', ''))}</td>",
                     f"<td>{escape(_parameters(operation))}</td>",
                     f"<td>{escape(_request(operation))}</td>",
                     f"<td>{escape(_response(operation))}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · routes</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>{title} {escape(str(info.get("version", "")))}</h1>
<p>{escape(str(info.get("description", "")))}</p>
<p>The complete description, with every schema: <a href="/openapi.json">/openapi.json</a>.
Schemas are named after the proto messages (<code>protos/sunlight/*/v1</code>).</p>
<div class="table">
<table>
<caption>Routes</caption>
<thead><tr><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Summary</th>
<th scope="col">Parameters</th><th scope="col">Request body</th>
<th scope="col">Response</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</div>
</main>
</body>
</html>
"""
