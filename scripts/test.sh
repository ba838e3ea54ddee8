#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's Chromium for the browser tests),
# then run the whole suite. Extra arguments go to pytest: ./scripts/test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "==> installing Debian chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
  else
    echo "warning: /usr/bin/chromium missing and no root; browser tests will be skipped" >&2
  fi
fi

exec .venv/bin/python -m pytest "$@"
