#!/usr/bin/env bash
# The main job: install, ingest the sample corpus, then start the web app
# (or, with arguments, answer one question: ./scripts/run.sh "阳江2022年新增多少高企？").
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
CORPUS="${POLICYQA_CORPUS:-../shared/corpus}"
.venv/bin/policyqa ingest "$CORPUS"
if [ "$#" -gt 0 ]; then
  exec .venv/bin/policyqa ask "$@"
fi
exec .venv/bin/policyqa serve
