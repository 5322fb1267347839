"""Helpers of the console tests (tests/test_tui_*.py): real SQLite files, a fixed clock, and the
screen as plain text so a test asserts what the user sees."""

from __future__ import annotations

import io
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot

from promptenv_tui.domain import PromptLibrary
from promptenv_tui.tui.app import PromptEnvApp

FIXED_NOW = datetime(2025, 1, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(tmp_path):
    """The console tests' SQLite file (import this fixture and ``library`` from here)."""
    return tmp_path / "x.db"


@pytest.fixture
def library(db):
    """A library on ``db`` as alice (overrides the domain tests' two-backend ``library``)."""
    lib = open_library(db)
    yield lib
    lib.close()


def open_library(path: Path, actor: str = "alice", **kwargs) -> PromptLibrary:
    return PromptLibrary(f"sqlite:///{path}", actor=actor, **kwargs)


def make_app(library: PromptLibrary, **kwargs) -> PromptEnvApp:
    """The app on a fixed clock; it polls for others' changes only when a test asks
    (``poll_interval=...``), so other tests never reload at a random moment."""
    kwargs.setdefault("clock", lambda: FIXED_NOW)
    kwargs.setdefault("poll_interval", 0)
    kwargs.setdefault("freeze_startup_objects", False)  # hundreds of apps in one process
    return PromptEnvApp(library, **kwargs)


async def settle(pilot: Pilot, delay: float = 0.0) -> None:
    """Let timers fire, workers finish and their messages be handled (workers that handlers
    start included)."""
    app = pilot.app
    if delay:
        await pilot.pause(delay)
    for _ in range(10):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            break
    await pilot.pause()


def screen_text(app: PromptEnvApp) -> str:
    """What the terminal shows now, as plain text (modal dialogs and toasts included)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system=None, record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=True))
    return console.export_text()


def notices(app: PromptEnvApp) -> str:
    """Every notification raised so far (toasts are not drawn under ``run_test``)."""
    return "\n".join(n.message for n in app._notifications)


def table_keys(table) -> list[str]:
    return [row.key.value for row in table.ordered_rows]


def column_text(table, column: str) -> list[str]:
    return [str(getattr(c, "plain", c)) for c in table.get_column(column)]


def seed(library: PromptLibrary) -> dict[str, str]:
    """Deterministic data: fixed names and commits (times are frozen by ``freeze_times``)."""
    ids: dict[str, str] = {}
    greeting = library.create_prompt(
        "greeting", description="Says hello to a new user", tags=["onboarding", "[core]"],
        template="Hello {{name}}!", commit="aaaa0001", change_description="first words")
    ids["greeting"] = greeting.prompt.id
    ids["greeting.v1"] = greeting.latest_version.id
    v2 = library.create_version(
        "greeting", "Hello {{name}}, welcome to {{product}}!\nWe are glad you came.",
        commit="aaaa0002", change_description="mention the product",
        environments=["development", "staging"], metadata={"model": "gpt-4o", "temperature": 0.2})
    ids["greeting.v2"] = v2.version.id
    library.set_version_environments(v2.version.id, ["development", "staging", "production"],
                                     confirm_protected=True, reason="release 1")
    v3 = library.create_version(
        "greeting", "Hi {{name}} [b]bold[/b] 👋 {{#vip}}VIP{{/vip}}", commit="aaaa0003",
        change_description="shorter [/b] and friendlier", tags=["draft"])
    ids["greeting.v3"] = v3.version.id
    library.set_version_environments(v3.version.id, ["development"])
    summary = library.create_prompt(
        "summarise [draft]", tags=["[x]"], template="Summarise: {{text}}", commit="bbbb0001")
    ids["summary"] = summary.prompt.id
    ids["summary.v1"] = summary.latest_version.id
    empty = library.create_prompt("empty prompt", description="nothing written yet")
    ids["empty"] = empty.prompt.id
    rtl = library.create_prompt("مرحبا rtl", template="مرحبا {{name}} 🌍", commit="cccc0001")
    ids["rtl"] = rtl.prompt.id
    return ids


def freeze_times(path: Path) -> None:
    """Give every timestamp a fixed value so snapshots do not change from run to run."""
    with sqlite3.connect(path) as conn:
        # The history is append-only (a trigger says so); lift that for this throw-away file only.
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type='trigger' "
                                "AND tbl_name='moves'").fetchall()
        for name, _sql in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("UPDATE environments SET created_at='2025-01-01 08:00:00.000000', "
                     "updated_at='2025-01-01 08:00:00.000000'")
        conn.execute("UPDATE prompts SET created_at='2025-01-02 09:00:00.000000', "
                     "updated_at='2025-01-0' || (2 + version_counter) || ' 09:30:00.000000'")
        conn.execute("UPDATE versions SET created_at='2025-01-0' || (2 + version_number) "
                     "|| ' 09:30:00.000000'")
        conn.execute("UPDATE ownerships SET since='2025-01-08 10:00:00.000000'")
        conn.execute("UPDATE moves SET at=printf('2025-01-08 10:%02d:00.000000', id)")
        for _name, sql in triggers:
            conn.execute(sql)
