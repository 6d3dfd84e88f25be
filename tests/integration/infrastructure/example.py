"""Shared by the infrastructure tests: the example inventory's settings, pointed at an ARM emulator."""

from __future__ import annotations

import pathlib

import yaml

from support.paths import PROJECT_ROOT

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure import platform
from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.settings import settings

INVENTORY = PROJECT_ROOT / "inventories" / "azure"
CALLER = "11111111-2222-4333-8444-555555555555"  # object id in the emulator's fake access token

# Types the platform uses that the bundled ARM specs do not describe (the emulator accepts them as generic).
UNKNOWN_TYPES = {
    "Microsoft.Insights/diagnosticSettings": ["2021-05-01-preview"],
    "Microsoft.Automation/automationAccounts": ["2023-11-01"],
    "Microsoft.Automation/automationAccounts/powerShell72Modules": ["2023-11-01"],
    "Microsoft.Automation/automationAccounts/runbooks": ["2023-11-01"],
    "Microsoft.Automation/automationAccounts/schedules": ["2023-11-01"],
    "Microsoft.Automation/automationAccounts/jobSchedules": ["2023-11-01"],
}


def example_variables(subscription_id: str, **overrides) -> dict:
    """The example inventory's group_vars (templated ones replaced) with ``overrides``."""
    data = yaml.safe_load((INVENTORY / "group_vars" / "all.yml").read_text())
    data.update(azure_subscription_id=subscription_id, azure_auth_source="access_token")
    data.pop("azure_cloud", None)
    data.update(overrides)
    return data


def example_settings(subscription_id: str, **overrides) -> dict:
    return settings(example_variables(subscription_id, **overrides))


def example_resources(subscription_id: str, **overrides) -> list[dict]:
    return platform.resources(example_settings(subscription_id, **overrides))


def prepare(emulator) -> None:
    """What a real subscription has: the caller's principal, and the types the specs lack."""
    emulator.add_principal(CALLER, "User", delay=0)
    for resource_type, versions in UNKNOWN_TYPES.items():
        emulator.register_type(resource_type, versions)


def resource_ids(resources: list[dict]) -> dict[str, str]:
    return dict((entry["key"], entry["params"]["id"]) for entry in resources if entry["params"].get("id"))


__all__ = ["INVENTORY", "CALLER", "example_settings", "example_resources", "example_variables", "prepare",
           "resource_ids", "pathlib"]
