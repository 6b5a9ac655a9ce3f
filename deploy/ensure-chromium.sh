#!/usr/bin/env bash
# Make sure a headless-capable Chromium exists at /usr/bin/chromium (the end-to-end test of the
# report page renders it in a real browser). Installs Debian's package when it is missing and we
# are root; prints nothing when it is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Chromium is missing at /usr/bin/chromium: install it (e.g. apt-get install chromium)," >&2
  echo "or run this script as root: bash deploy/ensure-chromium.sh" >&2
  exit 1
fi
echo "installing Chromium (Debian package chromium)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
