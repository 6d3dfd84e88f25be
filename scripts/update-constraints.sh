#!/usr/bin/env bash
# Re-resolves every requirement in a scratch venv and writes tests/constraints.txt.
# torch stays on the CPU wheel; mlflow stays within what azureml-mlflow accepts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
python3.11 -m venv "$scratch/venv"
pip=("$scratch/venv/bin/python" -m pip --disable-pip-version-check)
"${pip[@]}" install --quiet --upgrade pip
cd "$root"
"${pip[@]}" install --quiet torch==2.13.0 -r requirements.txt -r tests/requirements.txt \
  -e "training[rl,report,azureml]" "mlflow>=2.16"
{
  echo "# Exact versions CI installs (pip -c). Requirements files carry floors only;"
  echo "# regenerate with: scripts/update-constraints.sh"
  "${pip[@]}" freeze --exclude-editable | grep -v '^-e' | sed 's/+cpu//'
} >tests/constraints.txt
