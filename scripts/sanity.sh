#!/usr/bin/env bash
# ansible-test needs the collection at .../ansible_collections/<namespace>/<name>;
# the repository root is the collection, so sanity runs on a fresh copy of the
# files git knows about (tracked and new, not ignored) placed at that path.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.build/ansible_collections/azure_robotics/stack"
rm -rf "$dest"
mkdir -p "$dest"
cd "$root"
git ls-files --cached --others --exclude-standard -z |
  grep -zv '^\.collections/' |
  tar --null -T - -cf - | tar -xf - -C "$dest"
cd "$dest"
# A repository of its own, so that ansible-test lists these files rather than
# the enclosing checkout's (which ignores .build/).
git init -q . && git add -A
exec ansible-test sanity --python 3.11 --local --color no "$@"
