#!/usr/bin/env bash
# Builds the collection tarball, installs it into an empty collections path and
# renders the documentation of every module, plugin and role from the installed
# copy: what a user gets from Galaxy must be complete.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.cache/build"
rm -rf "$out"
mkdir -p "$out/dist" "$out/collections"
cd "$root"
ansible-galaxy collection build --force --output-path "$out/dist" >/dev/null
tarball=$(ls "$out"/dist/azure_robotics-stack-*.tar.gz)
echo "built $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"
# Nothing generated or local may end up in the tarball.
if tar -tzf "$tarball" | grep -E '(^|/)(\.venv|\.cache|\.local|\.collections|\.build|tests/output|__pycache__)(/|$)'; then
  echo "generated files leaked into the tarball" >&2
  exit 1
fi
ansible-galaxy collection install --force --offline --no-deps -p "$out/collections" "$tarball" >/dev/null 2>&1
export ANSIBLE_COLLECTIONS_PATH="$out/collections:$root/.collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
cd "$out"
installed="$out/collections/ansible_collections/azure_robotics/stack"
count=0
for kind in module filter lookup inventory callback; do
  dir=$kind ext=py
  [[ $kind == module ]] && dir=modules
  # A filter plugin file holds several filters, each documented in its own YAML file.
  [[ $kind == filter ]] && ext=yml
  for f in "$installed"/plugins/"$dir"/*."$ext"; do
    [[ -e "$f" ]] || continue
    name=$(basename "$f" ."$ext")
    [[ "$name" == __init__ ]] && continue
    ansible-doc -t "$kind" "azure_robotics.stack.$name" >/dev/null
    count=$((count + 1))
  done
done
for role in "$installed"/roles/*/; do
  ansible-doc -t role "azure_robotics.stack.$(basename "$role")" >/dev/null
  count=$((count + 1))
done
ansible-doc -l azure_robotics.stack >/dev/null
echo "ansible-doc rendered $count plugins and roles from the installed collection"
