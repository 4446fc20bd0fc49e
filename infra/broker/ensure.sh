#!/usr/bin/env bash
# Make sure a RabbitMQ is reachable for the node, and that the node's vhost exists.
#   AMQP_URI set   -> only check that it answers (its vhost is the operator's business)
#   else           -> use the local broker on 127.0.0.1:5672, starting it if it is installed
#                     but stopped, installing it (apt-get, as root) if it is missing.
set -euo pipefail
VHOST="${SUNLIGHT_VHOST:-sunlight-${SUNLIGHT_NODE_REGION:-510000}}"

reachable() { # host port
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

if [ -n "${AMQP_URI:-}" ]; then
  hostport=$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p.hostname or "127.0.0.1", p.port or (5671 if p.scheme=="amqps" else 5672))' "$AMQP_URI")
  # shellcheck disable=SC2086
  if reachable $hostport; then echo "broker: using AMQP_URI ($hostport)"; exit 0; fi
  echo "broker: AMQP_URI points at $hostport, which does not answer" >&2; exit 1
fi

if ! reachable 127.0.0.1 5672; then
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
      echo "broker: RabbitMQ is not installed; run as root or: apt-get install -y rabbitmq-server" >&2
      exit 1
    fi
    echo "broker: installing rabbitmq-server (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server
  fi
  echo "broker: starting the local RabbitMQ"
  rabbitmq-server -detached
  timeout 120 rabbitmqctl await_startup >/dev/null
fi

if command -v rabbitmqctl >/dev/null 2>&1; then
  if ! rabbitmqctl -q list_vhosts 2>/dev/null | grep -qx "$VHOST"; then
    rabbitmqctl -q add_vhost "$VHOST" >/dev/null
  fi
  rabbitmqctl -q set_permissions -p "$VHOST" guest '.*' '.*' '.*' >/dev/null
  echo "broker: local RabbitMQ on 127.0.0.1:5672, vhost $VHOST"
else
  echo "broker: a broker answers on 127.0.0.1:5672 (not managed here); vhost $VHOST must exist" >&2
fi
