"""The project's exception types; the CLI turns each into one line and a non-zero exit."""

from enum import Enum


class TsadlabError(Exception):
    """Base class: an error the user can fix, reported as one line without a traceback."""


class DataError(TsadlabError):
    """The input series cannot be used as given (file, column, values, timestamps, length)."""


class ConfigError(TsadlabError):
    """A configuration value is out of range or inconsistent with the data."""


class TrainingError(TsadlabError):
    """Training could not produce a usable model (e.g. the loss became NaN)."""


class ArtifactError(TsadlabError):
    """A run directory cannot be written or read."""


class WorkerError(TsadlabError):
    """A worker process running a collection's series died without a word (killed)."""


def choice(kind: type[Enum], value: object, key: str) -> Enum:
    """`value` as a member of the enum `kind` (a member, or its name); one line naming the
    choices otherwise, for callers that pass plain strings from Python."""
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ConfigError(f"Received: {key}={value} (must be one of {allowed})") from None
