#!/usr/bin/env bash
# Install the Debian packages given as arguments that are not installed yet (as root, or with
# sudo). Without either, say what is missing and go on: the Python parts still work, and
# PolicyQA reports the files that need the missing tools.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "warning: cannot install ${missing[*]} (no root, no sudo); install them with apt-get" >&2
  exit 0
fi
echo "==> installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
