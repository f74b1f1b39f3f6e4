#!/usr/bin/env bash
# Installs the system packages the kit's tests need, when they are missing: PostgreSQL's server binaries
# (the tests start throwaway clusters of their own; no server is left running).
# Uses apt-get (Debian, Ubuntu). Elsewhere it says what to install and the PostgreSQL tests are skipped.
set -euo pipefail

have_postgres() {
  command -v pg_ctl >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null
}

if have_postgres; then
  echo "PostgreSQL server binaries: found."
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL server binaries are missing and there is no apt-get here."
  echo "Install PostgreSQL (e.g. 'brew install postgresql'); until then the PostgreSQL tests are skipped."
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
echo "+ $sudo apt-get update && $sudo apt-get install -y postgresql"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
have_postgres && echo "PostgreSQL server binaries: installed."
