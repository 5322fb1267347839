"""Plain frozen results of the domain. No ORM object ever leaves the domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Environment:
    id: str
    name: str
    description: str | None
    color: str | None
    position: int
    protected: bool
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    prompt_count: int = 0
    """How many prompts this environment serves (has an owning version for)."""


@dataclass(frozen=True, slots=True)
class VersionRef:
    """A short reference to a version: enough to show ``v3 (a1b2c3d4)``."""

    id: str
    number: int
    commit: str
    created_at: datetime

    @property
    def label(self) -> str:
        return f"v{self.number}"


@dataclass(frozen=True, slots=True)
class Owner:
    """Which version owns an environment of a prompt, since when and set by whom."""

    environment: str
    version_id: str
    version_number: int
    since: datetime
    by: str


@dataclass(frozen=True, slots=True)
class Version:
    id: str
    prompt_id: str
    prompt_name: str
    commit: str
    number: int
    template: str
    type: str
    template_structure: str
    metadata: dict[str, Any]
    change_description: str | None
    tags: tuple[str, ...]
    created_at: datetime
    created_by: str
    environments: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def variables(self) -> tuple[str, ...]:
        """The variables the template refers to, in order of first appearance."""
        from .rules import template_variables

        return tuple(template_variables(self.template, self.type, self.template_structure))


@dataclass(frozen=True, slots=True)
class Prompt:
    id: str
    name: str
    description: str | None
    tags: tuple[str, ...]
    template_structure: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    version_count: int
    latest_version: VersionRef | None
    owners: tuple[Owner, ...] = ()
    """Current owners of this prompt's environments, in registry order."""

    def owner_of(self, environment: str) -> Owner | None:
        key = environment.lower()
        return next((o for o in self.owners if o.environment.lower() == key), None)


@dataclass(frozen=True, slots=True)
class PromptDetail:
    """A prompt with its latest version, and the version an environment resolved to if asked."""

    prompt: Prompt
    latest_version: Version | None
    resolved: Version | None = None


@dataclass(frozen=True, slots=True)
class MoveRecord:
    """One change of ownership, as recorded in the append-only history."""

    id: int
    at: datetime
    actor: str
    action: str
    """``assign`` (nobody owned it), ``move`` (from another version) or ``clear``."""
    cause: str
    """``set``, ``new_version``, ``prompt_deleted``, ``environment_deleted``, ``import``, ..."""
    prompt_id: str
    prompt_name: str
    environment_id: str | None
    environment_name: str | None
    from_version_id: str | None
    from_version_number: int | None
    to_version_id: str | None
    to_version_number: int | None
    reason: str | None
    batch: str
    """Moves written by one call share a batch id (for rollback and promote)."""

    def describe(self) -> str:
        before = f"v{self.from_version_number}" if self.from_version_number else "nobody"
        after = f"v{self.to_version_number}" if self.to_version_number else "nobody"
        return f"{self.environment_name}: {before} → {after}"


@dataclass(frozen=True, slots=True)
class MoveResult:
    version: Version
    moves: tuple[MoveRecord, ...]

    @property
    def changed(self) -> bool:
        return bool(self.moves)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True, slots=True)
class CommitLookup:
    commit: str
    version: Version | None

    @property
    def missing(self) -> bool:
        return self.version is None


@dataclass(frozen=True, slots=True)
class DeleteResult:
    deleted: tuple[str, ...]
    missing: tuple[str, ...]
    moves: tuple[MoveRecord, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class EnvironmentDeleted:
    environment: Environment
    cleared: tuple[MoveRecord, ...]
