"""The node's front door: an HTTP JSON API and a gRPC port in one process.

``python -m gateway.server`` serves

- on ``SUNLIGHT_GATEWAY_HTTP_PORT`` (8080): the JSON API (``/v1/...``), its OpenAPI document
  (``/openapi.json``; ``/docs`` lists the routes, offline) and ``/healthz``;
- on ``SUNLIGHT_GATEWAY_GRPC_PORT`` (18050): ``sunlight.gateway.v1.NodeService`` and every unary
  and server-streaming call of the node's public services, forwarded unchanged to the process
  that owns them.

The gateway holds no state and no business rule: it translates and forwards.
"""
