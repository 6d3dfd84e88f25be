#!/usr/bin/env bash
# Writes the get-pip stand-in ansible-test looks for in its cache. The real
# get-pip.py comes from a host outside this machine's reach; the stand-in
# installs pip from a wheel downloaded from PyPI instead.
set -euo pipefail

venv="$1"
py="$venv/bin/python"
# The pip version ansible-test expects (it names the cache file after it).
pip_version="$("$py" - <<'EOF'
import ansible_test._internal.python_requirements as pr
print(pr.PIP_VERSION if hasattr(pr, "PIP_VERSION") else "24.2")
EOF
)"
cache="${ANSIBLE_TEST_CACHE:-$HOME/.ansible/test/cache}"
wheels="$cache/pip-wheels"
mkdir -p "$cache" "$wheels"
if ! ls "$wheels"/pip-"$pip_version"-*.whl >/dev/null 2>&1; then
  "$py" -m pip download --quiet --no-deps -d "$wheels" "pip==$pip_version"
fi
target="$cache/get_pip_${pip_version//./_}.py"
cat >"$target" <<EOF
"""Offline stand-in for get-pip.py: installs pip ${pip_version} from a local wheel."""
import glob
import sys

WHEELS = "${wheels}"
wheel = sorted(glob.glob(WHEELS + "/pip-${pip_version}-*.whl"))[-1]
sys.path.insert(0, wheel)
from pip._internal.cli.main import main  # noqa: E402

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", "--force-reinstall", "--no-index",
               "--find-links", WHEELS, wheel] + args))
EOF
