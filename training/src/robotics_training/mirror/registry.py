"""Look-ups and writes against the MLflow tracking server and model registry.

Only calls that both a plain MLflow server and AzureML's MLflow endpoint
implement: experiments, runs, artifacts, ``create_registered_model`` and
``create_model_version`` (never ``register_model`` on a folder without
``MLmodel``, never logged models). AzureML cannot filter model versions by tag,
so versions are listed by model name and matched here.
"""

from __future__ import annotations

from typing import Any, Callable

from robotics_training.mirror.errors import TargetError

PAGE = 1000


def _code(exc: BaseException) -> str | None:
    return getattr(exc, "error_code", None)


def _text(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Registry:
    def __init__(self, client: Any, model_name: str, where: str) -> None:
        self.client = client
        self.model_name = model_name
        self.where = where

    def call(self, what: str, func: Callable, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TargetError:
            raise
        except Exception as exc:  # MlflowException, requests and plugin errors: all "the target said no"
            raise TargetError(f"cannot {what} on {self.where}: {_text(exc)}") from exc

    # -- model versions ------------------------------------------------------
    def versions(self) -> list[Any]:
        """Every version of the model (empty when the model does not exist yet)."""
        found, token = [], None
        while True:
            try:
                page = self.client.search_model_versions(f"name={quote(self.model_name)}", max_results=PAGE,
                                                         page_token=token)
            except Exception as exc:
                if _code(exc) == "RESOURCE_DOES_NOT_EXIST":
                    return []
                raise TargetError(f"cannot list versions of model {self.model_name} on {self.where}: "
                                  f"{_text(exc)}") from exc
            found.extend(page)
            token = getattr(page, "token", None)
            if not token:
                return found

    def matching_versions(self, **tags: str) -> list[Any]:
        """Versions whose tags hold every given ``key=value`` (matched client-side), newest first."""
        hits = [v for v in self.versions() if all((v.tags or {}).get(k) == val for k, val in tags.items())]
        return sorted(hits, key=lambda v: int(v.version), reverse=True)

    def ensure_registered_model(self, description: str) -> None:
        # Read first: registries differ in how they report "already exists" (AzureML's model containers
        # cannot even be deleted), and a read is harmless everywhere.
        try:
            self.client.get_registered_model(self.model_name)
            return
        except Exception:  # not found, or not readable: creating it tells which
            pass
        try:
            self.client.create_registered_model(self.model_name, description=description)
        except Exception as exc:
            if _code(exc) == "RESOURCE_ALREADY_EXISTS" or "already exists" in str(exc).lower():
                return  # created concurrently
            raise TargetError(f"cannot create registered model {self.model_name} on {self.where}: "
                              f"{_text(exc)}") from exc

    def create_version(self, source: str, run_id: str, tags: dict[str, str], description: str) -> Any:
        self.ensure_registered_model(description="Policies mirrored from training runs.")
        return self.call(f"create a version of model {self.model_name}", self.client.create_model_version,
                         self.model_name, source, run_id=run_id, tags=tags, description=description)

    # -- experiments and runs ---------------------------------------------
    def experiment_id(self, name: str, create: bool, artifact_location: str | None = None) -> str | None:
        found = self.call(f"read experiment {name}", self.client.get_experiment_by_name, name)
        if found is not None:
            return found.experiment_id
        if not create:
            return None
        try:
            return self.client.create_experiment(name, artifact_location=artifact_location)
        except Exception as exc:
            if _code(exc) == "RESOURCE_ALREADY_EXISTS":  # created concurrently
                return self.client.get_experiment_by_name(name).experiment_id
            raise TargetError(f"cannot create experiment {name} on {self.where}: {_text(exc)}") from exc

    def runs(self, experiment_id: str, **tags: str) -> list[Any]:
        """Runs of the experiment whose tags hold every ``key=value``, newest first.

        The tag filter is sent to the server to keep the answer small, and
        checked again here; a server that rejects it gets an unfiltered search.
        """
        server_filter = " and ".join(f"tags.`{k}` = {quote(v)}" for k, v in tags.items())
        try:
            candidates = self._search_runs(experiment_id, server_filter)
        except TargetError:
            candidates = self._search_runs(experiment_id, "")
        hits = [r for r in candidates if all(r.data.tags.get(k) == v for k, v in tags.items())]
        return sorted(hits, key=lambda r: r.info.start_time or 0, reverse=True)

    def _search_runs(self, experiment_id: str, filter_string: str) -> list[Any]:
        found, token = [], None
        while True:
            page = self.call("search runs", self.client.search_runs, [experiment_id], filter_string,
                             max_results=PAGE, page_token=token)
            found.extend(page)
            token = getattr(page, "token", None)
            if not token:
                return found
