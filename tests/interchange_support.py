"""Helpers of the import/export and CLI tests: the shared sample data and table counts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from promptenv_tui.domain import PromptLibrary
from promptenv_tui.domain.schema import moves as M
from promptenv_tui.domain.schema import ownerships as O
from promptenv_tui.domain.schema import prompts as P
from promptenv_tui.domain.schema import versions as V

SHARED_DATA = Path(
    os.environ.get("PROMPTENV_SHARED_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)
HISTORY = "awesome-prompts-history.json.gz"
CSV_2023 = "awesome-prompts-2023.csv"


def shared_file(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.is_file():
        reason = f"shared sample data {path} is missing (set PROMPTENV_SHARED_DATA to its folder)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and the real-data tests must run, but {reason}")
        pytest.skip(reason)
    return path


def counts(library: PromptLibrary) -> dict[str, int]:
    """Rows of the library's workspace, straight from the tables."""

    def run(conn, ws):
        def n(table):
            return conn.execute(sa.select(sa.func.count()).select_from(table)
                                .where(table.c.workspace_id == ws)).scalar()

        return {"prompts": n(P), "versions": n(V), "ownerships": n(O), "moves": n(M)}

    return library._read(run)


def doc(*prompts, environments=None) -> dict:
    out = {"format": "promptenv.v1", "prompts": list(prompts)}
    if environments is not None:
        out["environments"] = environments
    return out


def prompt(name, *versions, **fields) -> dict:
    return {"name": name, **fields, "versions": list(versions)}


def version(template, **fields) -> dict:
    return {"template": template, **fields}
