#!/usr/bin/env bash
# `make demo`: start the reference implementation on SQLite on a free port, run the whole conformance
# suite against it, show the result, and stop the server whatever happens.
set -euo pipefail

bin=${VENV:-.venv}/bin
workdir=$(mktemp -d)
port=$("$bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reports=${REPORTS:-reports}/demo

echo "+ PORT=$port DATABASE_URL=sqlite:///$workdir/demo.db $bin/timetension-reference &"
PORT=$port DATABASE_URL="sqlite:///$workdir/demo.db" "$bin/timetension-reference" >"$workdir/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

echo "+ $bin/timetension check --url http://127.0.0.1:$port --report $reports"
status=0
"$bin/timetension" check --url "http://127.0.0.1:$port" --report "$reports" || status=$?
if [ "$status" -ne 0 ]; then
  echo
  echo "The reference's log:"
  cat "$workdir/server.log"
fi
exit "$status"
