#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's antiword, Chromium and CJK fonts),
# then run the whole suite. Extra arguments go to pytest: ./scripts/test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# Chromium for the browser tests; Noto CJK fonts to render the scanned pages the OCR tests make.
./scripts/apt-packages.sh chromium chromium-driver fonts-noto-cjk
[ -x /usr/bin/chromium ] || echo "warning: /usr/bin/chromium missing; browser tests will be skipped" >&2

exec .venv/bin/python -m pytest "$@"
