"""The facade: every operation of the prompt library contract, each in its own short transaction."""

from __future__ import annotations

import getpass
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError
from uuid6 import uuid7

from . import rules
from .db import Database, RetryTransaction
from .errors import Conflict, InvalidInput, NotFound, ReadOnly
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
from .schema import environments as E
from .schema import moves as M
from .schema import ownerships as O
from .schema import prompts as P
from .schema import versions as V
from .schema import workspaces as W


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Marks an argument of an update that was not given (``None`` clears where that is allowed)."""

# Statements of the hot path, built once (their cache keys are computed once too).
_Q_LOCK_VERSION = (
    sa.select(V, P.c.name.label("prompt_name"), P.c.name_key.label("prompt_key"),
              P.c.template_structure)
    .join(P, P.c.id == V.c.prompt_id)
    .where(V.c.id == sa.bindparam("vid"), V.c.workspace_id == sa.bindparam("ws"))
)
_Q_LOCK_VERSION_FOR_UPDATE = _Q_LOCK_VERSION.with_for_update(of=P)
_Q_MOVE_STATE = (
    sa.select(E.c.id, E.c.name, E.c.name_key, E.c.protected, O.c.version_id, O.c.since, O.c.by,
              V.c.version_number)
    .select_from(
        E.outerjoin(O, sa.and_(O.c.environment_id == E.c.id, O.c.prompt_id == sa.bindparam("pid")))
        .outerjoin(V, V.c.id == O.c.version_id)
    )
    .where(E.c.workspace_id == sa.bindparam("ws"))
    .order_by(E.c.position, E.c.name_key)
)
_Q_DELETE_OWNERS = sa.delete(O).where(
    O.c.prompt_id == sa.bindparam("pid"), O.c.environment_id.in_(sa.bindparam("envs", expanding=True))
)

_Q_INSERT_MOVE = sa.insert(M)
_Q_INSERT_MOVES = sa.insert(M).returning(M.c.id, sort_by_parameter_order=True)

SORTS = {
    "name": (P.c.name_key, False),
    "created": (P.c.created_at, True),
    "updated": (P.c.updated_at, True),
    "version_count": (P.c.version_counter, True),
}


def now() -> datetime:
    return datetime.now(timezone.utc)


def default_actor() -> str:
    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError):
        return "unknown"


class PromptLibrary:
    """All of promptenv's operations on one database and one workspace, as one user.

    Every method opens its own short transaction: nothing here holds a session between calls,
    so the object is safe to share between threads.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        workspace: str = "default",
        actor: str | None = None,
        read_only: bool = False,
        create: bool = True,
    ) -> None:
        """``create=False`` (implied by ``read_only``) refuses to create anything on first use:
        a missing database file, schema or workspace is ``NotFound`` instead of a new empty one,
        so a mistyped ``--db`` or ``--workspace`` in a script is an error, not a silent success."""
        self.workspace = rules.clean_prompt_name(workspace)
        self.actor = rules.clean_actor(actor or default_actor())
        self.read_only = read_only
        self.create = create and not read_only
        self.db = Database(url, create=self.create)
        self._workspace_id: int | None = None
        self._upsert = None
        self._ready_lock = threading.Lock()

    # --- life cycle -------------------------------------------------------------------------

    @property
    def display_url(self) -> str:
        return self.db.display_url

    @property
    def backend(self) -> str:
        return self.db.dialect

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> PromptLibrary:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Check the schema (creating it in a new database) and the workspace. Called by every
        operation on first use; call it directly to fail early."""
        self._ws()

    def upgrade_schema(self) -> tuple[str | None, str]:
        self._guard_write()
        return self.db.upgrade()

    def _ws(self) -> int:
        if self._workspace_id is not None:
            return self._workspace_id
        with self._ready_lock:
            if self._workspace_id is None:
                self.db.ensure_schema(create=self.create)
                key = rules.name_key(self.workspace)
                found = self.db.read(
                    lambda c: c.execute(sa.select(W.c.id).where(W.c.name_key == key)).scalar()
                )
                if found is None:
                    if not self.create:
                        names = self.db.read(lambda c: c.execute(
                            sa.select(W.c.name).order_by(W.c.name_key)).scalars().all())
                        raise NotFound(
                            f"workspace '{self.workspace}' does not exist in {self.display_url}; "
                            f"workspaces there: {', '.join(names) or 'none'}; a new workspace is "
                            "made by opening the console on it or importing into it"
                        )
                    found = self.db.write(self._create_workspace)
                self._workspace_id = found
        return self._workspace_id

    def _create_workspace(self, conn: Connection) -> int:
        key = rules.name_key(self.workspace)
        existing = conn.execute(sa.select(W.c.id).where(W.c.name_key == key)).scalar()
        if existing is not None:
            return existing
        ts = now()
        try:
            ws_id = conn.execute(
                sa.insert(W).values(name=self.workspace, name_key=key, created_at=ts).returning(W.c.id)
            ).scalar_one()
        except IntegrityError:
            raise RetryTransaction() from None
        conn.execute(
            sa.insert(E),
            [
                dict(id=str(uuid7()), workspace_id=ws_id, name=name, name_key=rules.name_key(name),
                     description=desc, color=color, position=pos, protected=protected,
                     created_at=ts, created_by=self.actor, updated_at=ts, updated_by=self.actor)
                for pos, (name, desc, color, protected) in enumerate(rules.DEFAULT_ENVIRONMENTS)
            ],
        )
        return ws_id

    def _guard_write(self) -> None:
        if self.read_only:
            raise ReadOnly(
                "promptenv was opened read-only (--read-only): nothing can be changed; "
                "start it without --read-only to make changes"
            )

    def _read(self, fn):
        ws = self._ws()
        return self.db.read(lambda conn: fn(conn, ws))

    def _write(self, fn):
        self._guard_write()
        ws = self._ws()
        return self.db.write(lambda conn: fn(conn, ws))

    # =======================================================================================
    # prompts
    # =======================================================================================

    def list_prompts(
        self,
        *,
        page: int = 1,
        size: int = 50,
        search: str | None = None,
        tag: str | None = None,
        environment: str | None = None,
        sort: str = "name",
        descending: bool | None = None,
    ) -> Page[Prompt]:
        """(1) A page of prompts with version counts, latest version and owners: three queries
        whatever the page size (count, page, owners)."""
        page, size = rules.clean_page(page, size)
        if sort not in SORTS:
            raise InvalidInput(f"sort {sort!r} is not one of: {', '.join(SORTS)}")
        column, default_desc = SORTS[sort]
        desc = default_desc if descending is None else descending
        search = rules.clean_filter(search, "search")
        tag = rules.clean_filter(tag, "tag")

        def run(conn: Connection, ws: int) -> Page[Prompt]:
            where = [P.c.workspace_id == ws]
            if search:
                where.append(P.c.name_key.contains(rules.name_key(search), autoescape=True))
            if tag is not None:
                where.append(self._has_tag(P.c.tags, tag))
            if environment is not None:
                # Resolved inside the query: a look-up of its own would be a fourth query.
                env_key = rules.name_key(rules.clean_env_name(environment))
                env_id = sa.select(E.c.id).where(E.c.workspace_id == ws, E.c.name_key == env_key)
                where.append(P.c.id.in_(sa.select(O.c.prompt_id)
                                        .where(O.c.environment_id == env_id.scalar_subquery())))
            order = [column.desc(), P.c.id.desc()] if desc else [column.asc(), P.c.id.asc()]
            # Three queries whatever the page size: the count, the page (latest version joined
            # for its rows only), and the owners of the page's prompts.
            total = conn.execute(sa.select(sa.func.count()).select_from(P).where(*where)).scalar()
            if not total:
                if environment is not None:
                    self._env_by_name(conn, ws, environment)  # an unregistered name: NotFound
                return Page((), 0, page, size)
            page_ids = sa.select(P.c.id).where(*where).order_by(*order).limit(size) \
                .offset((page - 1) * size).subquery()
            rows = conn.execute(
                sa.select(P, V.c.id.label("v_id"), V.c.commit.label("v_commit"),
                          V.c.created_at.label("v_created_at"))
                .select_from(
                    P.join(page_ids, page_ids.c.id == P.c.id).outerjoin(
                        V, sa.and_(V.c.prompt_id == P.c.id, V.c.version_number == P.c.version_counter)
                    )
                )
                .order_by(*order)
            ).all()
            owners = self._owners_of(conn, [r.id for r in rows])
            return Page(
                tuple(self._prompt(r, owners.get(r.id, ())) for r in rows), total, page, size
            )

        return self._read(run)

    def create_prompt(
        self,
        name: str,
        *,
        description: str | None = None,
        tags: Iterable[str] | None = None,
        template_structure: str = "text",
        template: str | None = None,
        type: str = "mustache",
        metadata: Mapping[str, Any] | None = None,
        change_description: str | None = None,
        commit: str | None = None,
    ) -> PromptDetail:
        """(2) A new prompt; with a template, v1 too, in the same transaction."""
        name = rules.clean_prompt_name(name)
        description = rules.clean_optional_text(description, "description", rules.PROMPT_DESCRIPTION_MAX)
        tags = rules.clean_tags(tags)
        structure = rules.clean_structure(template_structure)
        version_args = None
        if template is not None:
            version_args = self._version_args(
                template, structure, type, metadata, change_description, None, commit
            )

        def run(conn: Connection, ws: int) -> PromptDetail:
            key = rules.name_key(name)
            existing = conn.execute(
                sa.select(P.c.name).where(P.c.workspace_id == ws, P.c.name_key == key)
            ).scalar()
            if existing is not None:
                raise self._duplicate_prompt(name, existing)
            try:
                prompt = self._insert_prompt(conn, ws, name, description, tags, structure)
            except IntegrityError:
                raise RetryTransaction() from None
            version = None
            if version_args:
                version = self._insert_version(conn, ws, prompt, **version_args)
            return PromptDetail(self._load_prompt(conn, ws, prompt.id), version)

        return self._write(run)

    def get_prompt(self, prompt_id: str, *, environment: str | None = None) -> PromptDetail:
        """(5) A prompt with its latest version; optionally the version an environment points at."""
        prompt_id = rules.clean_id(prompt_id, "prompt id")

        def run(conn: Connection, ws: int) -> PromptDetail:
            prompt = self._load_prompt(conn, ws, prompt_id)
            return self._detail(conn, ws, prompt, environment)

        return self._read(run)

    def get_prompt_by_name(self, name: str, *, environment: str | None = None) -> PromptDetail:
        def run(conn: Connection, ws: int) -> PromptDetail:
            row = self._prompt_row_by_name(conn, ws, name)
            return self._detail(conn, ws, self._load_prompt(conn, ws, row.id), environment)

        return self._read(run)

    def update_prompt(
        self,
        prompt_id: str,
        *,
        name: str = UNSET,
        description: str | None = UNSET,
        tags: Iterable[str] | None = UNSET,
    ) -> Prompt:
        """(6) Rename, describe, tag. A name another prompt has (ignoring case) is a conflict."""
        prompt_id = rules.clean_id(prompt_id, "prompt id")
        values: dict[str, Any] = {}
        if name is not UNSET:
            values["name"] = rules.clean_prompt_name(name)
            values["name_key"] = rules.name_key(values["name"])
        if description is not UNSET:
            values["description"] = rules.clean_optional_text(
                description, "description", rules.PROMPT_DESCRIPTION_MAX
            )
        if tags is not UNSET:
            values["tags"] = rules.clean_tags(tags)

        def run(conn: Connection, ws: int) -> Prompt:
            self._lock_prompt(conn, ws, prompt_id)
            if "name_key" in values:
                clash = conn.execute(
                    sa.select(P.c.name).where(
                        P.c.workspace_id == ws, P.c.name_key == values["name_key"], P.c.id != prompt_id
                    )
                ).scalar()
                if clash is not None:
                    raise self._duplicate_prompt(values["name"], clash)
            if values:
                try:
                    conn.execute(
                        sa.update(P)
                        .where(P.c.id == prompt_id)
                        .values(**values, updated_at=now(), updated_by=self.actor)
                    )
                except IntegrityError:
                    raise RetryTransaction() from None
            return self._load_prompt(conn, ws, prompt_id)

        return self._write(run)

    def delete_prompt(self, prompt_id: str, *, reason: str | None = None,
                      confirm_protected: bool = False) -> DeleteResult:
        """(7) The prompt, its versions and ownerships go; the history stays and says so."""
        prompt_id = rules.clean_id(prompt_id, "prompt id")
        result = self.delete_prompts([prompt_id], reason=reason, confirm_protected=confirm_protected)
        if result.missing:
            raise NotFound(f"prompt {prompt_id} does not exist in workspace '{self.workspace}'",
                           reason="prompt_missing")
        return result

    def delete_prompts(self, prompt_ids: Iterable[str], *, reason: str | None = None,
                       confirm_protected: bool = False) -> DeleteResult:
        """(8) Many at once, in one transaction; unknown ids are ignored and reported. Deleting a
        prompt that serves a protected environment takes it out of that environment, so it needs
        ``confirm_protected`` like any other move out of it."""
        ids = rules.clean_batch(prompt_ids, "prompt id")
        reason = rules.clean_optional_text(reason, "reason", rules.REASON_MAX)

        def run(conn: Connection, ws: int) -> DeleteResult:
            found = conn.execute(
                sa.select(P.c.id, P.c.name, P.c.name_key)
                .where(P.c.workspace_id == ws, P.c.id.in_(ids))
                .order_by(P.c.id)
                .with_for_update()
            ).all()
            batch = str(uuid7())
            owners = self._owner_rows(conn, [p.id for p in found])
            guarded = sorted({f"'{p.name}' serves '{o.env_name}'" for p in found for o in owners
                              if o.prompt_id == p.id and o.protected})
            if guarded and not confirm_protected:
                raise Conflict(f"{'; '.join(guarded)}, which is protected: deleting takes it out "
                               "of it, which needs explicit confirmation",
                               reason="protected_environment")
            records = []
            for p in found:
                mine = [o for o in owners if o.prompt_id == p.id]
                for o in mine:
                    records.append(self._move_row(
                        ws, batch, "clear", "prompt_deleted", p, o.environment_id, o.env_name,
                        (o.version_id, o.version_number), None, reason))
                if not mine:
                    records.append(self._move_row(
                        ws, batch, "clear", "prompt_deleted", p, None, None, None, None, reason))
            moves = self._record(conn, records)
            if found:
                conn.execute(sa.delete(P).where(P.c.id.in_([p.id for p in found])))
            deleted = {p.id for p in found}
            return DeleteResult(
                tuple(i for i in ids if i in deleted), tuple(i for i in ids if i not in deleted), moves
            )

        return self._write(run)

    # =======================================================================================
    # versions
    # =======================================================================================

    def create_version(
        self,
        prompt_name: str,
        template: str,
        *,
        type: str = "mustache",
        metadata: Mapping[str, Any] | None = None,
        change_description: str | None = None,
        tags: Iterable[str] | None = None,
        commit: str | None = None,
        environments: Iterable[str] | None = None,
        expected_owners: Mapping[str, str | None] | None = None,
        confirm_protected: bool = False,
        reason: str | None = None,
        template_structure: str | None = None,
        prompt_id: str | None = None,
    ) -> MoveResult:
        """(3) A new version of the named prompt (created when missing). Environments given here
        move to the new version in the same transaction. With ``prompt_id`` the version goes to
        that prompt whatever its name is now, and a prompt deleted meanwhile is ``NotFound``
        (a console writing a version of the prompt it shows must not bring it back)."""
        name = rules.clean_prompt_name(prompt_name)
        if prompt_id is not None:
            prompt_id = rules.clean_id(prompt_id, "prompt id")
        env_names = None if environments is None else self._clean_env_names(environments)
        reason = rules.clean_optional_text(reason, "reason", rules.REASON_MAX)
        if template_structure is not None:
            rules.clean_structure(template_structure)

        def run(conn: Connection, ws: int) -> MoveResult:
            if prompt_id is not None:
                prompt = self._lock_prompt(conn, ws, prompt_id)
            else:
                prompt = conn.execute(
                    sa.select(P).where(P.c.workspace_id == ws, P.c.name_key == rules.name_key(name))
                ).first()
            if prompt is None:
                try:
                    prompt = self._insert_prompt(conn, ws, name, None, [], template_structure or "text")
                except IntegrityError:
                    raise RetryTransaction() from None
            elif template_structure is not None and template_structure != prompt.template_structure:
                raise InvalidInput(
                    f"prompt '{prompt.name}' holds {prompt.template_structure} templates; "
                    f"its structure is fixed at creation and cannot become {template_structure}"
                )
            args = self._version_args(template, prompt.template_structure, type, metadata,
                                      change_description, tags, commit)
            version = self._insert_version(conn, ws, prompt, **args)
            if not env_names:
                return MoveResult(version, ())
            return self._set_environments(conn, ws, version.id, env_names, expected_owners,
                                          confirm_protected, reason, "new_version")

        return self._write(run)

    def update_version_tags(
        self, version_ids: Iterable[str], tags: Iterable[str], *, merge: bool = False
    ) -> tuple[Version, ...]:
        """(4) Replace (or merge into) the tags of 1 to 1000 versions. Unknown ids: not_found."""
        ids = rules.clean_batch(version_ids, "version id")
        tags = rules.clean_tags(tags)

        def run(conn: Connection, ws: int) -> tuple[Version, ...]:
            rows = conn.execute(
                sa.select(V.c.id, V.c.tags).where(V.c.workspace_id == ws, V.c.id.in_(ids))
            ).all()
            missing = set(ids) - {r.id for r in rows}
            if missing:
                raise NotFound(f"no version with id {', '.join(sorted(missing)[:5])}; nothing tagged")
            for row in rows:
                new = rules.clean_tags([*row.tags, *tags]) if merge else tags
                conn.execute(sa.update(V).where(V.c.id == row.id).values(tags=new))
            return tuple(self._versions_by_ids(conn, ws, ids))

        return self._write(run)

    def get_version(self, version_id: str) -> Version:
        """(10)"""
        version_id = rules.clean_id(version_id, "version id")
        return self._read(lambda conn, ws: self._load_version(conn, ws, version_id))

    def get_version_by_commit(self, commit: str, *, prompt_name: str | None = None) -> Version:
        """(9) By commit; a commit two prompts share is ambiguous unless the prompt is named."""
        commit = rules.clean_commit(commit)

        def run(conn: Connection, ws: int) -> Version:
            where = [V.c.workspace_id == ws, V.c.commit == commit]
            if prompt_name is not None:
                where.append(V.c.prompt_id == self._prompt_row_by_name(conn, ws, prompt_name).id)
            ids = conn.execute(sa.select(V.c.id).where(*where).limit(2)).scalars().all()
            if not ids:
                raise NotFound(f"no version with commit '{commit}'" +
                               (f" in prompt '{prompt_name}'" if prompt_name else ""))
            if len(ids) > 1:
                raise self._ambiguous(conn, ws, commit)
            return self._load_version(conn, ws, ids[0])

        return self._read(run)

    def get_version_by_number(self, prompt: str, number: int | str, *, by_name: bool = False) -> Version:
        """(11) ``v3`` or ``3`` of a prompt (by id, or by name with ``by_name=True``)."""
        n = rules.parse_version_number(number)
        if not by_name:
            prompt = rules.clean_id(prompt, "prompt id")

        def run(conn: Connection, ws: int) -> Version:
            row = self._prompt_row_by_name(conn, ws, prompt) if by_name else self._prompt_row(conn, ws, prompt)
            vid = conn.execute(
                sa.select(V.c.id).where(V.c.prompt_id == row.id, V.c.version_number == n)
            ).scalar()
            if vid is None:
                raise NotFound(
                    f"prompt '{row.name}' has no v{n}; it has v1 to v{row.version_counter}"
                    if row.version_counter else f"prompt '{row.name}' has no versions yet"
                )
            return self._load_version(conn, ws, vid)

        return self._read(run)

    def list_versions(
        self,
        prompt_id: str,
        *,
        page: int = 1,
        size: int = 50,
        search: str | None = None,
        oldest_first: bool = False,
    ) -> Page[Version]:
        """(12) Newest first by default, each with its environments."""
        page, size = rules.clean_page(page, size)
        prompt_id = rules.clean_id(prompt_id, "prompt id")
        needle = rules.clean_filter(search, "search")

        def run(conn: Connection, ws: int) -> Page[Version]:
            prompt = self._prompt_row(conn, ws, prompt_id)
            where = [V.c.prompt_id == prompt.id]
            if needle:
                where.append(sa.or_(
                    self._contains(V.c.template, needle),
                    self._contains(V.c.change_description, needle),
                ))
            order = V.c.version_number.asc() if oldest_first else V.c.version_number.desc()
            rows = conn.execute(
                sa.select(V, sa.func.count().over().label("total"))
                .where(*where).order_by(order).limit(size).offset((page - 1) * size)
            ).all()
            total = rows[0].total if rows else conn.execute(
                sa.select(sa.func.count()).select_from(V).where(*where)).scalar()
            envs = self._environments_of_versions(conn, [r.id for r in rows])
            return Page(
                tuple(self._version(r, prompt, envs.get(r.id, ())) for r in rows), total, page, size
            )

        return self._read(run)

    def get_versions_by_commits(self, commits: Sequence[str]) -> tuple[CommitLookup, ...]:
        """(13) One answer per commit given, in the input order (a commit given twice is
        answered twice); unknown commits come back marked missing."""
        given = [rules.clean_commit(c) for c in ([commits] if isinstance(commits, str) else commits)]
        if not 1 <= len(given) <= rules.BATCH_MAX:
            raise InvalidInput(f"give 1 to {rules.BATCH_MAX} commits, not {len(given)}")
        wanted = list(dict.fromkeys(given))

        def run(conn: Connection, ws: int) -> tuple[CommitLookup, ...]:
            rows = conn.execute(
                sa.select(V.c.id, V.c.commit).where(V.c.workspace_id == ws, V.c.commit.in_(wanted))
            ).all()
            by_commit: dict[str, list[str]] = {}
            for r in rows:
                by_commit.setdefault(r.commit, []).append(r.id)
            for commit, ids in by_commit.items():
                if len(ids) > 1:
                    raise self._ambiguous(conn, ws, commit)
            found = {v.id: v for v in self._versions_by_ids(conn, ws, [r.id for r in rows])}
            return tuple(
                CommitLookup(c, found[by_commit[c][0]] if c in by_commit else None) for c in given
            )

        return self._read(run)

    def restore_version(self, version_id: str) -> Version:
        """(14) A new version copying an older one's template, type and metadata."""
        version_id = rules.clean_id(version_id, "version id")

        def run(conn: Connection, ws: int) -> Version:
            old = self._load_version(conn, ws, version_id)
            prompt = conn.execute(sa.select(P).where(P.c.id == old.prompt_id)).first()
            if prompt is None:  # deleted just now: start over, and find the version gone
                raise RetryTransaction()
            return self._insert_version(
                conn, ws, prompt, template=old.template, type=old.type, metadata=old.metadata,
                change_description=f"Restored from v{old.number}", tags=[], commit=None,
            )

        return self._write(run)

    def retrieve_version(
        self,
        prompt_name: str,
        *,
        commit: str | None = None,
        version: int | str | None = None,
        environment: str | None = None,
    ) -> Version:
        """(15) By name plus at most one of commit, version number, environment; none: latest."""
        given = [k for k, v in (("commit", commit), ("version", version), ("environment", environment))
                 if v is not None]
        if len(given) > 1:
            raise InvalidInput(f"give at most one of commit, version and environment, not {' and '.join(given)}")
        number = rules.parse_version_number(version) if version is not None else None
        commit = rules.clean_commit(commit) if commit is not None else None

        def run(conn: Connection, ws: int) -> Version:
            prompt = self._prompt_row_by_name(conn, ws, prompt_name)
            if environment is not None:
                env = self._env_by_name(conn, ws, environment)
                vid = conn.execute(
                    sa.select(O.c.version_id).where(O.c.prompt_id == prompt.id, O.c.environment_id == env.id)
                ).scalar()
                if vid is None:
                    raise NotFound(f"no version of prompt '{prompt.name}' is in {env.name}")
                return self._load_version(conn, ws, vid)
            if commit is not None:
                where = V.c.commit == commit
                missing = f"prompt '{prompt.name}' has no version with commit '{commit}'"
            elif number is not None:
                where = V.c.version_number == number
                missing = f"prompt '{prompt.name}' has no v{number}"
            else:
                where = V.c.version_number == prompt.version_counter
                missing = f"prompt '{prompt.name}' has no versions yet"
            vid = conn.execute(sa.select(V.c.id).where(V.c.prompt_id == prompt.id, where)).scalar()
            if vid is None:
                raise NotFound(missing)
            return self._load_version(conn, ws, vid)

        return self._read(run)

    def get_versions_by_ids(self, version_ids: Iterable[str]) -> tuple[Version, ...]:
        """(16) Unknown ids are left out; the input order is kept."""
        ids = rules.clean_batch(version_ids, "version id")
        return self._read(lambda conn, ws: tuple(self._versions_by_ids(conn, ws, ids)))

    # =======================================================================================
    # environments of versions: the move
    # =======================================================================================

    def set_version_environments(
        self,
        version_id: str,
        environments: Iterable[str] | None,
        *,
        expected_owners: Mapping[str, str | None] | None = None,
        confirm_protected: bool = False,
        reason: str | None = None,
    ) -> MoveResult:
        """(17) The version owns exactly ``environments`` afterwards. Those another version owned
        move here; those it no longer lists are cleared; all in one transaction, each change a
        move record. ``expected_owners`` maps environment names to the version id (or ``None``)
        the caller believes owns them: any difference is a conflict and nothing changes."""
        if environments is None:
            raise InvalidInput(
                "no environment set given; to clear every environment of the version, give an "
                "empty set"
            )
        version_id = rules.clean_id(version_id, "version id")
        names = self._clean_env_names(environments)
        reason = rules.clean_optional_text(reason, "reason", rules.REASON_MAX)
        return self._write(lambda conn, ws: self._set_environments(
            conn, ws, version_id, names, expected_owners, confirm_protected, reason, "set"))

    def assign_environment(
        self,
        version_id: str,
        environment: str,
        *,
        expected_owners: Mapping[str, str | None] | None = None,
        confirm_protected: bool = False,
        reason: str | None = None,
    ) -> MoveResult:
        """Give one more environment to a version (it keeps the ones it has)."""
        version_id = rules.clean_id(version_id, "version id")
        name = rules.clean_env_name(environment)
        reason = rules.clean_optional_text(reason, "reason", rules.REASON_MAX)
        return self._write(lambda conn, ws: self._set_environments(
            conn, ws, version_id, [name], expected_owners, confirm_protected, reason, "assign",
            keep_current=True))

    def clear_environment(
        self,
        prompt_id: str,
        environment: str,
        *,
        expected_owner: str | None | _Unset = UNSET,
        confirm_protected: bool = False,
        reason: str | None = None,
    ) -> tuple[MoveRecord, ...]:
        """Take an environment of a prompt from whichever version owns it (none: no change)."""
        prompt_id = rules.clean_id(prompt_id, "prompt id")
        reason = rules.clean_optional_text(reason, "reason", rules.REASON_MAX)

        def run(conn: Connection, ws: int) -> tuple[MoveRecord, ...]:
            self._lock_prompt(conn, ws, prompt_id)
            env = self._env_by_name(conn, ws, environment)
            owner = conn.execute(
                sa.select(O.c.version_id).where(O.c.prompt_id == prompt_id, O.c.environment_id == env.id)
            ).scalar()
            expected = None if expected_owner is UNSET else {env.name: expected_owner}
            if owner is None:
                state = conn.execute(_Q_MOVE_STATE, {"ws": ws, "pid": prompt_id}).all()
                self._check_expected(expected, state, conn, prompt_id)
                return ()
            return self._set_environments(conn, ws, owner, [env.name], expected, confirm_protected,
                                          reason, "clear", drop=True).moves

        return self._write(run)

    def owners(self, prompt_id: str) -> tuple[Owner, ...]:
        """Who owns each environment of a prompt now, in registry order."""
        prompt_id = rules.clean_id(prompt_id, "prompt id")

        def run(conn: Connection, ws: int) -> tuple[Owner, ...]:
            self._prompt_row(conn, ws, prompt_id)
            return self._owners_of(conn, [prompt_id]).get(prompt_id, ())

        return self._read(run)

    # =======================================================================================
    # environment registry
    # =======================================================================================

    def list_environments(self) -> tuple[Environment, ...]:
        """(18) The registry in position order, each with how many prompts it serves."""

        def run(conn: Connection, ws: int) -> tuple[Environment, ...]:
            served = (
                sa.select(sa.func.count()).where(O.c.environment_id == E.c.id)
                .scalar_subquery().label("prompt_count")
            )
            rows = conn.execute(
                sa.select(E, served).where(E.c.workspace_id == ws).order_by(E.c.position, E.c.name_key)
            ).all()
            return tuple(self._environment(r) for r in rows)

        return self._read(run)

    def get_environment(self, name: str) -> Environment:
        return self._read(lambda conn, ws: self._environment(
            self._env_by_id(conn, self._env_by_name(conn, ws, name).id)))  # with its prompt count

    def create_environment(
        self,
        name: str,
        *,
        description: str | None = None,
        color: str | None = None,
        position: int | None = None,
        protected: bool = False,
    ) -> Environment:
        name = rules.clean_env_name(name)
        description = rules.clean_optional_text(description, "description", rules.ENV_DESCRIPTION_MAX)
        color = rules.clean_color(color)
        self._check_position(position)

        def run(conn: Connection, ws: int) -> Environment:
            self._lock_registry(conn, ws)
            rows = conn.execute(
                sa.select(E.c.id, E.c.name, E.c.name_key).where(E.c.workspace_id == ws)
                .order_by(E.c.position, E.c.name_key).with_for_update()
            ).all()
            clash = next((r.name for r in rows if r.name_key == rules.name_key(name)), None)
            if clash:
                raise Conflict(f"environment '{clash}' already exists (names ignore case)",
                               reason="duplicate_name")
            if len(rows) >= rules.ENVIRONMENTS_MAX:
                raise Conflict(f"workspace '{self.workspace}' already has {rules.ENVIRONMENTS_MAX} "
                               "environments, the most it may have; delete one first",
                               reason="limit_reached")
            ts, env_id = now(), str(uuid7())
            try:
                conn.execute(sa.insert(E).values(
                    id=env_id, workspace_id=ws, name=name, name_key=rules.name_key(name),
                    description=description, color=color, position=len(rows), protected=bool(protected),
                    created_at=ts, created_by=self.actor, updated_at=ts, updated_by=self.actor))
            except IntegrityError:
                raise RetryTransaction() from None
            order = [r.id for r in rows] + [env_id]
            if position is not None and position < len(rows):
                order.insert(position, order.pop())
                self._write_positions(conn, order)
            return self._environment(self._env_by_id(conn, env_id))

        return self._write(run)

    def update_environment(
        self,
        name: str,
        *,
        new_name: str = UNSET,
        description: str | None = UNSET,
        color: str | None = UNSET,
        position: int = UNSET,
        protected: bool = UNSET,
        confirm_protected: bool = False,
    ) -> Environment:
        """Rename, describe, colour, reorder, protect. Ownerships follow the environment, not its
        name. Lifting protection is itself protected: it needs ``confirm_protected``."""
        values: dict[str, Any] = {}
        if new_name is not UNSET:
            values["name"] = rules.clean_env_name(new_name)
            values["name_key"] = rules.name_key(values["name"])
        if description is not UNSET:
            values["description"] = rules.clean_optional_text(description, "description",
                                                              rules.ENV_DESCRIPTION_MAX)
        if color is not UNSET:
            values["color"] = rules.clean_color(color)
        if protected is not UNSET:
            values["protected"] = bool(protected)
        if position is not UNSET:
            self._check_position(position)

        def run(conn: Connection, ws: int) -> Environment:
            self._lock_registry(conn, ws)
            env = self._env_by_name(conn, ws, name, lock=True)
            if env.protected and values.get("protected") is False and not confirm_protected:
                raise Conflict(f"environment '{env.name}' is protected; lifting its protection "
                               "needs confirmation", reason="protected_environment")
            if "name_key" in values:
                clash = conn.execute(sa.select(E.c.name).where(
                    E.c.workspace_id == ws, E.c.name_key == values["name_key"], E.c.id != env.id)).scalar()
                if clash:
                    raise Conflict(f"environment '{clash}' already exists (names ignore case)",
                                   reason="duplicate_name")
            if values:
                conn.execute(sa.update(E).where(E.c.id == env.id)
                             .values(**values, updated_at=now(), updated_by=self.actor))
            if position is not UNSET:
                order = conn.execute(sa.select(E.c.id).where(E.c.workspace_id == ws)
                                     .order_by(E.c.position, E.c.name_key)).scalars().all()
                order.remove(env.id)
                order.insert(min(position, len(order)), env.id)
                self._write_positions(conn, order)
            return self._environment(self._env_by_id(conn, env.id))

        return self._write(run)

    def delete_environment(
        self, name: str, *, force: bool = False, confirm_protected: bool = False,
        reason: str | None = None,
    ) -> EnvironmentDeleted:
        """Delete a registry entry. When versions own it: a conflict unless ``force``, which clears
        each of those ownerships as a recorded move. A protected one needs ``confirm_protected``."""
        reason = rules.clean_optional_text(reason, "reason", rules.REASON_MAX)

        def run(conn: Connection, ws: int) -> EnvironmentDeleted:
            self._lock_registry(conn, ws)
            env = self._env_by_name(conn, ws, name)
            # Fixed lock order: the registry, prompts by id, then the environment.
            owning = conn.execute(
                sa.select(O.c.prompt_id).where(O.c.environment_id == env.id)
            ).scalars().all()
            if owning and not force:
                names = conn.execute(sa.select(P.c.name).where(P.c.id.in_(owning))
                                     .order_by(P.c.name_key).limit(3)).scalars().all()
                more = f" and {len(owning) - 3} more" if len(owning) > 3 else ""
                raise Conflict(
                    f"environment '{env.name}' is in use by {len(owning)} prompt(s) "
                    f"({', '.join(names)}{more}); delete with force to clear those ownerships "
                    "(each is recorded in the history)", reason="environment_in_use")
            if env.protected and not confirm_protected:
                raise Conflict(f"environment '{env.name}' is protected; deleting it needs "
                               "confirmation", reason="protected_environment")
            locked = set(conn.execute(sa.select(P.c.id).where(P.c.id.in_(owning)).order_by(P.c.id)
                                      .with_for_update()).scalars().all()) if owning else set()
            env = self._env_by_name(conn, ws, name, lock=True)
            rows = conn.execute(
                sa.select(O.c.prompt_id, O.c.version_id, V.c.version_number, P.c.name, P.c.name_key,
                          P.c.id)
                .join(V, V.c.id == O.c.version_id).join(P, P.c.id == O.c.prompt_id)
                .where(O.c.environment_id == env.id).order_by(P.c.id)
            ).all()
            if {r.prompt_id for r in rows} - locked:
                raise RetryTransaction()  # someone moved it meanwhile; start over with them locked
            batch = str(uuid7())
            records = [self._move_row(ws, batch, "clear", "environment_deleted", r, env.id, env.name,
                                      (r.version_id, r.version_number), None, reason) for r in rows]
            cleared = self._record(conn, records)
            conn.execute(sa.delete(O).where(O.c.environment_id == env.id))
            conn.execute(sa.delete(E).where(E.c.id == env.id))
            order = conn.execute(sa.select(E.c.id).where(E.c.workspace_id == ws)
                                 .order_by(E.c.position, E.c.name_key)).scalars().all()
            self._write_positions(conn, order)
            return EnvironmentDeleted(self._environment(env), cleared)

        return self._write(run)

    # =======================================================================================
    # history
    # =======================================================================================

    def history(
        self,
        *,
        prompt: str | None = None,
        environment: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int | None = None,
        page: int = 1,
        size: int = 50,
        match: str = "exact",
    ) -> Page[MoveRecord]:
        """(19) Move records, newest first. ``prompt`` is a name (current or former) or an id;
        ``environment`` a name (current or former). ``match="contains"`` (for people typing in
        a filter box) keeps the records whose prompt, environment and actor contain the given
        text, ignoring the case of ASCII letters, under the recorded or the current name.
        ``actor`` matches ignoring ASCII case. ``after_id`` keeps the records newer than that
        move id (what a console polling for others' moves needs: no count of the whole
        history)."""
        page, size = rules.clean_page(page, size)
        if match not in ("exact", "contains"):
            raise InvalidInput(f"match {match!r} must be 'exact' or 'contains'")
        since = rules.clean_time(since, "since")
        until = rules.clean_time(until, "until")
        prompt = rules.clean_filter(prompt, "prompt")
        environment = rules.clean_filter(environment, "environment")
        actor = rules.clean_filter(actor, "user")
        if after_id is not None and (isinstance(after_id, bool) or not isinstance(after_id, int)):
            raise InvalidInput(f"after_id {after_id!r} must be a move id (a whole number)")

        def run(conn: Connection, ws: int) -> Page[MoveRecord]:
            where = [M.c.workspace_id == ws]
            if after_id is not None:
                where.append(M.c.id > after_id)
            if since is not None:
                where.append(M.c.at >= since)
            if until is not None:
                where.append(M.c.at < until)
            if match == "contains":
                for value, recorded, table, current in (
                    (prompt, M.c.prompt_name, P, M.c.prompt_id),
                    (environment, M.c.environment_name, E, M.c.environment_id),
                ):
                    if value is not None:
                        named_now = sa.select(table.c.id).where(
                            table.c.workspace_id == ws, self._contains(table.c.name, value))
                        where.append(sa.or_(self._contains(recorded, value), current.in_(named_now)))
                if actor is not None:
                    where.append(self._contains(M.c.actor, actor))
            else:
                if prompt is not None:
                    key = rules.name_key(prompt)
                    # The prompt's id, its current name, or a name it had when a record was
                    # written: each gives every record of that prompt, before and after renames.
                    named_now = sa.select(P.c.id).where(P.c.workspace_id == ws, P.c.name_key == key)
                    named_then = sa.select(M.c.prompt_id).where(M.c.workspace_id == ws,
                                                                M.c.prompt_key == key)
                    where.append(sa.or_(M.c.prompt_id == prompt, M.c.prompt_id.in_(named_now),
                                        M.c.prompt_id.in_(named_then)))
                if environment is not None:
                    env = conn.execute(sa.select(E.c.id).where(
                        E.c.workspace_id == ws, E.c.name_key == rules.name_key(environment))).scalar()
                    by_name = sa.func.lower(M.c.environment_name) == environment.lower()
                    where.append(sa.or_(M.c.environment_id == env, by_name) if env else by_name)
                if actor is not None:
                    where.append(self._equals(M.c.actor, actor))
            rows = conn.execute(
                sa.select(M, sa.func.count().over().label("total")).where(*where)
                .order_by(M.c.id.desc()).limit(size).offset((page - 1) * size)
            ).all()
            total = rows[0].total if rows else conn.execute(
                sa.select(sa.func.count()).select_from(M).where(*where)).scalar()
            return Page(tuple(self._move(r) for r in rows), total, page, size)

        return self._read(run)

    def change_marker(self) -> tuple[Any, ...]:
        """A cheap fingerprint of the workspace, read in one query: (last move id, latest prompt
        change, number of prompts, latest environment change, number of environments). It
        differs after any move, prompt or environment created, changed or deleted, and after
        any new version (which updates its prompt); consoles poll it to notice others' changes."""

        def run(conn: Connection, ws: int) -> tuple[Any, ...]:
            def scalar(expr, table):
                return sa.select(expr).select_from(table).where(
                    table.c.workspace_id == ws).scalar_subquery()

            return tuple(conn.execute(sa.select(
                scalar(sa.func.max(M.c.id), M),
                scalar(sa.func.max(P.c.updated_at), P),
                scalar(sa.func.count(), P),
                scalar(sa.func.max(E.c.updated_at), E),
                scalar(sa.func.count(), E),
            )).one())

        return self._read(run)

    # =======================================================================================
    # internals: the move
    # =======================================================================================

    def _clean_env_names(self, names: Iterable[str]) -> list[str]:
        if isinstance(names, str):
            raise InvalidInput("environments must be a set of names, not one string")
        cleaned: dict[str, str] = {}
        for raw in names:
            name = rules.clean_env_name(raw)
            cleaned.setdefault(name.lower(), name)
        return list(cleaned.values())

    def _set_environments(
        self,
        conn: Connection,
        ws: int,
        version_id: str,
        names: Sequence[str],
        expected: Mapping[str, str | None] | None,
        confirm_protected: bool,
        reason: str | None,
        cause: str,
        *,
        keep_current: bool = False,
        drop: bool = False,
    ) -> MoveResult:
        """The move. ``names`` is the version's whole new set; with ``keep_current`` it is added
        to what the version owns, with ``drop`` it is taken away from it.

        Four statements: the version with its prompt row locked (PostgreSQL: FOR UPDATE, so
        movers of one prompt queue here, always in this order), the registry with this prompt's
        current owners, one upsert or delete per change, one insert of the move records."""
        lock = _Q_LOCK_VERSION if self.db.is_sqlite else _Q_LOCK_VERSION_FOR_UPDATE
        version = conn.execute(lock, {"vid": version_id, "ws": ws}).first()
        if version is None:
            raise NotFound(f"version {version_id} does not exist in workspace '{self.workspace}'",
                           reason="version_missing")
        state = conn.execute(_Q_MOVE_STATE, {"ws": ws, "pid": version.prompt_id}).all()
        registry = {r.name_key: r for r in state}
        unknown = [n for n in names if rules.name_key(n) not in registry]
        if unknown:
            raise self._unknown_envs(unknown, state)
        named = {registry[rules.name_key(n)].id for n in names}
        mine = {r.id for r in state if r.version_id == version_id}
        wanted = (mine | named) if keep_current else (mine - named) if drop else named
        self._check_expected(expected, state, conn, version.prompt_id)

        to_take = [r for r in state if r.id in wanted and r.id not in mine]
        to_clear = [r for r in state if r.id in mine and r.id not in wanted]
        after = tuple(r.name for r in state if r.id in wanted)
        if not to_take and not to_clear:
            return MoveResult(self._version(version, version, after), ())
        guarded = sorted(r.name for r in (*to_take, *to_clear) if r.protected)
        if guarded and not confirm_protected:
            raise Conflict(
                f"environment {', '.join(repr(g) for g in guarded)} is protected; "
                "moving a version into or out of it needs explicit confirmation",
                reason="protected_environment",
            )
        ts, batch = now(), str(uuid7())
        target = (version_id, version.version_number)
        records = []
        if to_take:
            conn.execute(self._upsert_owner(), [
                dict(prompt_id=version.prompt_id, environment_id=r.id, version_id=version_id,
                     workspace_id=ws, since=ts, by=self.actor) for r in to_take])
        for r in to_take:
            before = (r.version_id, r.version_number) if r.version_id else None
            records.append(self._move_row(ws, batch, "move" if before else "assign", cause, version,
                                          r.id, r.name, before, target, reason, ts))
        if to_clear:
            conn.execute(_Q_DELETE_OWNERS, {"pid": version.prompt_id,
                                            "envs": [r.id for r in to_clear]})
            for r in to_clear:
                records.append(self._move_row(ws, batch, "clear", cause, version, r.id, r.name,
                                              target, None, reason, ts))
        return MoveResult(self._version(version, version, after), self._record(conn, records))

    def _upsert_owner(self):
        if self._upsert is None:
            insert = (sqlite.insert if self.db.is_sqlite else postgresql.insert)(O)
            self._upsert = insert.on_conflict_do_update(
                index_elements=[O.c.prompt_id, O.c.environment_id],
                set_=dict(version_id=insert.excluded.version_id, since=insert.excluded.since,
                          by=insert.excluded.by),
            )
        return self._upsert

    def _check_expected(self, expected: Mapping[str, str | None] | None, state: Sequence[Row],
                        conn: Connection, prompt_id: str) -> None:
        """``state``: the registry rows with this prompt's current owners (``_Q_MOVE_STATE``)."""
        if not expected:
            return
        registry = {r.name_key: r for r in state}
        for name in expected:
            rules.clean_env_name(name)  # blank, reserved or malformed: invalid, as in the set
        unknown = [n for n in expected if rules.name_key(str(n).strip()) not in registry]
        if unknown:
            raise self._unknown_envs(unknown, state)
        stale = []
        for name, believed in expected.items():
            row = registry[rules.name_key(name.strip())]
            if row.version_id != believed:
                if row.version_id is None:
                    last = conn.execute(
                        sa.select(M.c.actor, M.c.at).where(M.c.prompt_id == prompt_id,
                                                           M.c.environment_id == row.id)
                        .order_by(M.c.id.desc()).limit(1)).first()
                    stale.append(f"{row.name} was cleared" + (
                        f" by {last.actor} at {last.at.strftime('%Y-%m-%d %H:%M:%S')} UTC"
                        if last is not None else ""))
                else:
                    stale.append(f"{row.name} moved to v{row.version_number} by {row.by} "
                                 f"at {row.since.strftime('%Y-%m-%d %H:%M:%S')} UTC")
        if stale:
            raise Conflict("; ".join(stale) + " while you were looking; nothing was changed — "
                           "refresh and decide again", reason="stale_owner")

    def _unknown_envs(self, unknown: Sequence[str], registry: Iterable[Row]) -> NotFound:
        known = ", ".join(r.name for r in sorted(registry, key=lambda r: r.name_key)) or "none"
        listed = ", ".join(f"'{rules.shorten(str(u))}'" for u in unknown)
        return NotFound(f"environment {listed} is not registered in workspace '{self.workspace}'; "
                        f"registered: {known}")

    def _move_row(self, ws, batch, action, cause, prompt_like, env_id, env_name, before, after,
                  reason, ts=None) -> dict[str, Any]:
        prompt_id = getattr(prompt_like, "prompt_id", None) or prompt_like.id
        name = getattr(prompt_like, "prompt_name", None) or prompt_like.name
        key = getattr(prompt_like, "prompt_key", None) or prompt_like.name_key
        return dict(
            workspace_id=ws, batch=batch, at=ts or now(), actor=self.actor, action=action,
            cause=cause, prompt_id=prompt_id, prompt_name=name, prompt_key=key,
            environment_id=env_id, environment_name=env_name,
            from_version_id=before[0] if before else None,
            from_version_number=before[1] if before else None,
            to_version_id=after[0] if after else None,
            to_version_number=after[1] if after else None,
            reason=reason,
        )

    def _record(self, conn: Connection, records: list[dict[str, Any]]) -> tuple[MoveRecord, ...]:
        if not records:
            return ()
        if len(records) == 1:
            ids = [conn.execute(_Q_INSERT_MOVE, records[0]).inserted_primary_key[0]]
        else:
            ids = conn.execute(_Q_INSERT_MOVES, records).scalars().all()
        return tuple(self._move(dict(r, id=i)) for r, i in zip(records, ids))

    # =======================================================================================
    # internals: loading and converting
    # =======================================================================================

    def _lock_prompt(self, conn: Connection, ws: int, prompt_id: str) -> Row:
        row = conn.execute(sa.select(P).where(P.c.id == prompt_id, P.c.workspace_id == ws)
                           .with_for_update()).first()
        if row is None:
            raise NotFound(f"prompt {prompt_id} does not exist in workspace '{self.workspace}'",
                           reason="prompt_missing")
        return row

    def _prompt_row(self, conn: Connection, ws: int, prompt_id: str) -> Row:
        row = conn.execute(sa.select(P).where(P.c.id == prompt_id, P.c.workspace_id == ws)).first()
        if row is None:
            raise NotFound(f"prompt {prompt_id} does not exist in workspace '{self.workspace}'",
                           reason="prompt_missing")
        return row

    def _prompt_row_by_name(self, conn: Connection, ws: int, name: str) -> Row:
        clean = rules.clean_prompt_name(name)
        row = conn.execute(sa.select(P).where(P.c.workspace_id == ws,
                                              P.c.name_key == rules.name_key(clean))).first()
        if row is None:
            raise NotFound(f"no prompt named '{rules.shorten(clean)}' in workspace '{self.workspace}'")
        return row

    def _env_by_name(self, conn: Connection, ws: int, name: str, *, lock: bool = False) -> Row:
        clean = rules.clean_env_name(name)
        query = sa.select(E).where(E.c.workspace_id == ws, E.c.name_key == rules.name_key(clean))
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            registry = conn.execute(sa.select(E.c.name, E.c.name_key).where(E.c.workspace_id == ws)).all()
            raise self._unknown_envs([clean], registry)
        return row

    def _env_by_id(self, conn: Connection, env_id: str) -> Row:
        served = (sa.select(sa.func.count()).where(O.c.environment_id == E.c.id)
                  .scalar_subquery().label("prompt_count"))
        return conn.execute(sa.select(E, served).where(E.c.id == env_id)).one()

    @staticmethod
    def _lock_registry(conn: Connection, ws: int) -> None:
        """Changes of the registry queue on the workspace row (PostgreSQL; SQLite's BEGIN
        IMMEDIATE already serialises writes), so the limit of 100 and dense positions hold:
        a FOR UPDATE on the existing rows would not see one inserted meanwhile. NO KEY UPDATE,
        so writers whose foreign keys point at the workspace are not held up."""
        conn.execute(sa.select(W.c.id).where(W.c.id == ws).with_for_update(key_share=True))

    def _write_positions(self, conn: Connection, order: Sequence[str]) -> None:
        current = dict(conn.execute(sa.select(E.c.id, E.c.position).where(E.c.id.in_(order))).all())
        for pos, env_id in enumerate(order):
            if current.get(env_id) != pos:
                conn.execute(sa.update(E).where(E.c.id == env_id).values(position=pos))

    @staticmethod
    def _check_position(position: Any) -> None:
        if position is None:
            return
        if not isinstance(position, int) or isinstance(position, bool) or position < 0:
            raise InvalidInput(f"position {position!r} must be a whole number from 0")

    def _contains(self, column, needle: str):
        """Substring test that ignores the case of ASCII letters only, alike on both backends:
        SQLite's LIKE does exactly that; PostgreSQL's ILIKE does it under the C collation."""
        return self._like(column, "%" + self._escape_like(needle) + "%")

    def _equals(self, column, value: str):
        """Equality ignoring the case of ASCII letters only, alike on both backends."""
        return self._like(column, self._escape_like(value))

    @staticmethod
    def _escape_like(text: str) -> str:
        return text.replace("/", "//").replace("%", "/%").replace("_", "/_")

    def _like(self, column, pattern: str):
        if self.db.is_sqlite:
            return column.like(pattern, escape="/")
        return column.collate("C").ilike(pattern, escape="/")

    def _has_tag(self, column, tag: str):
        if self.db.is_sqlite:
            each = sa.func.json_each(column).table_valued("value")
            return sa.exists(sa.select(1).select_from(each).where(each.c.value == tag))
        return sa.type_coerce(column, postgresql.JSONB).contains([tag])

    def _insert_prompt(self, conn, ws, name, description, tags, structure) -> Row:
        ts = now()
        values = dict(id=str(uuid7()), workspace_id=ws, name=name, name_key=rules.name_key(name),
                      description=description, tags=tags, template_structure=structure,
                      version_counter=0, created_at=ts, created_by=self.actor, updated_at=ts,
                      updated_by=self.actor)
        conn.execute(sa.insert(P).values(**values))
        return conn.execute(sa.select(P).where(P.c.id == values["id"])).one()

    def _version_args(self, template, structure, type, metadata, change_description, tags, commit):
        return dict(
            template=rules.clean_template(template, structure),
            type=rules.clean_type(type),
            metadata=rules.clean_metadata(metadata),
            change_description=rules.clean_optional_text(change_description, "change description",
                                                         rules.CHANGE_DESCRIPTION_MAX),
            tags=rules.clean_tags(tags),
            commit=rules.clean_commit(commit) if commit is not None else None,
        )

    def _insert_version(self, conn, ws, prompt, *, template, type, metadata, change_description,
                        tags, commit, created_at=None, created_by=None) -> Version:
        ts = now()
        # The per-prompt counter: the UPDATE takes the prompt's row lock, so numbers never repeat.
        number = conn.execute(
            sa.update(P).where(P.c.id == prompt.id)
            .values(version_counter=P.c.version_counter + 1, updated_at=ts, updated_by=self.actor)
            .returning(P.c.version_counter)
        ).scalar()
        if number is None:  # deleted by a transaction that committed while we waited for its lock
            raise RetryTransaction()
        taken = set(conn.execute(sa.select(V.c.commit).where(V.c.prompt_id == prompt.id)).scalars())
        vid = uuid7()
        if commit is not None:
            if commit in taken:
                raise Conflict(f"prompt '{prompt.name}' already has a version with commit '{commit}'",
                               reason="duplicate_commit")
        else:
            while vid.hex[-8:] in taken:
                vid = uuid7()
            commit = vid.hex[-8:]
        values = dict(id=str(vid), prompt_id=prompt.id, workspace_id=ws, commit=commit,
                      version_number=number, template=template, type=type, metadata=metadata,
                      change_description=change_description, tags=tags,
                      created_at=created_at or ts, created_by=created_by or self.actor)
        conn.execute(sa.insert(V).values(**values))
        return Version(
            id=values["id"], prompt_id=prompt.id, prompt_name=prompt.name, commit=commit,
            number=number, template=template, type=type,
            template_structure=prompt.template_structure, metadata=metadata,
            change_description=change_description, tags=tuple(tags),
            created_at=values["created_at"], created_by=values["created_by"], environments=(),
        )

    def _owner_rows(self, conn: Connection, prompt_ids: Sequence[str]) -> list[Row]:
        if not prompt_ids:
            return []
        return conn.execute(
            sa.select(O.c.prompt_id, O.c.environment_id, O.c.version_id, O.c.since, O.c.by,
                      V.c.version_number, E.c.name.label("env_name"), E.c.protected)
            .join(V, V.c.id == O.c.version_id).join(E, E.c.id == O.c.environment_id)
            .where(O.c.prompt_id.in_(prompt_ids))
            .order_by(O.c.prompt_id, E.c.position, E.c.name_key)
        ).all()

    def _owners_of(self, conn: Connection, prompt_ids: Sequence[str]) -> dict[str, tuple[Owner, ...]]:
        out: dict[str, list[Owner]] = {}
        for r in self._owner_rows(conn, prompt_ids):
            out.setdefault(r.prompt_id, []).append(
                Owner(r.env_name, r.version_id, r.version_number, r.since, r.by))
        return {k: tuple(v) for k, v in out.items()}

    def _environments_of_versions(self, conn: Connection, version_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        if not version_ids:
            return {}
        out: dict[str, list[str]] = {}
        for vid, name in conn.execute(
            sa.select(O.c.version_id, E.c.name).join(E, E.c.id == O.c.environment_id)
            .where(O.c.version_id.in_(version_ids)).order_by(E.c.position, E.c.name_key)
        ):
            out.setdefault(vid, []).append(name)
        return {k: tuple(v) for k, v in out.items()}

    def _load_prompt(self, conn: Connection, ws: int, prompt_id: str) -> Prompt:
        row = conn.execute(
            sa.select(P, V.c.id.label("v_id"), V.c.commit.label("v_commit"),
                      V.c.created_at.label("v_created_at"))
            .select_from(P.outerjoin(V, sa.and_(V.c.prompt_id == P.c.id,
                                                V.c.version_number == P.c.version_counter)))
            .where(P.c.id == prompt_id, P.c.workspace_id == ws)
        ).first()
        if row is None:
            raise NotFound(f"prompt {prompt_id} does not exist in workspace '{self.workspace}'",
                           reason="prompt_missing")
        return self._prompt(row, self._owners_of(conn, [prompt_id]).get(prompt_id, ()))

    def _detail(self, conn, ws, prompt: Prompt, environment: str | None) -> PromptDetail:
        latest = (self._load_version(conn, ws, prompt.latest_version.id)
                  if prompt.latest_version else None)
        resolved = None
        if environment is not None:
            env = self._env_by_name(conn, ws, environment)
            owner = prompt.owner_of(env.name)
            if owner is None:
                raise NotFound(f"no version of prompt '{prompt.name}' is in {env.name}")
            resolved = self._load_version(conn, ws, owner.version_id)
        return PromptDetail(prompt, latest, resolved)

    def _load_version(self, conn: Connection, ws: int, version_id: str) -> Version:
        found = self._versions_by_ids(conn, ws, [version_id])
        if not found:
            raise NotFound(f"version {version_id} does not exist in workspace '{self.workspace}'",
                           reason="version_missing")
        return found[0]

    def _versions_by_ids(self, conn: Connection, ws: int, ids: Sequence[str]) -> list[Version]:
        if not ids:
            return []
        rows = conn.execute(
            sa.select(V, P.c.name.label("prompt_name"), P.c.template_structure)
            .join(P, P.c.id == V.c.prompt_id)
            .where(V.c.id.in_(ids), V.c.workspace_id == ws)
        ).all()
        envs = self._environments_of_versions(conn, [r.id for r in rows])
        by_id = {r.id: self._version(r, r, envs.get(r.id, ())) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def _ambiguous(self, conn: Connection, ws: int, commit: str) -> Conflict:
        names = conn.execute(
            sa.select(P.c.name).join(V, V.c.prompt_id == P.c.id)
            .where(V.c.workspace_id == ws, V.c.commit == commit).order_by(P.c.name_key).limit(4)
        ).scalars().all()
        return Conflict(
            f"commit '{commit}' belongs to versions of several prompts ({', '.join(names[:3])}"
            f"{', …' if len(names) > 3 else ''}); name the prompt as well",
            reason="ambiguous_commit",
        )

    @staticmethod
    def _duplicate_prompt(name: str, existing: str) -> Conflict:
        same = "" if existing == name else f" as '{existing}' (names ignore case)"
        return Conflict(f"a prompt named '{rules.shorten(name)}' already exists{same}; "
                        "choose another name", reason="duplicate_name")

    @staticmethod
    def _prompt(r: Row, owners: tuple[Owner, ...]) -> Prompt:
        latest = (VersionRef(r.v_id, r.version_counter, r.v_commit, r.v_created_at)
                  if r.v_id is not None else None)
        return Prompt(
            id=r.id, name=r.name, description=r.description, tags=tuple(r.tags or ()),
            template_structure=r.template_structure, created_at=r.created_at,
            created_by=r.created_by, updated_at=r.updated_at, updated_by=r.updated_by,
            version_count=r.version_counter, latest_version=latest, owners=owners,
        )

    @staticmethod
    def _version(r: Row, prompt: Row, envs: tuple[str, ...]) -> Version:
        structure = prompt.template_structure
        return Version(
            id=r.id, prompt_id=r.prompt_id, prompt_name=getattr(prompt, "prompt_name", None) or prompt.name,
            commit=r.commit, number=r.version_number, template=r.template, type=r.type,
            template_structure=structure, metadata=dict(r.metadata or {}),
            change_description=r.change_description, tags=tuple(r.tags or ()),
            created_at=r.created_at, created_by=r.created_by, environments=envs,
        )

    @staticmethod
    def _environment(r: Row) -> Environment:
        return Environment(
            id=r.id, name=r.name, description=r.description, color=r.color, position=r.position,
            protected=bool(r.protected), created_at=r.created_at, created_by=r.created_by,
            updated_at=r.updated_at, updated_by=r.updated_by,
            prompt_count=getattr(r, "prompt_count", 0) or 0,
        )

    @staticmethod
    def _move(r: Any) -> MoveRecord:
        get = r.get if isinstance(r, dict) else r._mapping.get
        return MoveRecord(
            id=get("id"), at=get("at"), actor=get("actor"), action=get("action"), cause=get("cause"),
            prompt_id=get("prompt_id"), prompt_name=get("prompt_name"),
            environment_id=get("environment_id"), environment_name=get("environment_name"),
            from_version_id=get("from_version_id"), from_version_number=get("from_version_number"),
            to_version_id=get("to_version_id"), to_version_number=get("to_version_number"),
            reason=get("reason"), batch=get("batch"),
        )
