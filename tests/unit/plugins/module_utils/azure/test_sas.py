"""SAS expiry and permission checks (before any request)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.azure_robotics.stack.plugins.module_utils.azure import sas

NOW = datetime.datetime(2026, 11, 22, 12, 0, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("value, expected", [
    ("48h", datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.timezone.utc)),
    ("2d", datetime.datetime(2026, 11, 24, 12, 0, tzinfo=datetime.timezone.utc)),
    ("30m", datetime.datetime(2026, 11, 22, 12, 30, tzinfo=datetime.timezone.utc)),
    ("2026-12-01T00:00:00Z", datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)),
    ("2026-12-01T01:00:00+01:00", datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)),
])
def test_expiry_forms(value, expected):
    assert sas.parse_expiry(value, NOW) == expected


@pytest.mark.parametrize("value, message", [
    ("2020-01-01T00:00:00Z", "expiry 2020-01-01T00:00:00Z is in the past"),
    ("0h", "is in the past"),
    ("tomorrow", "expiry must be a duration"),
    ("2026-12-01T00:00:00", "has no time zone"),
])
def test_bad_expiry_is_named(value, message):
    with pytest.raises(sas.SasError, match=message):
        sas.parse_expiry(value, NOW)


def test_user_delegation_lasts_at_most_seven_days():
    with pytest.raises(sas.SasError, match="more than 7 days away"):
        sas.validate("rl", "8d", "user_delegation", NOW)
    assert sas.validate("rl", "8d", "account_key", NOW)
    with pytest.raises(sas.SasError, match="permissions must be letters"):
        sas.validate("rwz", "1d", "account_key", NOW)
