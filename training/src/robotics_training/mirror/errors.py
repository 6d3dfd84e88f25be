"""Errors of the mirror. Each says what is wrong, where, and what to do; each maps to an exit code."""

from __future__ import annotations


class MirrorError(Exception):
    """Base class; ``exit_code`` is what the CLI returns."""

    exit_code = 1


class CoordinatesError(MirrorError):
    """The target (MLflow server or AzureML workspace) or another required input is not given or not valid."""

    exit_code = 2


class SourceError(MirrorError):
    """The source location cannot be read (missing, not allowed, unreachable)."""

    exit_code = 3


class EmptySourceError(SourceError):
    """The source location holds no files."""


class NoCheckpointError(SourceError):
    """The source holds files, but no checkpoint of a supported layout."""


class ChecksumError(MirrorError):
    """Bytes read or written do not match the checksum they must have."""

    exit_code = 4


class TargetError(MirrorError):
    """The MLflow server or AzureML workspace refused or failed a call."""

    exit_code = 5
