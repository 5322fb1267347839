"""The console notices changes made by others (another console, the CLI) without ``r``."""

from __future__ import annotations

from promptenv_tui.domain import PromptLibrary
from promptenv_tui.tui.dialogs import TagsDialog
from promptenv_tui.tui.prompt_screen import PromptScreen
from promptenv_tui.tui.prompts_screen import PromptsScreen
from tui_support import db, library  # noqa: F401 - shared fixtures
from tui_support import make_app, notices, open_library, screen_text, seed, settle

POLL = 0.1


async def wait_for_poll(pilot) -> None:
    await settle(pilot, POLL * 4)


async def test_a_move_by_someone_else_shows_up_with_who_moved_what(library, db):
    ids = seed(library)
    app = make_app(library, poll_interval=POLL)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_poll(pilot)
        home = app.screen
        assert isinstance(home, PromptsScreen)
        home.table.restore_cursor(ids["summary"])
        await pilot.press("enter")
        await wait_for_poll(pilot)
        assert isinstance(app.screen, PromptScreen)
        assert notices(app) == ""
        bob = open_library(db, actor="bob")
        bob.set_version_environments(ids["greeting.v3"], ["development", "staging", "production"],
                                     confirm_protected=True)
        bob.close()
        await wait_for_poll(pilot)
        # The prompts screen below learns it on return; the notification says who moved what.
        assert "bob moved staging of greeting to v3" in notices(app)
        assert "bob moved production of greeting to v3" in notices(app)
        await pilot.press("escape")
        await wait_for_poll(pilot)
        assert app.screen is home
        assert home.table.cursor_key == ids["summary"]
        assert home.table.get_cell(ids["greeting"], f"env:{env_id(library, 'production')}").plain \
            == "v3"


def env_id(library: PromptLibrary, name: str) -> str:
    return library.get_environment(name).id


async def test_the_visible_screen_reloads_keeping_its_row(library, db):
    ids = seed(library)
    app = make_app(library, poll_interval=POLL)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_poll(pilot)
        app.screen.table.restore_cursor(ids["greeting"])
        await pilot.press("enter")
        await wait_for_poll(pilot)
        screen = app.screen
        screen.table.restore_cursor(ids["greeting.v2"])
        await pilot.pause()
        bob = open_library(db, actor="bob")
        bob.set_version_environments(ids["greeting.v1"], ["staging"], reason="roll back")
        bob.close()
        await wait_for_poll(pilot)
        assert screen.table.get_cell(ids["greeting.v1"], "environments").plain.split() == [
            "staging"]
        assert screen.table.cursor_key == ids["greeting.v2"]
        assert "bob moved staging of greeting to v1" in notices(app)
        # Own moves and unchanged data: no more notifications, no reload storm.
        count = len(app._notifications)
        await wait_for_poll(pilot)
        assert len(app._notifications) == count


async def test_an_open_dialog_is_left_alone_and_the_screen_reloads_after(library, db):
    ids = seed(library)
    app = make_app(library, poll_interval=POLL)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_poll(pilot)
        app.screen.table.restore_cursor(ids["greeting"])
        await pilot.press("enter")
        await wait_for_poll(pilot)
        screen = app.screen
        await pilot.press("t", "end", "x", "y")
        dialog = app.screen
        assert isinstance(dialog, TagsDialog)
        bob = open_library(db, actor="bob")
        bob.clear_environment(ids["greeting"], "development")
        bob.close()
        await wait_for_poll(pilot)
        assert app.screen is dialog  # typing not lost, no reload under it
        assert "xy" in screen_text(app)
        assert "development" in screen.table.get_cell(ids["greeting.v3"], "environments").plain
        await pilot.press("escape")
        await wait_for_poll(pilot)
        assert app.screen is screen
        assert screen.table.get_cell(ids["greeting.v3"], "environments").plain == ""


async def test_an_unreachable_database_is_not_a_pile_of_errors():
    library = PromptLibrary("postgresql://ops@127.0.0.1:1/promptenv", actor="alice")
    app = make_app(library, poll_interval=POLL)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot, POLL * 6)
        assert app.is_running
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1, [n.message for n in errors]
    library.close()


async def test_a_prompt_deleted_by_someone_else_is_said_once(library, db):
    ids = seed(library)
    app = make_app(library, poll_interval=POLL)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_poll(pilot)
        bob = open_library(db, actor="bob")
        bob.delete_prompt(ids["greeting"], confirm_protected=True)  # it served three
        bob.close()
        await wait_for_poll(pilot)
        assert notices(app).count("bob deleted greeting") == 1
