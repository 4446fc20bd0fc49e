#!/usr/bin/env bash
# Build the image of Containerfile on a machine that reaches Debian's archive and PyPI but no
# registry of container images (`make image-check`; root, podman, buildah, debootstrap:
# apt-get install podman buildah debootstrap), and run it: as the user 10001 the manifests
# name, migrate every service's database and serve the catalogue until it answers its gRPC
# health check — on the address SUNLIGHT_LISTEN_HOST gives it.
#
# The base is a stand-in: python:3.11.14-slim-bookworm cannot be pulled here, so a bookworm
# root filesystem with Debian's python3 (debootstrap) is imported as $BASE once, and
# Containerfile is built on it (--build-arg PYTHON_IMAGE). It trusts what this machine trusts
# (its CA bundle, as pip's PIP_CERT), so that pip reaches PyPI from inside the build as it
# does from here. RUN steps use buildah's chroot isolation: no OCI runtime, no cgroups.
# About ten minutes the first time (the dependencies); the layers are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${BASE:-localhost/sunlight-check-base:bookworm}
VERSION=$(.venv/bin/python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
IMAGE=sunlight:$VERSION
PORT=${PORT:-45151}

for tool in podman buildah debootstrap; do
  command -v $tool >/dev/null || { echo "needs $tool: apt-get install -y $tool" >&2; exit 2; }
done

if ! podman image exists "$BASE"; then
  root=$(mktemp -d)
  debootstrap --variant=minbase bookworm "$root" >/dev/null
  chroot "$root" bash -c 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends python3 python3-venv python-is-python3 \
    >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*'
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  tar -C "$root" -c . | podman import --change ENV=PIP_CERT=/etc/ssl/certs/ca-certificates.crt - "$BASE" >/dev/null
  rm -rf "$root"
fi

podman build --isolation chroot --build-arg PYTHON_IMAGE="$BASE" -f Containerfile -t "$IMAGE" .
echo "user: $(podman image inspect "$IMAGE" --format '{{.Config.User}}'), size: $(podman image inspect "$IMAGE" --format '{{.Size}}') bytes"

ctr=$(buildah from "$IMAGE")
server=""
cleanup() {
  # the server's process group: the background job, buildah run and the container's python
  if [ -n "$server" ]; then kill -- -"$server" 2>/dev/null || true; wait "$server" || true; fi
  buildah rm "$ctr" >/dev/null
  rm -f "${log:-}"
}
trap cleanup EXIT
set -m  # each background job in a process group of its own
key=$(.venv/bin/python -c "from services.shared.token_keys import TokenKey; print(TokenKey.generate().to_text())")
run() { buildah run --isolation chroot --user 10001:10001 --env SUNLIGHT_TOKEN_KEY="$key" \
          --env SUNLIGHT_LISTEN_HOST=127.0.0.1 --env SUNLIGHT_CATALOGUE_PORT="$PORT" "$ctr" -- "$@"; }
run python -c "import os; assert os.getuid() == 10001; import shutil; assert not shutil.which('pip'), 'pip in the runtime'"
run python -m infra.node migrate
log=$(mktemp)
run timeout 300 python -m services.catalogue.server >"$log" 2>&1 &  # ends by itself anyway
server=$!
.venv/bin/python - "$PORT" <<'EOF' || { cat "$log"; exit 1; }
import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

deadline = time.monotonic() + 120
while True:
    try:
        with grpc.insecure_channel(f"127.0.0.1:{sys.argv[1]}") as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                              timeout=2)
        print("catalogue in the image:",
              health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))
        sys.exit(reply.status != health_pb2.HealthCheckResponse.SERVING)
    except grpc.RpcError:
        if time.monotonic() > deadline:
            sys.exit("the catalogue in the image did not answer within 120 s")
        time.sleep(1)
EOF
