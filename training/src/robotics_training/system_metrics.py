"""System metrics sampled during training: CPU and memory (psutil), GPUs (NVML, when present)."""

from __future__ import annotations

import time


class SystemMetrics:
    """Samples at most once every ``interval`` seconds; ``sample()`` returns {} in between."""

    def __init__(self, interval: float = 5.0) -> None:
        self.interval = interval
        self._last = 0.0
        self._psutil = None
        self._process = None
        self._nvml = None
        self._gpus = []
        try:
            import psutil

            self._psutil = psutil
            self._process = psutil.Process()
            psutil.cpu_percent(interval=None)  # primes the counter: the next call measures since now
        except ImportError:
            pass
        try:
            import pynvml

            pynvml.nvmlInit()
            self._nvml = pynvml
            self._gpus = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
        except Exception:  # no pynvml, no driver, no GPU
            self._nvml = None

    def sample(self, force: bool = False) -> dict[str, float]:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return {}
        self._last = now
        metrics: dict[str, float] = {}
        if self._psutil is not None:
            memory = self._psutil.virtual_memory()
            metrics.update({
                "system/cpu_percent": float(self._psutil.cpu_percent(interval=None)),
                "system/memory_percent": float(memory.percent),
                "system/memory_used_gb": memory.used / 2**30,
                "system/process_rss_gb": self._process.memory_info().rss / 2**30,
            })
        for index, handle in enumerate(self._gpus):
            try:
                utilization = self._nvml.nvmlDeviceGetUtilizationRates(handle)
                memory = self._nvml.nvmlDeviceGetMemoryInfo(handle)
                metrics[f"system/gpu_{index}_utilization_percent"] = float(utilization.gpu)
                metrics[f"system/gpu_{index}_memory_used_gb"] = memory.used / 2**30
                metrics[f"system/gpu_{index}_memory_percent"] = 100.0 * memory.used / max(memory.total, 1)
            except Exception:
                continue
        return metrics
