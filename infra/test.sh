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

# The browser tests drive Debian's Chromium and need a CJK font for their screenshots.
fonts=$(fc-list 2>/dev/null || true)
if ! [ -x /usr/bin/chromium ] || [[ "$fonts" != *"Noto Sans CJK"* ]]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing chromium and fonts-noto-cjk for the browser tests"
    apt-get install -y -q chromium fonts-noto-cjk >/dev/null || {
      apt-get update -q >/dev/null && apt-get install -y -q chromium fonts-noto-cjk >/dev/null; }
  else
    echo "test: the browser tests need /usr/bin/chromium and fonts-noto-cjk (as root:" \
         "apt-get install chromium fonts-noto-cjk)" >&2
  fi
fi

# Two pytest-xdist workers (SUNLIGHT_TEST_WORKERS; 0 runs in this process): a third of a
# run on one is a core idle while nodes start. Each module, and each package whose modules
# share a node, goes whole to one worker, slow kinds first (tests/support/workers.py).
# --durations: the slowest set-ups and tests, to keep the whole run short.
$BIN/python -m pytest tests -n "${SUNLIGHT_TEST_WORKERS:-2}" --no-loadscope-reorder \
  --durations=25 "$@"
status=$?
if [ $status -eq 5 ]; then
  echo "test: pytest collected no tests — that is a failure" >&2
  exit 1
fi
exit $status
