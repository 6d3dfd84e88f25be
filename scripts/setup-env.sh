#!/usr/bin/env bash
# Prepares the project's own environment: a Python 3.11 venv in .venv with the
# collection's, the training package's and the test tools' requirements, the
# Ansible collections this collection depends on, and the offline get-pip
# stand-in that ansible-test needs. Idempotent: a stamp of the inputs' hash
# makes a warm run a no-op.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

PYTHON="${PYTHON:-python3.11}"
VENV="${VENV:-$root/.venv}"
COLLECTIONS="$root/.collections/ansible_collections"
CACHE="$root/.cache"
# The ansible community package carries kubernetes.core and awx.awx; used when
# Galaxy is unreachable.
ANSIBLE_PACKAGE_VERSION="${ANSIBLE_PACKAGE_VERSION:-12.3.0}"

log() { printf '[setup-env] %s\n' "$*" >&2; }

inputs_hash() {
  cat requirements.txt tests/requirements.txt tests/constraints.txt \
      training/pyproject.toml requirements.yml scripts/setup-env.sh |
    sha256sum | cut -d' ' -f1
}

stamp="$VENV/.setup-stamp"
want="$(inputs_hash)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -z "${FORCE_SETUP:-}" ]]; then
  exit 0
fi

"$PYTHON" - <<'EOF' || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)
EOF

if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
pip=("$VENV/bin/python" -m pip --disable-pip-version-check)

# pip 23's resolver fails on this dependency graph; a current pip does not.
"${pip[@]}" install --quiet --upgrade "pip>=24.2" 2> >(grep -v '^WARNING: Location' >&2)

log "installing Python requirements (torch pinned in the same command)"
# torch is pinned here, next to the packages that depend on it, so that pip
# takes the CPU wheel instead of resolving a multi-GB CUDA build.
"${pip[@]}" install --quiet \
  -c tests/constraints.txt \
  torch \
  -r requirements.txt \
  -r tests/requirements.txt \
  -e "training[rl,report,azureml]" \
  "mlflow>=2.16" \
  2> >(grep -v '^WARNING: Location' >&2)

mkdir -p "$COLLECTIONS" "$CACHE"
install_collections() {
  if [[ -f "$COLLECTIONS/kubernetes/core/MANIFEST.json" && -f "$COLLECTIONS/awx/awx/MANIFEST.json" ]]; then
    return
  fi
  # Galaxy first (what real users have); the ansible PyPI package otherwise.
  if timeout 20 "$VENV/bin/ansible-galaxy" collection install -r requirements.yml \
       -p "$root/.collections" >/dev/null 2>&1; then
    log "collections installed from Galaxy"
    return
  fi
  log "Galaxy unreachable: taking kubernetes.core and awx.awx from the ansible $ANSIBLE_PACKAGE_VERSION wheel"
  local wheel_dir="$CACHE/ansible-wheel"
  mkdir -p "$wheel_dir"
  if ! ls "$wheel_dir"/ansible-"$ANSIBLE_PACKAGE_VERSION"-*.whl >/dev/null 2>&1; then
    "${pip[@]}" download --quiet --no-deps -d "$wheel_dir" "ansible==$ANSIBLE_PACKAGE_VERSION"
  fi
  "$VENV/bin/python" - "$wheel_dir"/ansible-"$ANSIBLE_PACKAGE_VERSION"-*.whl "$root/.collections" <<'EOF'
import shutil, sys, zipfile
from pathlib import Path

wheel, dest = sys.argv[1], Path(sys.argv[2])
wanted = ("ansible_collections/kubernetes/core/", "ansible_collections/awx/awx/")
with zipfile.ZipFile(wheel) as zf:
    for prefix in wanted:
        target = dest / prefix
        if target.exists():
            shutil.rmtree(target)
        for name in zf.namelist():
            if name.startswith(prefix) and not name.endswith("/"):
                zf.extract(name, dest)
EOF
}
install_collections

# ansible-test bootstraps pip in its venvs with get-pip.py from a host this
# machine cannot reach; it looks in its cache first. Our stand-in installs the
# pip wheel downloaded from PyPI.
"$root/scripts/get-pip-standin.sh" "$VENV"

printf '%s' "$want" >"$stamp"
log "environment ready: $VENV"
