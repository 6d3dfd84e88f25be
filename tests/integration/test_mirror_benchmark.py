"""A small smoke of scripts/benchmark-mirror.py (the full ~500 MB run is not part of the suite)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from support.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_the_benchmark_measures_both_contenders_and_the_no_op(mlflow_server, azurite_server, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "scripts" / "benchmark-mirror.py"), "--size-mb", "16", "--shards", "2",
         "--repeat", "1", "--mlflow-url", mlflow_server.url, "--azurite-port", str(azurite_server.port),
         "--workdir", str(tmp_path)],
        capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["mirrored_bytes"] >= 16 * 1024 * 1024
    assert report["run_bytes"] > report["mirrored_bytes"]  # the training state stayed behind
    assert report["baseline_mb_per_s"] > 0 and report["mirror_mb_per_s"] > 0 and report["throughput_ratio"] > 0
    assert max(report["noop_in_process_s"]) < 3
