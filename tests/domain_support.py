"""Helpers shared by the domain tests (tests/test_domain_*.py): the invariant assertion, and a
check that a refused call changed nothing in the database (read straight from the tables)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from promptenv_tui.domain import PromptEnvError, PromptLibrary
from promptenv_tui.domain.invariants import check_invariants
from promptenv_tui.domain.schema import environments, moves, ownerships, prompts, versions, workspaces


def assert_invariants(url_or_db) -> None:
    """The spec's section-4 invariants hold on the whole database."""
    problems = check_invariants(url_or_db)
    assert problems == [], "section-4 invariants broken:\n" + "\n".join(problems)


def snapshot(lib: PromptLibrary) -> dict[str, list[tuple]]:
    """Every row of the library's workspace, in a stable order (read with plain SQL)."""
    ws = lib._ws()
    out: dict[str, list[tuple]] = {}
    with lib.db.engine.connect() as conn:
        out["workspaces"] = [tuple(r) for r in conn.execute(
            sa.select(workspaces).where(workspaces.c.id == ws))]
        for table in (environments, prompts, versions, ownerships, moves):
            key = [c for c in table.primary_key.columns]
            rows = conn.execute(sa.select(table).where(table.c.workspace_id == ws).order_by(*key))
            out[table.name] = [tuple(r) for r in rows]
        out["alembic_version"] = [tuple(r) for r in conn.execute(
            sa.text("SELECT version_num FROM alembic_version"))]
    return out


@contextmanager
def refused(lib: PromptLibrary, error: type[PromptEnvError], reason: str | None = None,
            match: str | None = None) -> Iterator[pytest.ExceptionInfo]:
    """The block raises ``error`` (with ``reason``), its message is a sentence for a person, and
    the workspace's rows are exactly as before."""
    before = snapshot(lib)
    with pytest.raises(error, match=match) as info:
        yield info
    exc = info.value
    assert exc.reason == reason, f"reason {exc.reason!r}, expected {reason!r}: {exc}"
    assert str(exc).strip() and "Traceback" not in str(exc)
    assert snapshot(lib) == before, "a call that raised changed the database"


def move_rows(lib: PromptLibrary) -> list:
    """The workspace's move records straight from the table, oldest first."""
    ws = lib._ws()
    with lib.db.engine.connect() as conn:
        return conn.execute(sa.select(moves).where(moves.c.workspace_id == ws)
                            .order_by(moves.c.id)).all()


def owners_by_name(lib: PromptLibrary, prompt_id: str) -> dict[str, int]:
    """{environment name: owning version number} of a prompt."""
    return {o.environment: o.version_number for o in lib.owners(prompt_id)}
