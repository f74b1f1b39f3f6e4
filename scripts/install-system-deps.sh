#!/usr/bin/env bash
# Installs the system packages the kit's tests need, when they are missing: PostgreSQL's server binaries
# (the tests start throwaway clusters of their own; no server is left running) and Chromium (the site's
# tests open pages in it, headless, and take screenshots), and wrk (`make bench` compares the suite's
# load client with it), and wget and curl (each branch of the compose template's health check is run),
# and jq (a failure's Reproduce block, pasted into bash, reads tokens and ids with it).
# Uses apt-get (Debian, Ubuntu). Elsewhere it says what to install, and those tests are skipped.
set -euo pipefail

have_postgres() {
  command -v pg_ctl >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}

have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1
}

have_wrk() {
  command -v wrk >/dev/null 2>&1
}

have_jq() {
  command -v jq >/dev/null 2>&1
}

have_http_clients() {
  command -v wget >/dev/null 2>&1 && command -v curl >/dev/null 2>&1
}

missing=()
if have_postgres; then
  echo "PostgreSQL server binaries: found."
else
  missing+=(postgresql)
fi
if have_chromium; then
  echo "Chromium: found."
else
  missing+=(chromium)
fi

if have_wrk; then
  echo "wrk: found."
else
  missing+=(wrk)
fi

if have_http_clients; then
  echo "wget and curl: found."
else
  missing+=(wget curl)
fi

if have_jq; then
  echo "jq: found."
else
  missing+=(jq)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Missing: ${missing[*]}, and there is no apt-get here."
  echo "Install PostgreSQL (e.g. 'brew install postgresql') and Chromium (e.g. 'brew install --cask chromium');"
  echo "until then the PostgreSQL tests and the site's browser tests are skipped."
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "+ $sudo apt-get update && $sudo apt-get install -y ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
have_postgres && echo "PostgreSQL server binaries: installed."
have_chromium && echo "Chromium: installed."
have_wrk && echo "wrk: installed."
