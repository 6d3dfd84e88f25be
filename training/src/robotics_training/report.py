"""A training run's report: PNG plots and one HTML page, written next to the run and logged to MLflow.

Inputs are what the loop already produced: the run directory's ``training_result.json``, the per-iteration
metrics (from the MLflow run when it is tracked, else from the run's TensorBoard files) and, when given, the
JSON result of ``robotics-training evaluate``. Files are rewritten only when their bytes change (PNG metadata
carries no date), so a report of the same inputs changes nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import math
import os
import pathlib
import tempfile

# Metric name in MLflow -> TensorBoard tag written by the rsl_rl runner, and the plot's title.
SERIES = {
    "mean_reward": ("Train/mean_reward", "Mean episode return per iteration"),
    "mean_episode_length": ("Train/mean_episode_length", "Mean episode length per iteration"),
}
PLOTS = {"mean_reward": "reward.png", "mean_episode_length": "episode_length.png"}
EVALUATION_PLOT = "evaluation.png"
PAGE = "report.html"


class ReportError(RuntimeError):
    pass


@dataclasses.dataclass
class ReportInputs:
    run_dir: pathlib.Path
    training: dict
    series: dict[str, list[tuple[int, float]]]
    metrics_source: str
    validation: dict | None = None
    model_name: str | None = None
    model_version: str | None = None
    run_url: str | None = None


def run_url(tracking_uri: str | None, experiment_id: str | None, run_id: str | None) -> str | None:
    """The MLflow UI page of a run, for an http(s) tracking server."""
    if not (tracking_uri and experiment_id and run_id) or not tracking_uri.startswith(("http://", "https://")):
        return None
    return f"{tracking_uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"


def metric_series_from_mlflow(client, run_id: str) -> dict[str, list[tuple[int, float]]]:
    series = {}
    for name in SERIES:
        history = client.get_metric_history(run_id, name)
        series[name] = sorted((int(m.step), float(m.value)) for m in history)
    return series


def metric_series_from_tensorboard(run_dir: pathlib.Path) -> dict[str, list[tuple[int, float]]]:
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError as exc:
        raise ReportError("the run is not tracked in MLflow and tensorboard is not installed to read its event "
                          "files (pip install 'azure-robotics-training[rl]')") from exc
    events = EventAccumulator(str(run_dir), size_guidance={"scalars": 0})
    events.Reload()
    tags = set(events.Tags().get("scalars", []))
    return {name: sorted((int(e.step), float(e.value)) for e in events.Scalars(tag)) if tag in tags else []
            for name, (tag, _title) in SERIES.items()}


# -- plots ---------------------------------------------------------------------------------------------------
def _figure():
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    return Figure(figsize=(7, 3.6), dpi=100, layout="constrained")


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    # No "Software" entry and no date: the same data gives the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def series_plot(name: str, points: list[tuple[int, float]]) -> bytes:
    figure = _figure()
    axes = figure.add_subplot()
    title = SERIES[name][1]
    if points:
        steps, values = zip(*points)
        axes.plot(steps, values, color="#1f6feb", linewidth=1.8)
    else:
        axes.text(0.5, 0.5, "no finished episodes yet", ha="center", va="center", transform=axes.transAxes)
    axes.set_title(title)
    axes.set_xlabel("iteration")
    axes.set_ylabel(name)
    axes.grid(alpha=0.3)
    return _png(figure)


def evaluation_plot(validation: dict) -> bytes:
    figure = _figure()
    axes = figure.add_subplot()
    returns = [float(r) for r in validation.get("returns", [])]
    episodes = range(1, len(returns) + 1)
    passed = validation.get("passed")
    colour = {True: "#2da44e", False: "#cf222e"}.get(passed, "#6e7781")
    axes.bar(list(episodes), returns, color=colour, label="episode return")
    mean = validation.get("mean_return")
    if mean is not None and not math.isnan(mean):
        axes.axhline(mean, color="#1f2328", linewidth=1.2, label=f"mean {mean:.1f}")
    threshold = validation.get("threshold")
    if threshold is not None and validation.get("threshold_metric", "mean_return") == "mean_return":
        axes.axhline(float(threshold), color="#bf8700", linestyle="--", linewidth=1.2,
                     label=f"threshold {float(threshold):g}")
    axes.set_title(f"Evaluation returns ({len(returns)} episodes, deterministic policy)")
    axes.set_xlabel("episode")
    axes.set_ylabel("return")
    axes.grid(alpha=0.3, axis="y")
    axes.legend(loc="best", fontsize="small")
    return _png(figure)


# -- the page -------------------------------------------------------------------------------------------------
def verdict(validation: dict | None) -> str:
    if not validation:
        return "not validated"
    return {True: "passed", False: "failed"}.get(validation.get("passed"), "no threshold")


def _num(value, fmt: str = ".2f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return format(value, fmt) if isinstance(value, (int, float)) else str(value)


def _rows(rows: list[tuple[str, str, str | None]]) -> str:
    cells = []
    for label, value, key in rows:
        data = f' data-key="{html.escape(key)}"' if key else ""
        cells.append(f"<tr><th>{html.escape(label)}</th><td{data}>{value}</td></tr>")
    return "\n".join(cells)


def page(inputs: ReportInputs, plots_digest: str = "") -> str:
    t, v = inputs.training, inputs.validation
    run_link = (f'<a href="{html.escape(inputs.run_url)}">{html.escape(str(t.get("run_id")))}</a>'
                if inputs.run_url else html.escape(str(t.get("run_id") or "not tracked")))
    model = (f"{html.escape(inputs.model_name)} version {html.escape(str(inputs.model_version))}"
             if inputs.model_name and inputs.model_version else "not registered")
    training_rows = _rows([
        ("Task", html.escape(str(t.get("task"))), "task"),
        ("Framework", html.escape(str(t.get("framework"))), "framework"),
        ("MLflow run", run_link, "run_id"),
        ("Registered model", model, "model"),
        ("Stopped", f"{html.escape(str(t.get('stop_reason')))} at iteration {_num(t.get('final_iteration'), 'd')}",
         "stop_reason"),
        ("Iterations", _num(t.get("iterations"), "d"), "iterations"),
        ("Mean reward (first → final)",
         f"{_num(t.get('first_mean_reward'))} → {_num(t.get('final_mean_reward'))}", "mean_reward"),
        ("Environment steps", _num(t.get("total_env_steps"), ",d"), "total_env_steps"),
        ("Training time", f"{_num(t.get('train_seconds'), '.1f')} s "
                          f"({_num(t.get('steps_per_second'), '.0f')} steps/s)", "train_seconds"),
        ("Metrics read from", html.escape(inputs.metrics_source), "metrics_source"),
    ])
    plots = "\n".join(
        f'<figure><img id="plot-{name}" src="{PLOTS[name]}" alt="{html.escape(SERIES[name][1])}">'
        f"<figcaption>{html.escape(SERIES[name][1])} ({len(inputs.series.get(name, []))} points, "
        f"MLflow metric <code>{name}</code>)</figcaption></figure>"
        for name in SERIES)
    if v:
        metric = v.get("threshold_metric", "mean_return")
        validation_rows = _rows([
            ("Verdict", f'<strong class="verdict {verdict(v).replace(" ", "-")}">{verdict(v)}</strong>', "verdict"),
            ("Episodes", _num(v.get("episodes"), "d"), "episodes"),
            ("Mean return", f"{_num(v.get('mean_return'))} ± {_num(v.get('std_return'))} "
                            f"(min {_num(v.get('min_return'))}, max {_num(v.get('max_return'))})", "mean_return"),
            ("Success rate", _num(v.get("success_rate")), "success_rate"),
            ("Threshold", f"{metric} ≥ {_num(v.get('threshold'), 'g')} "
                          f"({html.escape(str(v.get('threshold_source') or 'none'))})", "threshold"),
            ("Checkpoint", html.escape(str(v.get("checkpoint"))), "checkpoint"),
        ])
        validation = (f"<h2>Validation</h2>\n<table>\n{validation_rows}\n</table>\n"
                      f'<figure><img id="plot-evaluation" src="{EVALUATION_PLOT}" alt="Evaluation returns">'
                      f"<figcaption>Return of each evaluation episode</figcaption></figure>")
    else:
        validation = "<h2>Validation</h2>\n<p>The policy was not validated.</p>"
    title = f"Training report: {t.get('task')} ({t.get('experiment') or 'untracked'})"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="plots-sha256" content="{plots_digest}">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #1f2328; }}
table {{ border-collapse: collapse; margin-bottom: 1em; }}
th, td {{ text-align: left; padding: 0.25em 1em 0.25em 0; border-bottom: 1px solid #d0d7de; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; }}
.verdict.passed {{ color: #1a7f37; }} .verdict.failed {{ color: #cf222e; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<h2>Training</h2>
<table>
{training_rows}
</table>
{plots}
{validation}
</body>
</html>
"""


# -- writing ---------------------------------------------------------------------------------------------------
def render(inputs: ReportInputs) -> dict[str, bytes]:
    files = {PLOTS[name]: series_plot(name, inputs.series.get(name, [])) for name in SERIES}
    if inputs.validation:
        files[EVALUATION_PLOT] = evaluation_plot(inputs.validation)
    # The page names its plots' digest: comparing the page alone tells whether anything changed.
    digest = hashlib.sha256(b"".join(hashlib.sha256(files[name]).digest() for name in sorted(files))).hexdigest()
    files[PAGE] = page(inputs, digest).encode("utf-8")
    return files


def write_if_changed(directory: pathlib.Path, files: dict[str, bytes]) -> list[str]:
    """Writes each file whose bytes differ from what is there (atomically); returns the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files.items():
        path = directory / name
        if path.is_file() and path.read_bytes() == data:
            continue
        with tempfile.NamedTemporaryFile("wb", dir=directory, delete=False, suffix=".tmp") as handle:
            handle.write(data)
        os.chmod(handle.name, 0o644)  # a report is for reading (temporary files are created 0600)
        os.replace(handle.name, path)
        written.append(name)
    return written
