#!/usr/bin/env bash
# Every test, in order of speed. Integration and end-to-end tests use this machine's
# PostgreSQL (PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432 postgres) and RabbitMQ, each
# run in a database and a vhost of its own that are removed afterwards.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

if ! pg_isready -q -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "test: starting the local PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
fi

$BIN/python -m pytest tests "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "test: pytest collected no tests — that is a failure" >&2
  exit 1
fi
exit $status
