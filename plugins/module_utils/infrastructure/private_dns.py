# -*- coding: utf-8 -*-
# Copyright: azure_robotics.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private DNS zones linked to the VNet, private endpoints with their DNS zone groups, the OSMO DNS record.

Components register the services that get a private endpoint (``private_link``); with private endpoints on, this
module creates every zone they need (once), links it to the VNet, and for each service a private endpoint in
the private-endpoint subnet plus a DNS zone group that writes its A records into the zones.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.azure_robotics.stack.plugins.module_utils.infrastructure.network import network_ready

AMPLS_ZONES = ("privatelink.monitor.azure.com", "privatelink.oms.opinsights.azure.com",
               "privatelink.ods.opinsights.azure.com", "privatelink.agentsvc.azure-automation.net",
               "privatelink.blob.core.windows.net")


def private_link(b, key, service_key, service_id, group, zones, depends_on=()):
    """Registers a private endpoint ``pe-<key>-<suffix>`` for ``service_id`` (sub-resource ``group``)."""
    b.__dict__.setdefault("private_links", []).append(dict(
        key=key, service_key=service_key, service_id=service_id, group=group, zones=list(zones),
        depends_on=list(depends_on)))


def zone_key(zone):
    return "dns_zone_" + re.sub(r"[^a-z0-9]+", "_", zone.replace("privatelink.", "").lower()).strip("_")


def add_zone(b, zone):
    """The zone and its VNet link, once; returns the zone's id."""
    key = zone_key(zone)
    zone_id = b.id("Microsoft.Network/privateDnsZones", zone)
    if not b.has(key):
        b.arm(key, "Microsoft.Network/privateDnsZones", zone, {"location": "global", "properties": {}})
        b.arm(key + "_link", "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
              (zone, "%s-link" % b.names["virtual_network"]),
              {"location": "global", "properties": {"virtualNetwork": {"id": b.id(
                  "Microsoft.Network/virtualNetworks", b.names["virtual_network"])}, "registrationEnabled": False}},
              depends_on=[key, "vnet"])
    return zone_id


def add(b):
    s = b.s
    if s["private_endpoints_enabled"]:
        for link in getattr(b, "private_links", []):
            name = "pe-%s-%s" % (link["key"], b.suffix)
            key = "pe_" + link["key"].replace("-", "_")
            b.arm(key, "Microsoft.Network/privateEndpoints", name, {"properties": {
                "subnet": {"id": b.subnet_id("private_endpoints")},
                "privateLinkServiceConnections": [{"name": name, "properties": {
                    "privateLinkServiceId": link["service_id"], "groupIds": [link["group"]]}}],
            }}, depends_on=[link["service_key"]] + network_ready(b) + link["depends_on"],
                description="private endpoint (%s) of %s" % (link["group"], link["service_key"]))
            configs, zone_deps = [], [key]
            for zone in link["zones"]:
                zone_id = add_zone(b, zone)
                zone_deps.append(zone_key(zone))
                configs.append({"name": zone.replace(".", "-"), "properties": {"privateDnsZoneId": zone_id}})
            b.arm(key + "_dns", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", (name, "default"),
                  {"properties": {"privateDnsZoneConfigs": configs}}, depends_on=zone_deps)
    if s["osmo_dns_enabled"]:
        zone = s["osmo_private_dns_zone_name"]
        add_zone(b, zone)
        b.arm("osmo_dns_record", "Microsoft.Network/privateDnsZones/A", (zone, s["osmo_hostname"]),
              {"properties": {"ttl": 300, "aRecords": [{"ipv4Address": s["osmo_ingress_private_ip"]}]}},
              depends_on=[zone_key(zone)], location=False,
              description="%s.%s -> the OSMO ingress" % (s["osmo_hostname"], zone))
