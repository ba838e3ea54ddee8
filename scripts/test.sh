#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's antiword, Chromium and CJK fonts),
# then run the whole suite. Extra arguments go to pytest: ./scripts/test.sh tests/unit -x
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# Chromium for the browser tests; Noto CJK fonts to render the scanned pages the OCR tests make.
./scripts/apt-packages.sh chromium chromium-driver fonts-noto-cjk
[ -x /usr/bin/chromium ] || echo "warning: /usr/bin/chromium missing; browser tests will be skipped" >&2

# Two workers (pytest-xdist), one per core: much of the suite waits on subprocesses, servers
# and the browser, and a worker steals tests when the other is busy. Extra arguments come after
# and win: ./scripts/test.sh -n 0 tests/unit runs in one process.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist worksteal "$@"
