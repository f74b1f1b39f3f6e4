#!/usr/bin/env bash
# A private Docker Engine for the kit's container tests, on a machine without systemd (a CI runner, a
# container, a laptop where Docker is not set up).
#
#   scripts/private-engine.sh install   # Debian's docker.io, Compose v2 and buildx as CLI plugins
#   scripts/private-engine.sh start     # dockerd with its state in folders of its own; prints the env to use
#   scripts/private-engine.sh env       # the env lines again: eval "$(scripts/private-engine.sh env)"
#   scripts/private-engine.sh stop      # stop it by its PID, remove its bridge and its iptables chains
#
# Debian bookworm's docker-compose is Compose v1 (no `docker compose`), so Compose v2 and buildx come from
# Debian trixie's docker-compose and docker-buildx packages: fetched with `apt-get download` through an
# apt configuration of their own (the system's sources stay as they are) and unpacked as CLI plugins under
# DOCKER_CONFIG. The engine runs with forwarding and masquerading off: containers reach each other and this
# machine's loopback (published ports), nothing beyond.
#
# Settings (environment):
#   TIMETENSION_CACHE       kept between runs: the engine's images, the plugins (default ~/.cache/timetension)
#   TIMETENSION_ENGINE_DIR  the running engine's socket, PID file, log and exec root (default /tmp/timetension-engine)
set -euo pipefail

CACHE="${TIMETENSION_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/timetension}"
STATE="${TIMETENSION_ENGINE_DIR:-/tmp/timetension-engine}"
DATA_ROOT="$CACHE/engine"
DOCKER_CONFIG_DIR="$CACHE/docker-config"
PLUGINS="$DOCKER_CONFIG_DIR/cli-plugins"
SOCKET="$STATE/docker.sock"
PIDFILE="$STATE/dockerd.pid"
TRIXIE_PACKAGES=(docker-compose docker-buildx)
START_TIMEOUT=60

say() { echo "private-engine: $*" >&2; }
run() { echo "+ $*" >&2; "$@"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_engine() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v iptables >/dev/null 2>&1 || missing+=(iptables)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  if [ "${#missing[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || { say "missing ${missing[*]}, and there is no apt-get here"; exit 1; }
    run as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive run as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  if [ -x "$PLUGINS/docker-compose" ] && [ -x "$PLUGINS/docker-buildx" ]; then
    say "Compose v2 and buildx: already in $PLUGINS"
    return
  fi
  local apt_dir
  apt_dir=$(mktemp -d)
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$PLUGINS"
  # The mirror and keyring the system already uses, for trixie only.
  local mirror
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
           | awk '/^(deb |URIs:)/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*debian/ && $i !~ /security/) { print $i; exit } }' || true)
  echo "deb ${mirror:-http://deb.debian.org/debian} trixie main" > "$apt_dir/sources.list"
  local options=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=-"
                 -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root")
  run apt-get "${options[@]}" update -qq
  (cd "$apt_dir" && run apt-get "${options[@]}" download "${TRIXIE_PACKAGES[@]}")
  for deb in "$apt_dir"/*.deb; do
    dpkg-deb -x "$deb" "$apt_dir/root"
  done
  cp "$apt_dir"/root/usr/libexec/docker/cli-plugins/docker-compose "$apt_dir"/root/usr/libexec/docker/cli-plugins/docker-buildx "$PLUGINS/"
  rm -rf "$apt_dir"
  say "Compose v2 and buildx: unpacked into $PLUGINS"
}

print_env() {
  echo "export DOCKER_HOST=unix://$SOCKET"
  echo "export DOCKER_CONFIG=$DOCKER_CONFIG_DIR"
  echo "export DOCKER_BUILDKIT=1"
}

engine_answers() {
  DOCKER_HOST="unix://$SOCKET" DOCKER_CONFIG="$DOCKER_CONFIG_DIR" timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

start_engine() {
  mkdir -p "$STATE" "$DATA_ROOT" "$DOCKER_CONFIG_DIR"
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && engine_answers; then
    say "already running (PID $(cat "$PIDFILE"))"
    print_env
    return
  fi
  command -v dockerd >/dev/null 2>&1 || { say "no dockerd: run '$0 install' first"; exit 1; }
  # dockerd's own containerd, runc and docker-proxy come with Debian's docker.io.
  as_root dockerd \
    --data-root "$DATA_ROOT" --exec-root "$STATE/exec" --pidfile "$PIDFILE" \
    --host "unix://$SOCKET" --storage-driver=overlay2 --exec-opt native.cgroupdriver=cgroupfs \
    --ip-forward=false --ip-masq=false >"$STATE/dockerd.log" 2>&1 &
  local waited=0
  until engine_answers; do
    if ! kill -0 $! 2>/dev/null; then
      say "dockerd stopped at once; its last lines ($STATE/dockerd.log):"
      tail -n 15 "$STATE/dockerd.log" >&2
      exit 1
    fi
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      say "dockerd did not answer within ${START_TIMEOUT} s; see $STATE/dockerd.log"
      stop_engine
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "running (PID $(cat "$PIDFILE")), socket $SOCKET, images kept in $DATA_ROOT"
  print_env
}

remove_leftovers() {
  # What dockerd leaves on the host when it stops: its default bridge and its iptables chains.
  if ip link show docker0 >/dev/null 2>&1; then
    as_root ip link delete docker0 || true
  fi
  local table
  for table in filter nat; do
    if as_root iptables -t "$table" -S 2>/dev/null | grep -q DOCKER; then
      as_root iptables -t "$table" -S | grep -E '^-A .*-j DOCKER' | sed 's/^-A/-D/' | while read -r rule; do
        # shellcheck disable=SC2086  # the rule is a list of arguments
        as_root iptables -t "$table" $rule || true
      done
      as_root iptables -t "$table" -S | grep -E '^-N DOCKER' | awk '{print $2}' | while read -r chain; do
        as_root iptables -t "$table" -F "$chain" || true
        as_root iptables -t "$table" -X "$chain" || true
      done
    fi
  done
}

stop_engine() {
  if [ -f "$PIDFILE" ]; then
    local pid
    pid=$(cat "$PIDFILE")
    if kill -0 "$pid" 2>/dev/null; then
      say "stopping dockerd (PID $pid)"
      as_root kill -TERM "$pid"
      local waited=0
      while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 30 ]; do sleep 1; waited=$((waited + 1)); done
      kill -0 "$pid" 2>/dev/null && as_root kill -KILL "$pid"
    fi
    rm -f "$PIDFILE"
  fi
  remove_leftovers
  # The exec root holds mounts and sockets of the stopped engine only; the images stay in the cache.
  rm -rf "$STATE"
  say "stopped; bridge and iptables chains removed"
}

case "${1:-}" in
  install) install_engine ;;
  start) start_engine ;;
  env) print_env ;;
  stop) stop_engine ;;
  *) echo "usage: $0 install|start|env|stop" >&2; exit 2 ;;
esac
