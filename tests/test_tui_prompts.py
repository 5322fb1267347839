"""The Prompts (home) screen, driven by keys on a real SQLite file."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from promptenv_tui.tui.dialogs import HelpScreen, NewPromptDialog
from promptenv_tui.tui.prompt_screen import PromptScreen
from promptenv_tui.tui.prompts_screen import PromptsScreen
from tui_support import db, library  # noqa: F401 - shared fixtures
from tui_support import (
    column_text,
    make_app,
    notices,
    open_library,
    screen_text,
    seed,
    settle,
    table_keys,
)


async def test_lists_prompts_with_versions_latest_and_environment_owners(library):
    ids = seed(library)
    app = make_app(library)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PromptsScreen)
        table = screen.table
        assert table.cursor_type == "row"
        # Sorted by name; rows keyed by prompt id.
        assert table_keys(table) == [ids["empty"], ids["greeting"], ids["summary"], ids["rtl"]]
        envs = {e.name: e.id for e in library.list_environments()}
        assert [c.key.value for c in table.ordered_columns] == [
            "name", "versions", "latest", *(f"env:{e}" for e in envs.values()), "tags", "updated"]
        assert [c.label.plain for c in table.ordered_columns][3:6] == [
            "development"[:7] + "…", "staging", "production"[:7] + "…"]
        row = table.get_row(ids["greeting"])
        assert row[1].plain == "3"
        assert row[2].plain.startswith("v3 ")
        assert table.get_cell(ids["greeting"], f"env:{envs['development']}").plain == "v3"
        assert table.get_cell(ids["greeting"], f"env:{envs['staging']}").plain == "v2"
        assert table.get_cell(ids["greeting"], f"env:{envs['production']}").plain == "v2"
        assert table.get_cell(ids["summary"], f"env:{envs['production']}").plain == "·"
        text = screen_text(app)
        assert "summarise [draft]" in text  # markup-like names shown as typed
        assert "onboarding, [" in text
        assert "4 of 4 prompts" in text
        assert "workspace default" in text and "user alice" in text


async def test_enter_opens_the_prompt_and_esc_comes_back(library):
    ids = seed(library)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # greeting
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.prompt_id == ids["greeting"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PromptsScreen)
        assert app.screen.table.cursor_key == ids["greeting"]


async def test_filter_as_you_type_searches_the_database(library):
    ids = seed(library)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert isinstance(app.screen.focused, Input)
        await pilot.press("G", "r", "E")  # typed into the filter, not keys
        await settle(pilot, 0.3)
        table = app.screen.table
        assert table_keys(table) == [ids["greeting"]]
        assert "filter: GrE" in screen_text(app)
        await pilot.press("enter")  # back to the table
        assert app.screen.focused is table
        await pilot.press("slash", "ctrl+u", "z", "z", "z")
        await settle(pilot, 0.3)
        assert table_keys(table) == []
        text = screen_text(app)
        assert "No prompt name contains “zzz”" in text
        assert "esc" in text
        await pilot.press("escape")  # clears the filter, back to the table
        await settle(pilot, 0.3)
        assert app.screen.focused is table
        assert len(table_keys(table)) == 4
        assert "filter:" not in screen_text(app)


async def test_filter_with_brackets_and_percent_is_literal(library):
    ids = seed(library)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"[draft]")
        await settle(pilot, 0.3)
        assert table_keys(app.screen.table) == [ids["summary"]]


async def test_sort_keys_and_header_click(library):
    ids = seed(library)
    library.create_version("summarise [draft]", "v2 {{text}}")
    library.create_version("summarise [draft]", "v3 {{text}}")
    library.create_version("summarise [draft]", "v4 {{text}}")
    app = make_app(library)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.table
        await pilot.press("s")  # versions, most first
        await settle(pilot)
        assert table_keys(table)[:2] == [ids["summary"], ids["greeting"]]
        assert "sorted by versions (descending)" in screen_text(app)
        await pilot.press("S")  # reverse
        await settle(pilot)
        assert table_keys(table)[0] in (ids["empty"],)
        assert "sorted by versions (ascending)" in screen_text(app)
        # Clicking the name header sorts by name again.
        await pilot.click("#prompts-table", offset=(3, 0))
        await settle(pilot)
        assert table_keys(table) == [ids["empty"], ids["greeting"], ids["summary"], ids["rtl"]]


async def test_loads_page_by_page_as_the_cursor_moves(library):
    for i in range(45):
        library.create_prompt(f"p-{i:03d}")
    app = make_app(library, page_size=10)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.table
        assert table.row_count == 10
        assert "10 of 45 prompts" in screen_text(app)
        await pilot.press("down", "down")
        await settle(pilot)
        await pilot.press("G")  # the real last row: everything left loads
        await settle(pilot)
        assert table.row_count == 45
        assert table.cursor_row == 44 and table.cursor_key == library.list_prompts(
            page=5, size=10).items[-1].id
        assert column_text(table, "name") == [f"p-{i:03d}" for i in range(45)]
        assert "45 of 45 prompts" in screen_text(app)
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == 44
        # A refresh keeps every loaded row and the cursor on its row.
        key = table.cursor_key
        await pilot.press("r")
        await settle(pilot)
        assert table.row_count == 45 and table.cursor_key == key


async def test_refresh_keeps_the_cursor_on_the_same_prompt(library, db):
    ids = seed(library)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        table = app.screen.table
        assert table.cursor_key == ids["summary"]
        other = open_library(db, actor="bob")
        other.create_prompt("aaa first")  # sorts before: the row index of summary changes
        other.close()
        await pilot.press("r")
        await settle(pilot)
        assert table.cursor_key == ids["summary"]
        assert table.cursor_row == 3
        assert table.row_count == 5


async def test_new_prompt_creates_it_in_the_database_and_opens_it(library):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "No prompts yet" in screen_text(app)
        assert "Press n" in screen_text(app)
        await pilot.press("n")
        assert isinstance(app.screen, NewPromptDialog)
        await pilot.press(*"[b]x[/b] é")
        app.screen.focused.insert_text_at_cursor(" 🎉")  # pasted
        await pilot.press("enter")
        await pilot.press(*"a description", "enter")
        await pilot.press(*"alpha, beta", "enter")
        await pilot.press("tab")  # past the chat checkbox
        await pilot.press(*"Hello {{who}}")
        await pilot.press("ctrl+s")
        await settle(pilot)
        page = library.list_prompts()
        assert [p.name for p in page.items] == ["[b]x[/b] é 🎉"]
        prompt = page.items[0]
        assert prompt.tags == ("alpha", "beta") and prompt.description == "a description"
        assert prompt.version_count == 1 and prompt.template_structure == "text"
        assert library.get_prompt(prompt.id).latest_version.template == "Hello {{who}}"
        # It opens the new prompt.
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.prompt_id == prompt.id
        assert "[b]x[/b] é 🎉" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.table.cursor_key == prompt.id


@pytest.mark.parametrize("size", [(80, 24), (120, 35)])
async def test_new_prompt_dialog_fits_with_buttons_hint_and_a_usable_template(library, size):
    app = make_app(library)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("n", *"fits")
        dialog = app.screen
        assert isinstance(dialog, NewPromptDialog)
        text = screen_text(app)
        assert "Create (ctrl+s)" in text and "Cancel (esc)" in text
        assert "ctrl+s creates" in text
        template = dialog.query_one("#template")
        assert template.region.height >= 5  # the box takes the height that is left
        button = dialog.query_one("#save")
        assert button.region.bottom <= dialog.query_one(".dialog").region.bottom
        await pilot.press("tab", "tab", "tab", "tab", *"line 1", "enter", *"line 2")
        await pilot.click("#save")
        await settle(pilot)
        prompt = library.list_prompts().items[0]
        assert library.get_prompt(prompt.id).latest_version.template == "line 1\nline 2"


async def test_new_chat_prompt_with_an_invalid_template_is_refused_then_created(library):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"bot", "enter", "enter", "enter", "space", "tab", *"not json")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Invalid input" in [n.title for n in app._notifications]
        assert library.list_prompts().total == 0
        # The dialog comes back with what was typed.
        dialog = app.screen
        assert isinstance(dialog, NewPromptDialog)
        assert dialog.query_one("#name").value == "bot" and dialog.query_one("#chat").value
        assert dialog.query_one("#template").text == "not json"
        dialog.query_one("#template").text = '[{"role": "system", "content": "Be {{tone}}"}]'

        await pilot.press("ctrl+s")
        await settle(pilot)
        prompt = library.list_prompts().items[0]
        assert prompt.template_structure == "chat"
        assert library.get_prompt(prompt.id).latest_version.variables == ("tone",)


async def test_new_prompt_with_a_taken_name_says_so_and_keeps_running(library):
    seed(library)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"GREETING", "ctrl+s")
        await settle(pilot)
        assert "already exists" in notices(app)
        assert isinstance(app.screen, NewPromptDialog)  # given back, to fix the name
        await pilot.press("escape")  # what was typed is not thrown away without asking
        assert "Discard what you wrote?" in screen_text(app)
        await pilot.press("n")
        assert isinstance(app.screen, NewPromptDialog)
        await pilot.press("escape", "y")
        assert isinstance(app.screen, PromptsScreen)
        assert library.list_prompts().total == 4
        await pilot.press("n", "escape")  # nothing typed: closes at once
        assert isinstance(app.screen, PromptsScreen)


async def test_read_only_refuses_new_prompt_and_says_why(db):
    seed_lib = open_library(db)
    seed(seed_lib)
    seed_lib.close()
    library = open_library(db, read_only=True)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert "READ-ONLY" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, PromptsScreen)
        assert "--read-only" in notices(app)
    assert library.list_prompts().total == 4
    library.close()


async def test_read_only_empty_database_says_nothing_can_be_created(db):
    with open_library(db) as lib:
        lib.open()  # creates the schema and the workspace
    library = open_library(db, read_only=True)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "No prompts in this workspace yet" in screen_text(app)
    library.close()


async def test_help_lists_every_key_of_the_screen(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(description for _k, description, _w in app.screen.rows)
        for description in ("Filter", "New prompt", "Sort", "Reverse sort", "Refresh", "Quit",
                            "Open", "Env registry", "History", "Keys", "Command palette"):
            assert description in shown
        await pilot.press("escape")
        assert isinstance(app.screen, PromptsScreen)


async def test_command_palette_runs_screen_actions(library):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"new prompt")
        await settle(pilot, 0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, NewPromptDialog)
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"go to environments")
        await settle(pilot, 0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "EnvironmentsScreen"


async def test_q_quits_from_home(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app._exit or not app.is_running


async def _type_ahead(app, pilot, *keys: str) -> None:
    """Keys arriving together (pasted, or over a slow link): posted at once, no pause between
    them, as a terminal delivers them."""
    from textual import events

    for key in keys:
        character = "/" if key == "slash" else key if len(key) == 1 else None
        app.post_message(events.Key(key, character))
    await settle(pilot, 0.2)


async def test_keys_typed_ahead_of_the_filter_box_and_a_dialog_are_kept(library):
    seed(library)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        home = app.screen
        await _type_ahead(app, pilot, "slash", *"gree")
        box = home.query_one("#prompts-filter", Input)
        assert box.value == "gree"
        assert table_keys(home.table) == [library.get_prompt_by_name("greeting").prompt.id]
        await pilot.press("escape", "escape")
        await settle(pilot)
        await _type_ahead(app, pilot, "n", *"abc")
        assert isinstance(app.screen, NewPromptDialog)
        assert app.screen.query_one("#name", Input).value == "abc"
