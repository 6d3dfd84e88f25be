#!/usr/bin/env bash
# Debian packages the tests use (bindep.txt, profile "test"): installed with
# apt-get when missing and this user may (root or password-less sudo).
# Missing packages only skip what needs them; nothing here is required by the
# collection itself.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
missing=()
while read -r pkg; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < <(awk '/\[.*test.*\]/ && /platform:dpkg/ {print $1}' "$root/bindep.txt")
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "[setup-system] not installing ${missing[*]} (needs root); tests that need them are skipped" >&2
  exit 0
fi
echo "[setup-system] installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  "${sudo[@]}" apt-get update -q >/dev/null 2>&1
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
