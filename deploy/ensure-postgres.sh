#!/usr/bin/env bash
# Make sure PostgreSQL server binaries exist (the local stack and the tests start their own
# throwaway server with them). Installs Debian's package when they are missing and we are root.
set -euo pipefail
if compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || command -v postgres >/dev/null; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "PostgreSQL server binaries are missing: install them (e.g. apt-get install postgresql)" >&2
  exit 1
fi
echo "installing PostgreSQL server binaries (Debian package postgresql)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
