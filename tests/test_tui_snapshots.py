"""Snapshots of every screen on deterministic data (fixed names, commits, times and clock).

Update with ``pytest tests/test_tui_snapshots.py --snapshot-update`` after checking the new
pictures in the report. These are plain ``def`` tests, as pytest-textual-snapshot requires.
"""

from __future__ import annotations

import pytest

from tui_support import freeze_times, make_app, open_library, seed, settle


@pytest.fixture
def app_factory(tmp_path, monkeypatch):
    """An app on a seeded SQLite file named ``x.db`` in the working folder (so the status line
    reads the same on every machine), every timestamp frozen."""
    monkeypatch.chdir(tmp_path)
    opened = []

    def build(*, empty: bool = False, read_only: bool = False):
        writer = open_library("x.db")
        writer.open()
        if not empty:
            seed(writer)
        writer.close()
        freeze_times(tmp_path / "x.db")
        library = open_library("x.db", read_only=read_only)
        opened.append(library)
        return make_app(library)

    yield build
    for library in opened:
        library.close()


def keys(*pressed: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)
        await settle(pilot, 0.2)

    return run_before


def test_home(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=keys())


def test_home_wide(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(130, 24), run_before=keys())


def test_home_empty(snap_compare, app_factory):
    assert snap_compare(app_factory(empty=True), terminal_size=(80, 24), run_before=keys())


def test_home_filtered(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24),
                        run_before=keys("slash", "g", "r", "e", "enter"))


def test_prompt(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=keys("down", "enter"))


def test_prompt_wide(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(130, 30),
                        run_before=keys("down", "enter", "down"))


def test_prompt_without_versions(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=keys("enter"))


def test_environments_picker(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24),
                        run_before=keys("down", "enter", "e"))


def test_move_review_with_protected_environment(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24),
                        run_before=keys("down", "enter", "e", "down", "space", "down", "space",
                                        "enter"))


def test_diff(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24),
                        run_before=keys("down", "enter", "d", "end", "enter"))


def test_environments(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=keys("E"))


def test_environment_delete_confirmation(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=keys("E", "down", "d"))


def test_history(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24), run_before=keys("H"))


def test_help(snap_compare, app_factory):
    assert snap_compare(app_factory(), terminal_size=(80, 24),
                        run_before=keys("down", "enter", "question_mark"))


def test_read_only_home(snap_compare, app_factory):
    assert snap_compare(app_factory(read_only=True), terminal_size=(80, 24), run_before=keys())
