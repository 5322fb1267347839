"""Typed errors of the domain.

Every error carries a message a person can act on. ``kind`` follows the spec's HTTP-like names so
the console, the command line and a future HTTP facade speak one language.
"""

from __future__ import annotations


class PromptEnvError(Exception):
    """Base class of every error the domain raises on purpose."""

    kind = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason

    def __str__(self) -> str:
        return self.message


class InvalidInput(PromptEnvError):
    """The caller's input breaks a rule (400/422)."""

    kind = "invalid"


class NotFound(PromptEnvError):
    """The thing named does not exist (404). ``reason`` is ``prompt_missing`` or
    ``version_missing`` when a prompt or version given by id is gone (deleted meanwhile)."""

    kind = "not_found"


class Conflict(PromptEnvError):
    """The call clashes with the state of the database (409).

    ``reason`` is one of: ``duplicate_name``, ``duplicate_commit``, ``ambiguous_commit``,
    ``stale_owner``, ``protected_environment``, ``environment_in_use``, ``limit_reached``,
    ``busy``.
    """

    kind = "conflict"


class ReadOnly(PromptEnvError):
    """A write was attempted on a library opened read-only."""

    kind = "read_only"


class StorageError(PromptEnvError):
    """The database cannot be reached, is locked for too long, or is otherwise unusable."""

    kind = "unavailable"


class SchemaOutdated(StorageError):
    """The database schema is older (or newer) than this promptenv expects."""

    kind = "schema"
