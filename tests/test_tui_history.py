"""The History screen: move records newest first, filtered by prompt, environment and user."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from promptenv_tui.tui.history_screen import HistoryScreen
from tui_support import db, library  # noqa: F401 - shared fixtures
from tui_support import make_app, open_library, screen_text, seed, settle, table_keys


@pytest.fixture
def moved(library, db):
    """The seed's four moves by alice, then two by bob (one with a markup-like reason)."""
    ids = seed(library)
    bob = open_library(db, actor="bob")
    bob.set_version_environments(ids["summary.v1"], ["staging"], reason="try [b]this[/b]")
    bob.clear_environment(ids["greeting"], "development")
    bob.close()
    return ids


async def open_history(app, pilot) -> HistoryScreen:
    await settle(pilot)
    await pilot.press("H")
    await settle(pilot)
    assert isinstance(app.screen, HistoryScreen)
    return app.screen


async def test_moves_newest_first(library, moved):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(app, pilot)
        expected = [str(r.id) for r in library.history().items]
        assert table_keys(screen.table) == expected
        assert len(expected) == 6
        first = screen.table.get_row(expected[0])
        assert [c.plain for c in first[1:5]] == ["bob", "greeting", "development", "v3 → —"]
        assert screen.table.get_row(expected[1])[6].plain == "try [b]this[/b]"
        text = screen_text(app)
        assert "summarise [draf" in text
        assert "6 of 6 moves, newest first" in text
        # The focus is on the table: keys are not typed into a filter.
        assert screen.focused is screen.table


async def test_filter_by_prompt_environment_and_user(library, moved):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(app, pilot)
        await pilot.press("slash")
        assert isinstance(screen.focused, Input) and screen.focused.id == "filter-prompt"
        await pilot.press(*"greeting")
        await settle(pilot, 0.3)
        assert screen.table.row_count == 5
        await pilot.press("tab", *"development")
        await settle(pilot, 0.3)
        assert screen.table.row_count == 3
        await pilot.press("tab", *"bob", "enter")
        await settle(pilot)
        assert screen.table.row_count == 1
        assert screen.focused is screen.table
        record = library.history(prompt="greeting", environment="development", actor="bob").items[0]
        assert table_keys(screen.table) == [str(record.id)]
        await pilot.press("u")  # jumps to the user filter
        assert screen.focused.id == "filter-actor"
        await pilot.press("ctrl+u", *"nobody-at-all")
        await settle(pilot, 0.3)
        assert screen.table.row_count == 0
        assert "No move matches these filters" in screen_text(app)
        await pilot.press("escape")  # leaves the filter
        assert screen.focused is screen.table
        await pilot.press("c")  # clears every filter
        await settle(pilot, 0.3)
        assert screen.table.row_count == 6


async def test_filters_match_part_of_a_name_in_any_case(library, moved, db):
    sofia = open_library(db, actor="sofia.marquez")
    sofia.set_version_environments(moved["greeting.v1"], ["staging"])
    sofia.close()
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(app, pilot)
        await pilot.press("slash", *"GREET")
        await settle(pilot)
        assert screen.table.row_count == 6
        await pilot.press("tab", *"dev")
        await settle(pilot)
        assert screen.table.row_count == 3
        await pilot.press("ctrl+u", *"stag", "tab", *"sofia", "enter")
        await settle(pilot)
        record = library.history(actor="sofia.marquez").items[0]
        assert table_keys(screen.table) == [str(record.id)]
        assert "sofia.ma" in screen_text(app)


async def test_refresh_shows_new_moves_and_keeps_the_cursor(library, moved, db):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(app, pilot)
        await pilot.press("down", "down")
        key = screen.table.cursor_key
        other = open_library(db, actor="carol")
        other.set_version_environments(moved["rtl"] and library.get_prompt(moved["rtl"]).latest_version.id,
                                       ["development"])
        other.close()
        await pilot.press("r")
        await settle(pilot)
        assert screen.table.row_count == 7
        assert screen.table.cursor_key == key
        assert "carol" in screen_text(app)


async def test_history_pages_as_the_cursor_moves(library):
    created = library.create_prompt("p", template="x")
    vid = created.latest_version.id
    for _ in range(15):
        library.set_version_environments(vid, ["staging"])
        library.set_version_environments(vid, [])
    app = make_app(library, page_size=10)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_history(app, pilot)
        assert screen.table.row_count == 10
        await pilot.press("down", "down")
        await settle(pilot)
        assert screen.table.row_count == 10
        await pilot.press("G")  # the oldest move, at once: every remaining page loads
        await settle(pilot)
        assert screen.table.row_count == 30
        assert table_keys(screen.table) == [str(r.id) for r in library.history(size=100).items]
        assert screen.table.cursor_row == 29
        await pilot.press("g")
        await settle(pilot)
        assert screen.table.cursor_row == 0


async def test_empty_history_says_what_to_do(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_history(app, pilot)
        text = screen_text(app)
        assert "No moves yet" in text and "press e" in text
