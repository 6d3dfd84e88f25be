"""The mirror: one training run's output -> one MLflow run with its artifacts -> one model version.

``plan`` decides without writing anything; ``mirror`` carries the plan out.

Deciding (reads only): list the source, pick the final checkpoint and the
TensorBoard logs, then look in the registry for versions tagged with the same
source run id. A version with the same listing fingerprint, or (after reading
the checkpoint) the same content hash, means there is nothing to do. Otherwise
an unfinished mirror run with the same fingerprint is resumed, or a new run is
created.

Carrying out: upload the TensorBoard logs, log their scalars as metrics,
upload the filtered checkpoint, upload a manifest of every file's sha256,
create the model version with explicit registry calls, and mark the run
complete. Every verified upload is journaled first, so a killed mirror resumes
where it stopped.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import json
import os
import re
import shutil
import sys
import tempfile
import time
from typing import Any, Callable

from robotics_training.mirror import tensorboard
from robotics_training.mirror.errors import CoordinatesError, MirrorError
from robotics_training.mirror.hashing import HashingReader, content_hash, drain
from robotics_training.mirror.journal import Entry, Journal, default_state_dir
from robotics_training.mirror.layouts import LAYOUTS, Planned, Selection, select
from robotics_training.mirror.location import Location, parse_location
from robotics_training.mirror.readers import LocalReader, SourceReader, open_reader
from robotics_training.mirror.registry import Registry
from robotics_training.mirror.registry_rest import search_versions
from robotics_training.mirror.sinks import make_sink
from robotics_training.mirror.targets import Target, tracking_client

SOURCE_KINDS = ("osmo-train", "osmo-replay", "local")
MANIFEST = "mirror/manifest.json"
# Run ids, workflow ids and model names end up in filter strings and tags: keep them plain.
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,249}$")
_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
METRIC_BATCH = 1000


@dataclasses.dataclass
class MirrorRequest:
    source: str
    model_name: str
    target: Target
    source_uri: str | None = None  # the source's name in tags, when it is read from a copy (OSMO inputs)
    experiment: str | None = None  # default: the model name
    source_run_id: str | None = None  # default: the last component of the source location
    osmo_workflow_id: str | None = None
    source_kind: str = "local"
    layout: str = "auto"
    framework: str | None = None  # default: the layout's name
    task: str | None = None
    artifact_location: str | None = None  # artifact root of the experiment, when the mirror creates it
    blob_connection_string: str | None = dataclasses.field(default=None, repr=False)
    credential_factory: Callable[[], Any] | None = dataclasses.field(default=None, repr=False)
    state_dir: str | None = None
    parallel: int = 4
    timeout: float | None = None  # seconds; checked between files
    # A new run whose checkpoint holds the same bytes as the model's latest version registers nothing.
    reuse_unchanged: bool = False
    progress: Callable[[str], None] | None = dataclasses.field(default=None, repr=False)

    def validate(self) -> None:
        """Pure checks, before any read or write; messages name the option."""
        if not self.model_name or not _MODEL.match(self.model_name):
            raise CoordinatesError(f"model name {self.model_name!r} is missing or not valid: use letters, digits, "
                                   "'.', '_' and '-' (--model-name, AZUREML_MODEL_NAME)")
        if self.source_kind not in SOURCE_KINDS:
            raise CoordinatesError(f"source kind {self.source_kind!r}: use one of {', '.join(SOURCE_KINDS)}")
        if self.layout != "auto" and self.layout not in LAYOUTS:
            raise CoordinatesError(f"layout {self.layout!r}: use auto or one of {', '.join(LAYOUTS)}")
        for label, value in (("source run id", self.source_run_id), ("OSMO workflow id", self.osmo_workflow_id)):
            if value is not None and not _ID.match(value):
                raise CoordinatesError(f"{label} {value!r} is not valid: use letters, digits and ._:@+=-")
        if self.parallel < 1:
            raise CoordinatesError(f"parallel must be >= 1, got {self.parallel}")
        if self.timeout is not None and self.timeout <= 0:
            raise CoordinatesError(f"timeout must be a positive number of seconds, got {self.timeout}")
        self.target.validate()


@dataclasses.dataclass
class Plan:
    action: str  # reuse | resume | create
    location: Location
    selection: Selection
    source_run_id: str
    fingerprint: str
    tracking_uri: str
    experiment_id: str | None
    source_uri: str = ""  # what tags and results call the source (default: the location)
    version: Any = None  # the existing version, for reuse
    run: Any = None  # the unfinished run, for resume
    content_hash: str | None = None
    to_upload: list[Planned] = dataclasses.field(default_factory=list)
    already_uploaded: list[Planned] = dataclasses.field(default_factory=list)

    @property
    def bytes_to_upload(self) -> int:
        return sum(p.source.size for p in self.to_upload)

    def as_dict(self) -> dict:
        sel = self.selection
        return {
            "action": self.action,
            "source": self.source_uri or self.location.display,
            "source_run_id": self.source_run_id,
            "layout": sel.layout,
            "step": sel.step,
            "checkpoint": sel.checkpoint,
            "model_version": str(self.version.version) if self.version is not None else None,
            "run_id": (self.version.run_id if self.version is not None
                       else self.run.info.run_id if self.run is not None else None),
            "files_to_upload": [p.artifact for p in self.to_upload],
            "bytes_to_upload": self.bytes_to_upload,
            "files_already_uploaded": [p.artifact for p in self.already_uploaded],
            "files_skipped": list(sel.filtered),
            "checkpoints_ignored": sel.older_checkpoints,
            "fingerprint": self.fingerprint,
            "tracking_uri": _safe_uri(self.tracking_uri),
        }


@dataclasses.dataclass
class MirrorResult:
    status: str  # created | resumed | reused  (what happened to the model version's run)
    model_name: str
    model_version: str | None
    run_id: str | None
    experiment_id: str | None
    version_created: bool
    run_created: bool
    bytes_uploaded: int
    bytes_total: int
    files_uploaded: int
    files_already_uploaded: int
    files_skipped: list[str]
    checkpoints_ignored: int
    metrics_logged: int
    layout: str
    framework: str
    step: int | None
    checkpoint: str
    content_hash: str | None
    source: str
    source_run_id: str
    tracking_uri: str
    warnings: list[str] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


class Mirror:
    def __init__(self, request: MirrorRequest) -> None:
        self.request = request
        self._deadline = time.monotonic() + request.timeout if request.timeout else None
        self.warnings: list[str] = []
        self.client: Any = None
        self.registry: Registry | None = None
        self.reader: SourceReader | None = None

    # -- helpers -----------------------------------------------------------
    def _say(self, message: str) -> None:
        if self.request.progress:
            self.request.progress(message)

    def _check_deadline(self) -> None:
        if self._deadline and time.monotonic() > self._deadline:
            raise MirrorError(f"the mirror did not finish within {self.request.timeout:.0f} s; "
                              "run it again to resume where it stopped")

    def _credential(self) -> Any:
        if self.request.credential_factory:
            return self.request.credential_factory()
        return None

    # -- deciding ------------------------------------------------------------
    def plan(self) -> Plan:
        req = self.request
        req.validate()
        location = parse_location(req.source)
        source_run_id = req.source_run_id or location.name
        if not _ID.match(source_run_id or ""):
            raise CoordinatesError(f"cannot derive a source run id from {location.display!r}: give --source-run-id")
        self.reader = open_reader(location, connection_string=req.blob_connection_string,
                                  credential=self._credential() if location.kind == "blob" else None,
                                  max_concurrency=req.parallel)
        self._say(f"listing {location.display}")
        files = self.reader.list_files()
        selection = select(files, req.layout, where=location.display)
        fingerprint = selection.fingerprint()
        self._say(f"{selection.layout} run, final checkpoint {selection.checkpoint} "
                  f"({len(selection.model)} model file(s), {len(selection.tensorboard)} TensorBoard file(s), "
                  f"{selection.bytes} bytes)")

        plan = Plan("create", location, selection, source_run_id, fingerprint, req.target.tracking_uri or "", None,
                    source_uri=_safe_uri(req.source_uri) if req.source_uri else location.display)
        if self._already_mirrored(plan):
            return plan

        self.client, tracking_uri = tracking_client(req.target, credential_factory=req.credential_factory)
        plan.tracking_uri = tracking_uri
        self.registry = Registry(self.client, req.model_name, where=_safe_uri(tracking_uri))
        every_version = self.registry.versions()
        versions = sorted((v for v in every_version if (v.tags or {}).get("source_run_id") == source_run_id),
                          key=lambda v: int(v.version), reverse=True)
        same = [v for v in versions if v.tags.get("mirror_fingerprint") == fingerprint]
        if not same and versions:
            # The listing changed (files touched, logs grew): compare what matters, the model's bytes.
            plan.content_hash = self._hash_model(selection)
            same = [v for v in versions if v.tags.get("content_hash") == plan.content_hash]
        if not same and req.reuse_unchanged:
            same = self._latest_if_unchanged(plan, every_version)
        if same:
            plan.action, plan.version = "reuse", same[0]
            plan.experiment_id = None
            plan.already_uploaded = list(selection.files)
            return plan

        plan.experiment_id = self.registry.experiment_id(self._experiment_name(), create=False)
        runs = []
        if plan.experiment_id is not None:
            runs = self.registry.runs(plan.experiment_id, source_run_id=source_run_id,
                                      mirror_fingerprint=fingerprint)
        if runs:
            plan.action, plan.run = "resume", runs[0]
            sink = self._sink(plan.run)
            try:
                held = sink.listing()
            finally:
                sink.close()
            journal = Journal(self._state_dir(), tracking_uri, plan.run.info.run_id)
            for item in selection.files:
                (plan.already_uploaded if self._is_done(item, journal, sink, held) else plan.to_upload).append(item)
        else:
            plan.to_upload = list(selection.files)
        return plan

    def _already_mirrored(self, plan: Plan) -> bool:
        """The common no-op, decided over REST without importing MLflow (plain MLflow servers only)."""
        target = self.request.target
        if target.validate() != "mlflow":
            return False
        listed = search_versions(str(target.tracking_uri), self.request.model_name)
        same = sorted((v for v in listed or () if v.tags.get("source_run_id") == plan.source_run_id
                       and v.tags.get("mirror_fingerprint") == plan.fingerprint),
                      key=lambda v: int(v.version), reverse=True)
        if not same:
            return False
        plan.action, plan.version, plan.already_uploaded = "reuse", same[0], list(plan.selection.files)
        return True

    def _latest_if_unchanged(self, plan: Plan, versions: list[Any]) -> list[Any]:
        """The model's latest version, in a list, when its content hash is this checkpoint's; else [].

        Only the latest version counts: a checkpoint equal to an older one after a different one is a change
        back, and gets a version of its own.
        """
        if not versions:
            return []
        latest = max(versions, key=lambda v: int(v.version))
        held = (latest.tags or {}).get("content_hash")
        if not held:
            return []
        if plan.content_hash is None:
            plan.content_hash = self._hash_model(plan.selection)
        if held != plan.content_hash:
            return []
        self._say(f"checkpoint {plan.selection.checkpoint} has the same content as model {self.request.model_name} "
                  f"version {latest.version} (run {(latest.tags or {}).get('source_run_id')})")
        return [latest]

    def _experiment_name(self) -> str:
        return self.request.experiment or self.request.model_name

    def _state_dir(self) -> str:
        return self.request.state_dir or default_state_dir()

    def _sink(self, run: Any):
        return make_sink(self.client, run.info.run_id, run.info.artifact_uri,
                         connection_string=self.request.blob_connection_string, credential=self._credential(),
                         max_concurrency=self.request.parallel)

    @staticmethod
    def _is_done(item: Planned, journal: Journal, sink: Any, held: dict) -> bool:
        entry = journal.get(item.artifact)
        return bool(entry) and entry.size == item.source.size and entry.source_version == item.source.version and \
            sink.verify(item.artifact, entry.size, bytes.fromhex(entry.md5), held)

    def _hash_model(self, selection: Selection) -> str:
        entries = []
        for planned in selection.model:
            self._check_deadline()
            raw = self.reader.open(planned.source)
            try:
                digest = drain(HashingReader(raw, planned.source.size, name=planned.source.relpath))
            finally:
                raw.close()
            entries.append((planned.artifact, digest.sha256, digest.size))
        return content_hash(entries)

    # -- carrying out --------------------------------------------------------
    def execute(self, plan: Plan) -> MirrorResult:
        sel = plan.selection
        if plan.action == "reuse":
            self._say(f"model {self.request.model_name} version {plan.version.version} already holds this checkpoint: "
                      "nothing to do")
            return self._result(plan, "reused", plan.version, plan.version.run_id, run_created=False,
                                version_created=False, uploaded=[], metrics=0,
                                chash=plan.version.tags.get("content_hash"))

        run = plan.run or self._create_run(plan)
        run_id = run.info.run_id
        journal = Journal(self._state_dir(), plan.tracking_uri, run_id)
        sink = self._sink(run)
        uploaded: list[Entry] = []
        try:
            if plan.run is not None:
                self._say(f"resuming run {run_id}: {len(plan.already_uploaded)} file(s) already uploaded")
                with contextlib.suppress(Exception):  # cosmetic: not every server lets a run go back to RUNNING
                    self.client.update_run(run_id, "RUNNING")
            todo = {p.artifact for p in plan.to_upload}
            tb = [p for p in sel.tensorboard if p.artifact in todo]
            model = [p for p in sel.model if p.artifact in todo]
            uploaded += self._upload_all(sink, self.reader, tb, journal)
            metrics = self._log_metrics(plan, run)
            uploaded += self._upload_all(sink, self.reader, model, journal)

            entries = {p.artifact: journal.get(p.artifact) for p in sel.files}
            chash = content_hash((a, e.sha256, e.size) for a, e in entries.items() if a.startswith("model/"))
            uploaded += self._upload_manifest(plan, sink, journal, entries, chash)

            version = self._version_of_run(run_id)  # registered by an attempt killed just after
            version_created = version is None
            if version is None:
                version = self._create_version(plan, run, chash)
            self.registry.call("tag the run", self._finish_run, run_id, chash, version.version)
        except BaseException:
            try:
                with contextlib.redirect_stdout(sys.stderr):
                    self.client.set_terminated(run_id, "FAILED")
            except Exception:  # the original error matters more than this one
                pass
            raise
        finally:
            sink.close()
        journal.remove()
        self._say(f"registered {self.request.model_name} version {version.version} from run {run_id}")
        return self._result(plan, "resumed" if plan.run is not None else "created", version, run_id,
                            run_created=plan.run is None, version_created=version_created, uploaded=uploaded,
                            metrics=metrics, chash=chash)

    def _tags(self, plan: Plan) -> dict[str, str]:
        req, sel = self.request, plan.selection
        return {
            "source_run_id": plan.source_run_id,
            "osmo_workflow_id": req.osmo_workflow_id or "none",
            "framework": req.framework or sel.layout,
            "task": req.task or "unspecified",
            "source": req.source_kind,
            "source_uri": plan.source_uri,
            "layout": sel.layout,
            "checkpoint": sel.checkpoint,
            "checkpoint_step": "none" if sel.step is None else str(sel.step),
            "mirror_fingerprint": plan.fingerprint,
        }

    def _create_run(self, plan: Plan) -> Any:
        experiment_id = plan.experiment_id or self.registry.experiment_id(
            self._experiment_name(), create=True, artifact_location=self.request.artifact_location)
        plan.experiment_id = experiment_id
        tags = dict(self._tags(plan), mirror_state="uploading")
        run = self.registry.call("create a run", self.client.create_run, experiment_id, tags=tags,
                                 run_name=f"mirror-{plan.source_run_id}")
        self._say(f"created run {run.info.run_id} in experiment {self._experiment_name()}")
        return run

    def _upload_all(self, sink: Any, reader: SourceReader, items: list[Planned], journal: Journal) -> list[Entry]:
        if not items:
            return []
        # Largest first: the long transfers start early and the small ones fill the gaps.
        items = sorted(items, key=lambda p: p.source.size, reverse=True)

        def one(planned: Planned) -> Entry:
            self._check_deadline()
            done = sink.upload(reader, planned.source, planned.artifact)
            entry = Entry(planned.artifact, done.digest.sha256, done.digest.md5.hex(), done.digest.size,
                          planned.source.version)
            journal.record(entry)
            self._say(f"uploaded {planned.artifact} ({entry.size} bytes, sha256 {entry.sha256[:12]})")
            return entry

        workers = min(self.request.parallel, len(items))
        if workers == 1:
            return [one(p) for p in items]
        with concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="mirror") as pool:
            futures = [pool.submit(one, p) for p in items]
            try:
                return [f.result() for f in futures]
            except BaseException:
                for f in futures:
                    f.cancel()
                raise

    def _log_metrics(self, plan: Plan, run: Any) -> int:
        sel = plan.selection
        if not sel.tensorboard:
            return 0
        current = self.registry.call("read the run", self.client.get_run, run.info.run_id)
        if "mirror_metrics" in current.data.tags:
            return 0  # logged by the interrupted attempt
        if not tensorboard.available():
            self.warnings.append("tensorboard is not installed: scalars were not logged as metrics "
                                 "(pip install 'azure-robotics-training[mirror]')")
            return 0
        prefix = f"{sel.run_dir}/" if sel.run_dir else ""
        relpaths = [p.source.relpath[len(prefix):] for p in sel.tensorboard]
        scratch = None
        if isinstance(self.reader, LocalReader):
            root = os.path.join(self.reader.root, *sel.run_dir.split("/")) if sel.run_dir else self.reader.root
        else:
            scratch = root = tempfile.mkdtemp(prefix="robotics-mirror-tb-")
            for planned, rel in zip(sel.tensorboard, relpaths):
                path = os.path.join(root, *rel.split("/"))
                os.makedirs(os.path.dirname(path), exist_ok=True)
                self.reader.download_to(planned.source, path)
        try:
            points = tensorboard.read_scalars(tensorboard.directories_of(relpaths, root))
        finally:
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)
        from mlflow.entities import Metric

        metrics = [Metric(p.key, p.value, p.timestamp_ms, p.step) for p in points]
        for start in range(0, len(metrics), METRIC_BATCH):
            self.registry.call("log metrics", self.client.log_batch, run.info.run_id,
                               metrics=metrics[start:start + METRIC_BATCH])
        self.registry.call("tag the run", self.client.set_tag, run.info.run_id, "mirror_metrics", str(len(metrics)))
        self._say(f"logged {len(metrics)} TensorBoard scalar points as metrics "
                  f"({len(tensorboard.count_keys(points))} keys)")
        return len(metrics)

    def _upload_manifest(self, plan: Plan, sink: Any, journal: Journal, entries: dict, chash: str) -> list[Entry]:
        sel = plan.selection
        manifest = {
            "format": 1,
            "source": plan.source_uri,
            "source_run_id": plan.source_run_id,
            "layout": sel.layout,
            "step": sel.step,
            "checkpoint": sel.checkpoint,
            "content_hash": chash,
            "filtered": list(sel.filtered),
            "files": [{"artifact": a, "sha256": e.sha256, "size": e.size} for a, e in sorted(entries.items())],
        }
        scratch = tempfile.mkdtemp(prefix="robotics-mirror-manifest-")
        try:
            path = os.path.join(scratch, "manifest.json")
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(manifest, handle, indent=1, sort_keys=True)
            reader = LocalReader(Location(kind="local", display=scratch, path=scratch))
            item = reader.list_files()[0]
            planned = Planned(item, MANIFEST)
            entry = journal.get(MANIFEST)
            if entry and entry.sha256 == _sha256_of(path):
                held = sink.listing()
                if sink.verify(MANIFEST, entry.size, bytes.fromhex(entry.md5), held):
                    return []
            return self._upload_all(sink, reader, [planned], journal)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _version_of_run(self, run_id: str) -> Any:
        mine = [v for v in self.registry.versions() if v.run_id == run_id]
        return mine[0] if mine else None

    def _create_version(self, plan: Plan, run: Any, chash: str) -> Any:
        sel = plan.selection
        tags = dict(self._tags(plan), content_hash=chash)
        step = "" if sel.step is None else f" at step {sel.step}"
        description = f"{tags['framework']} policy{step} mirrored from {plan.source_uri}"
        return self.registry.create_version(f"{run.info.artifact_uri.rstrip('/')}/model", run.info.run_id, tags,
                                            description)

    def _finish_run(self, run_id: str, chash: str, version: str) -> None:
        from mlflow.entities import RunTag

        self.client.log_batch(run_id, tags=[RunTag("content_hash", chash), RunTag("mirror_model_version", str(version)),
                                            RunTag("mirror_state", "complete")])
        # MLflow prints the run's URL on stdout, which carries the JSON summary: send it to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            self.client.set_terminated(run_id, "FINISHED")

    def _result(self, plan: Plan, status: str, version: Any, run_id: str | None, *, run_created: bool,
                version_created: bool, uploaded: list[Entry], metrics: int, chash: str | None) -> MirrorResult:
        sel = plan.selection
        return MirrorResult(
            status=status,
            model_name=self.request.model_name,
            model_version=str(version.version) if version is not None else None,
            run_id=run_id,
            experiment_id=plan.experiment_id,
            version_created=version_created,
            run_created=run_created,
            bytes_uploaded=sum(e.size for e in uploaded),
            bytes_total=sel.bytes,
            files_uploaded=len(uploaded),
            files_already_uploaded=len(plan.already_uploaded),
            files_skipped=list(sel.filtered),
            checkpoints_ignored=sel.older_checkpoints,
            metrics_logged=metrics,
            layout=sel.layout,
            framework=self.request.framework or sel.layout,
            step=sel.step,
            checkpoint=sel.checkpoint,
            content_hash=chash,
            source=plan.source_uri,
            source_run_id=plan.source_run_id,
            tracking_uri=_safe_uri(plan.tracking_uri),
            warnings=list(self.warnings),
        )


def _sha256_of(path: str) -> str:
    from robotics_training.mirror.hashing import hash_file

    return hash_file(path).sha256


def _safe_uri(uri: str) -> str:
    """A tracking URI without credentials (user:password@ or a query string)."""
    uri = re.sub(r"//[^/@]*@", "//", uri)
    return uri.split("?", 1)[0]


def plan(request: MirrorRequest) -> Plan:
    """What a mirror would do; reads the source and the registry, writes nothing."""
    return Mirror(request).plan()


def mirror(request: MirrorRequest) -> MirrorResult:
    """Mirrors the run; safe to repeat (a finished mirror is reused, an interrupted one resumed)."""
    runner = Mirror(request)
    return runner.execute(runner.plan())


def mirror_best_effort(request: MirrorRequest, warn: Callable[[str], None]) -> MirrorResult | None:
    """For use inside a training job: a failing mirror warns and returns None, never raising."""
    try:
        return mirror(request)
    except Exception as exc:  # by design: the training's outcome must not depend on the mirror
        warn(f"model mirror failed, the training result is unaffected: {exc}")
        return None
