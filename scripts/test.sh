#!/usr/bin/env bash
# The whole test suite, in the order a failure is cheapest to find:
#   lint -> sanity -> unit -> integration -> molecule -> build (+ ansible-doc smoke)
# `scripts/test.sh <stage>...` runs only the named stages. Each stage's wall time
# is printed at the end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export ANSIBLE_CONFIG="$root/ansible.cfg"
export PYTHONDONTWRITEBYTECODE=1

stages=("$@")
[[ ${#stages[@]} -gt 0 ]] || stages=(lint sanity unit integration molecule build)
timings=()

stage_lint() {
  ansible-lint
  antsibull-changelog lint
}

stage_sanity() {
  scripts/sanity.sh
}

stage_unit() {
  pytest -m "unit" -q -n 2
}

stage_integration() {
  pytest -m "integration" -q -n 2 --dist loadfile --durations=15
}

stage_molecule() {
  # Molecule installs the collection under $ANSIBLE_HOME; keep that copy inside
  # the checkout's cache instead of the user's ~/.ansible, where a stale copy
  # would shadow the working tree for other tools.
  ANSIBLE_HOME="$root/.cache/ansible-home" molecule test -s local_platform
}

stage_build() {
  scripts/build-smoke.sh
}

for stage in "${stages[@]}"; do
  printf '\n===== %s =====\n' "$stage"
  start=$(date +%s)
  "stage_$stage"
  timings+=("$(printf '%-12s %4ss' "$stage" "$(( $(date +%s) - start ))")")
done
printf '\n===== stage timings =====\n'
printf '%s\n' "${timings[@]}"
