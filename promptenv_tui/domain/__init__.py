"""The domain: prompts, versions, the environment registry and the atomic environment move.

This package imports SQLAlchemy and never Textual. Its public API is what is exported here.
"""

from .db import SCHEMA_HEAD, default_sqlite_path, redact
from .errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PromptEnvError,
    ReadOnly,
    SchemaOutdated,
    StorageError,
)
from .library import UNSET, PromptLibrary, default_actor
from .models import (
    CommitLookup,
    DeleteResult,
    Environment,
    EnvironmentDeleted,
    MoveRecord,
    MoveResult,
    Owner,
    Page,
    Prompt,
    PromptDetail,
    Version,
    VersionRef,
)
from .rules import name_key, parse_version_number, template_variables

__all__ = [
    "SCHEMA_HEAD", "UNSET", "CommitLookup", "Conflict", "DeleteResult", "Environment",
    "EnvironmentDeleted", "InvalidInput", "MoveRecord", "MoveResult", "NotFound", "Owner", "Page",
    "Prompt", "PromptDetail", "PromptEnvError", "PromptLibrary", "ReadOnly", "SchemaOutdated",
    "StorageError", "Version", "VersionRef", "default_actor", "default_sqlite_path", "name_key",
    "parse_version_number", "redact", "template_variables",
]
