"""The no-op check of a re-mirror over MLflow's REST API, without importing MLflow.

Importing MLflow costs about two seconds of CPU; deciding that a run is already
mirrored needs one registry query. For ``http(s)://`` tracking servers this
module answers that query (``GET /api/2.0/mlflow/model-versions/search``) with
requests, honouring MLflow's own auth variables. Whenever it cannot answer
cleanly it returns None and the caller takes the MlflowClient path, which also
reports errors properly.
"""

from __future__ import annotations

import dataclasses
import os

from robotics_training.mirror.registry import PAGE, quote


@dataclasses.dataclass(frozen=True)
class RestVersion:
    name: str
    version: str
    run_id: str | None
    source: str | None
    tags: dict


def search_versions(tracking_uri: str, model_name: str, timeout: float = 10.0) -> list[RestVersion] | None:
    """Every version of the model, or None when the REST answer cannot be had (use MlflowClient then)."""
    if not tracking_uri.startswith(("http://", "https://")):
        return None
    if os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() == "true":
        return None  # leave unverified TLS to MLflow's client and its warnings
    import requests

    headers, auth = {}, None
    if os.environ.get("MLFLOW_TRACKING_TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]
    elif os.environ.get("MLFLOW_TRACKING_USERNAME"):
        auth = (os.environ["MLFLOW_TRACKING_USERNAME"], os.environ.get("MLFLOW_TRACKING_PASSWORD", ""))
    verify: bool | str = os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or True
    url = tracking_uri.rstrip("/") + "/api/2.0/mlflow/model-versions/search"
    found: list[RestVersion] = []
    page_token = None
    while True:
        params = {"filter": f"name={quote(model_name)}", "max_results": PAGE}
        if page_token:
            params["page_token"] = page_token
        try:
            resp = requests.get(url, params=params, headers=headers, auth=auth, verify=verify, timeout=timeout)
            if resp.status_code != 200:
                return None
            data = resp.json()
        except (requests.RequestException, ValueError):
            return None
        for item in data.get("model_versions", []):
            found.append(RestVersion(
                name=item.get("name", model_name),
                version=str(item.get("version")),
                run_id=item.get("run_id"),
                source=item.get("source"),
                tags={t.get("key"): t.get("value") for t in item.get("tags", [])},
            ))
        page_token = data.get("next_page_token")
        if not page_token:
            return found
