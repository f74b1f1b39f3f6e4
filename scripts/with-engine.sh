#!/usr/bin/env bash
# Runs a command against a Docker Engine with the stand-in base images built:
#
#   scripts/with-engine.sh COMMAND [ARGS...]
#
# Uses the engine that DOCKER_HOST names when it answers; otherwise installs and starts a private one
# (scripts/private-engine.sh) and stops it afterwards, checking that it left no bridge and no iptables
# chains. Before the command, builds or reuses local stand-ins for the official base images the kit pins
# (conformance/tests/standins/build.py says what they are: no registry answers where the kit is tested).
# `make test-containers` and `make bench` use it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
BIN="${BIN:-.venv/bin}"

stop_private_engine() {
  "$ROOT/scripts/private-engine.sh" stop
  local left=""
  ip link show docker0 >/dev/null 2>&1 && left="the docker0 bridge"
  if iptables -S 2>/dev/null | grep -q DOCKER || iptables -t nat -S 2>/dev/null | grep -q DOCKER; then
    left="${left:+$left and }DOCKER iptables chains"
  fi
  if [ -n "$left" ]; then
    echo "with-engine: the stopped engine left $left behind" >&2
    return 1
  fi
  echo "with-engine: engine stopped; no bridge, no iptables chains left"
}

if [ -n "${DOCKER_HOST:-}" ] && timeout 10 docker version >/dev/null 2>&1; then
  echo "with-engine: using the engine at DOCKER_HOST=$DOCKER_HOST"
else
  unset DOCKER_HOST
  scripts/private-engine.sh install
  eval "$(scripts/private-engine.sh start)"
  trap 'status=$?; stop_private_engine || status=1; exit $status' EXIT
fi

starters=()
for dockerfile in starters/*/Dockerfile; do
  starters+=(--starter "$(basename "$(dirname "$dockerfile")")")
done
echo "+ $BIN/python conformance/tests/standins/build.py ${starters[*]}"
"$BIN/python" conformance/tests/standins/build.py "${starters[@]}"

echo "+ $*"
"$@"
