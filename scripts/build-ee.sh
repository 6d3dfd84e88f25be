#!/usr/bin/env bash
# Builds the execution environment of meta/execution-environment.yml (ansible-builder v3).
#   scripts/build-ee.sh                 ansible-builder build (needs podman or docker, and the internet)
#   scripts/build-ee.sh --create-only   only the build context (no container engine, no network)
# Options: --tag TAG (default azure-robotics-ee:<collection version>), --engine podman|docker,
#          --output DIR (staging directory, default .build/ee; the context is DIR/context).
# Steps: build this collection's tarball from the checkout, stage the definition next to the files it names
# (requirements.txt, bindep.txt, collection/azure_robotics-stack.tar.gz), run ansible-builder there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.build/ee"
mode=build
engine="${CONTAINER_ENGINE:-podman}"
tag=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --create-only) mode=create ;;
    --tag) tag="$2"; shift ;;
    --engine) engine="$2"; shift ;;
    --output) out="$2"; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
bin="$(dirname "$(command -v ansible-builder || echo "$root/.venv/bin/ansible-builder")")"
version="$(sed -n 's/^version: *//p' "$root/galaxy.yml")"
tag="${tag:-azure-robotics-ee:$version}"

rm -rf "$out/collection" "$out/context"
mkdir -p "$out/collection"
"$bin/ansible-galaxy" collection build "$root" --output-path "$out/collection" --force >/dev/null
mv "$out/collection/azure_robotics-stack-$version.tar.gz" "$out/collection/azure_robotics-stack.tar.gz"
cp "$root/meta/execution-environment.yml" "$out/execution-environment.yml"
cp "$root/requirements.txt" "$root/bindep.txt" "$out/"

cd "$out"
if [[ "$mode" == create ]]; then
  "$bin/ansible-builder" create --file execution-environment.yml --context context --output-filename Containerfile
else
  "$bin/ansible-builder" build --file execution-environment.yml --context context --container-runtime "$engine" \
    --tag "$tag"
fi
