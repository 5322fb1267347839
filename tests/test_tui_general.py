"""What holds on every screen: layering, workers off the UI thread, errors that keep the app
running, the status line, help, quitting, small terminals."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

import promptenv_tui.tui
from promptenv_tui.domain import PromptLibrary
from promptenv_tui.tui.dialogs import HelpScreen
from promptenv_tui.tui.environments_screen import EnvironmentsScreen
from promptenv_tui.tui.history_screen import HistoryScreen
from promptenv_tui.tui.prompt_screen import PromptScreen
from promptenv_tui.tui.prompts_screen import PromptsScreen
from tui_support import make_app, notices, open_library, screen_text, seed, settle

TUI = Path(promptenv_tui.tui.__file__).parent


def test_the_console_only_uses_the_domain_public_api():
    """No SQLAlchemy, not even by name; from promptenv only ``promptenv_tui.domain`` itself."""
    for path in sorted(TUI.rglob("*.py")):
        source = path.read_text()
        assert "sqlalchemy" not in source.lower(), path
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom):
                if node.level:  # relative: only within the console
                    assert node.level == 1, (path, node.module)
                    continue
                if node.module.startswith("promptenv_tui"):
                    assert node.module == "promptenv_tui.domain" or node.module.startswith(
                        "promptenv_tui.tui"), (path, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("promptenv_tui.domain."), (path, alias.name)


def test_one_stylesheet():
    assert [p.name for p in TUI.rglob("*.tcss")] == ["app.tcss"]


class RecordingLibrary(PromptLibrary):
    """Records the thread of every domain call the console makes."""

    calls: list[tuple[str, str]]

    def __getattribute__(self, name):
        value = super().__getattribute__(name)
        if callable(value) and not name.startswith("_") and name not in ("open", "close"):
            calls = super().__getattribute__("calls")

            def recorded(*args, **kwargs):
                calls.append((name, threading.current_thread().name))
                return value(*args, **kwargs)

            return recorded
        return value


@pytest.fixture
def recording(tmp_path):
    lib = open_library(tmp_path / "x.db")
    ids = seed(lib)
    lib.close()
    rec = RecordingLibrary(f"sqlite:///{tmp_path / 'x.db'}", actor="alice")
    rec.calls = []
    yield rec, ids
    rec.close()


async def test_every_database_call_runs_off_the_ui_thread(recording):
    library, ids = recording
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("down", "space", "enter", "ctrl+s")
        await settle(pilot)
        await pilot.press("t", "enter")
        await settle(pilot)
        await pilot.press("escape", "E")
        await settle(pilot)
        await pilot.press("J")
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
    names = {name for name, _ in library.calls}
    assert {"list_prompts", "list_environments", "get_prompt", "list_versions", "owners",
            "set_version_environments", "update_environment", "history"} <= names
    main = threading.main_thread().name
    assert [c for c in library.calls if c[1] == main] == []


async def test_an_unexpected_failure_is_one_notification_and_the_app_keeps_running(recording):
    library, ids = recording

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire [b]")

    object.__setattr__(library, "restore_version", broken)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        await pilot.press("R", "y")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        assert "Could not restore v3: RuntimeError: disk on fire [b]" in notices(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PromptsScreen)


async def test_database_down_is_readable_and_the_password_never_shows():
    library = PromptLibrary("postgresql://ops:s3cret-pw@127.0.0.1:1/promptenv", actor="alice")
    app = make_app(library)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "s3cret-pw" not in text
        assert "postgresql" in text and "127.0.0.1:1" in text
        assert "Could not load the prompts" in text and "Press r to try again" in text
        assert "Database unavailable" in [n.title for n in app._notifications]
        assert "s3cret-pw" not in notices(app)
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, EnvironmentsScreen)
        await pilot.press("escape", "r")
        await settle(pilot)
        assert isinstance(app.screen, PromptsScreen)
        assert app.is_running
    library.close()


async def test_status_line_names_workspace_user_and_read_only(tmp_path):
    with open_library(tmp_path / "x.db") as lib:
        lib.open()
    library = PromptLibrary(f"sqlite:///{tmp_path / 'x.db'}", actor="release-bot",
                            read_only=True)
    app = make_app(library)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        status = screen_text(app).splitlines()[-2]
        assert "READ-ONLY" in status and "workspace default" in status
        assert "user release-bot" in status and "x.db" in status
    library.close()


@pytest.mark.parametrize("screen_key, expected", [
    ((), ["Filter", "New prompt", "Sort", "Quit", "Refresh"]),
    (("enter",), ["Set envs", "Env registry", "Clear env", "New version", "Restore", "Tags", "Diff",
                  "History", "Back", "Refresh"]),
    (("E",), ["New", "Edit", "Move up", "Move down", "Delete", "Back", "Refresh"]),
    (("H",), ["Filter", "Prompt filter", "Env filter", "User filter", "Clear filters", "Back"]),
])
async def test_question_mark_lists_the_keys_of_the_current_screen(tmp_path, screen_key, expected):
    library = open_library(tmp_path / "x.db")
    seed(library)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*screen_key)
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = [description.split(" — ")[0] for _key, description, _where in app.screen.rows]
        for description in expected + ["Keys", "Command palette"]:
            assert description in shown
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
    library.close()


async def test_q_goes_back_and_ctrl_q_quits_from_anywhere(tmp_path):
    library = open_library(tmp_path / "x.db")
    seed(library)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("q")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0
    library.close()


@pytest.mark.parametrize("size", [(80, 24), (60, 16)])
async def test_every_screen_and_dialog_renders_at_small_sizes(tmp_path, size):
    library = open_library(tmp_path / "x.db")
    seed(library)
    app = make_app(library)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert "greeting" in screen_text(app)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert "v3 · aaaa0003" in screen_text(app)
        for keys in (("e",), ("e", "down", "space", "enter"), ("d", "enter"), ("t",), ("n",),
                     ("x",), ("question_mark",)):
            await pilot.press(*keys)
            await settle(pilot)
            assert screen_text(app).strip()
            while not isinstance(app.screen, PromptScreen):
                await pilot.press("escape")
                await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        assert "production" in screen_text(app)
        await pilot.press("H")
        await settle(pilot)
        assert "greeting" in screen_text(app)
    library.close()


async def test_the_console_freezes_its_start_up_objects_for_the_collector(tmp_path):
    import gc

    assert gc.get_freeze_count() == 0  # the other console tests freeze nothing
    library = open_library(tmp_path / "x.db")
    app = make_app(library, freeze_startup_objects=True)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        library.close()
