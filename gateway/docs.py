"""The API's documentation pages, both rendered from the OpenAPI document, both offline.

``/docs`` is Swagger UI: its script and stylesheet are the files of a pinned package
(``fastapi-offline``'s copy of Swagger UI 5), served by the gateway under ``/docs/assets/``;
its start-up script is ``/docs/init.js`` (no inline script, so the page's Content Security
Policy allows scripts of the node alone), which loads ``/openapi.json`` and lets a person enter
their bearer token and try a call against the same node. Nothing is loaded from anywhere else.

``/docs/plain`` lists each route's method, path, summary, roles, parameters and request/response
schema names on one page with no script at all (also what ``/docs`` shows without JavaScript).
``/openapi.json`` stays the complete description.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib import resources
from typing import Any

from gateway.api_doc import operations

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
code { font-family: ui-monospace, Menlo, monospace; }
.path { white-space: normal; overflow-wrap: normal; word-break: keep-all; }
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
    for method, path, operation in operations(document):
        cells = (f'<td class="method">{method}</td>',
                 f'<td><code class="path">{wrappable(path)}</code></td>',
                 f"<td>{escape(operation.get('summary', ''))}</td>",
                 f"<td>{escape(', '.join(operation.get('x-sunlight-roles', ())))}</td>",
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
<p>The complete description, with every schema, role, error and example:
<a href="/openapi.json">/openapi.json</a>; to try calls: <a href="/docs">/docs</a>. Schemas are
named after the proto messages (<code>protos/sunlight/*/v1</code>).</p>
<div class="table">
<table>
<caption>Routes</caption>
<thead><tr><th scope="col">Method</th><th scope="col">Path</th><th scope="col">Summary</th>
<th scope="col">Roles</th><th scope="col">Parameters</th><th scope="col">Request body</th>
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


def wrappable(path: str) -> str:
    """A path, escaped, that wraps after its slashes only (never inside a segment)."""
    return "/<wbr>".join(escape(part) for part in path.split("/"))


#: Swagger UI's files: (the package's file, its media type), by the name /docs asks for.
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
          "favicon.png": "image/png"}
ASSET_PACKAGE = "fastapi_offline"
#: Scripts and styles of the node only; Swagger UI sets inline styles and shows inline
#: (data:) images; its calls go to this node alone.
SWAGGER_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
#: Swagger UI's start: this node's document, "try it out" against this node, no validator
#: (it would send the document to an outside service).
SWAGGER_INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    displayRequestDuration: true,
    showExtensions: true,
    showCommonExtensions: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""


@cache
def asset(name: str) -> tuple[bytes, str] | None:
    """(content, media type) of one of Swagger UI's files, or None for any other name."""
    media_type = ASSETS.get(name)
    if media_type is None:
        return None
    return (resources.files(ASSET_PACKAGE) / "static" / name).read_bytes(), media_type


def swagger_page(title: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · API</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<noscript><p>This page needs JavaScript. The same routes without it:
<a href="/docs/plain">/docs/plain</a>; the description: <a href="/openapi.json">/openapi.json</a>.
</p></noscript>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js" charset="utf-8"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""
