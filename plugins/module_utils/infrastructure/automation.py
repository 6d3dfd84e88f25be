# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Morning start-up automation: an Automation account whose runbook starts the PostgreSQL server (waiting until
it is Ready) and then the AKS cluster, on a weekday schedule, with the two roles it needs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import uuid

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.builder import ref

RUNBOOK = "Start-AzureResources"
MODULES = (("Az.Accounts", "5.2.0"), ("Az.PostgreSql", "1.4.0"))

RUNBOOK_CONTENT = r"""param(
    [Parameter(Mandatory = $true)][string]$resourcegroupname,
    [string]$aksclustername = "",
    [string]$postgresservername = "",
    [int]$postgrestimeoutseconds = 300
)
# Starts the platform in the morning: PostgreSQL first (OSMO needs it), then AKS.
$ErrorActionPreference = "Stop"
Connect-AzAccount -Identity | Out-Null
if ($postgresservername) {
    $server = Get-AzPostgreSqlFlexibleServer -ResourceGroupName $resourcegroupname -Name $postgresservername
    if ($server.State -ne "Ready") {
        Start-AzPostgreSqlFlexibleServer -ResourceGroupName $resourcegroupname -Name $postgresservername | Out-Null
        $deadline = (Get-Date).AddSeconds($postgrestimeoutseconds)
        do {
            Start-Sleep -Seconds 15
            $server = Get-AzPostgreSqlFlexibleServer -ResourceGroupName $resourcegroupname -Name $postgresservername
        } while ($server.State -ne "Ready" -and (Get-Date) -lt $deadline)
        if ($server.State -ne "Ready") { throw "PostgreSQL server $postgresservername is $($server.State)" }
    }
}
if ($aksclustername) {
    $cluster = Get-AzAksCluster -ResourceGroupName $resourcegroupname -Name $aksclustername
    if ($cluster.PowerState.Code -ne "Running") {
        Start-AzAksCluster -ResourceGroupName $resourcegroupname -Name $aksclustername
    }
}
"""


def add(b):
    s, n = b.s, b.names
    name = n["automation_account"]
    account_id = b.arm("automation", "Microsoft.Automation/automationAccounts", name, {
        "identity": {"type": "SystemAssigned"},
        "properties": {"sku": {"name": "Basic"}, "publicNetworkAccess": True},
    })
    previous = "automation"
    for module, version in MODULES:
        key = "automation_module_" + module.replace(".", "_").lower()
        b.arm(key, "Microsoft.Automation/automationAccounts/powerShell72Modules", (name, module), {
            "location": b.location,
            "properties": {"contentLink": {
                "uri": "https://www.powershellgallery.com/api/v2/package/%s/%s" % (module, version)}},
        }, depends_on=[previous], description="PowerShell module %s %s" % (module, version))
        previous = key
    b.add("automation_runbook", "automation_runbook", dict(
        automation_account_id=account_id, name=RUNBOOK, location=b.location, content=RUNBOOK_CONTENT,
        description="Starts PostgreSQL, then AKS"), depends_on=[previous], namespace="Microsoft.Automation")
    schedule = s["startup_schedule"]
    b.arm("automation_schedule", "Microsoft.Automation/automationAccounts/schedules", (name, "morning-startup"), {
        "properties": {"frequency": "Week", "interval": 1, "timeZone": schedule.get("timezone", "UTC"),
                       "startTime": "2030-01-01T%s:00+00:00" % schedule["time"],
                       "advancedSchedule": {"weekDays": list(schedule["week_days"])}},
    }, depends_on=["automation"], immutable=["properties.startTime"])
    parameters = {"resourcegroupname": b.group}
    if s["aks_enabled"]:
        parameters["aksclustername"] = n["aks"]
    if s["postgresql_enabled"]:
        parameters["postgresservername"] = n["postgresql"]
    job = str(uuid.uuid5(uuid.NAMESPACE_URL, "%s/%s/morning-startup" % (account_id.lower(), RUNBOOK.lower())))
    b.arm("automation_job_schedule", "Microsoft.Automation/automationAccounts/jobSchedules", (name, job), {
        "properties": {"runbook": {"name": RUNBOOK}, "schedule": {"name": "morning-startup"}, "parameters": parameters},
    }, depends_on=["automation_runbook", "automation_schedule"],
        immutable=["properties.runbook", "properties.schedule", "properties.parameters"])
    principal = ref("automation", "resource.identity.principalId")
    if s["aks_enabled"]:
        b.add("role_automation_aks_contributor", "role_assignment", dict(
            scope=b.aks_id, principal_id=principal, principal_type="ServicePrincipal",
            role="Azure Kubernetes Service Contributor Role"), depends_on=["aks"])
    if s["postgresql_enabled"]:
        b.add("role_automation_postgresql_contributor", "role_assignment", dict(
            scope=b.id("Microsoft.DBforPostgreSQL/flexibleServers", n["postgresql"]), principal_id=principal,
            principal_type="ServicePrincipal", role="Contributor"), depends_on=["postgresql"])
