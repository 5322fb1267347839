"""The Prompt screen: versions, template, and the keys that release a prompt (e x n R t d h)."""

from __future__ import annotations

import pytest

from promptenv_tui.tui.dialogs import (
    ChoiceDialog,
    ConfirmDialog,
    DiffScreen,
    EditPromptDialog,
    EnvironmentsPicker,
    MessageDialog,
    MoveReviewDialog,
    NewVersionScreen,
    TagsDialog,
    TypeNameDialog,
)
from promptenv_tui.tui.history_screen import HistoryScreen
from promptenv_tui.tui.prompt_screen import PromptScreen
from promptenv_tui.tui.prompts_screen import PromptsScreen
from promptenv_tui.tui.widgets import TextView
from tui_support import db, library  # noqa: F401 - shared fixtures
from tui_support import make_app, notices, open_library, screen_text, seed, settle, table_keys


@pytest.fixture
def ids(library):
    return seed(library)


def owners(library, prompt_id) -> dict[str, int]:
    return {o.environment: o.version_number for o in library.owners(prompt_id)}


async def open_prompt(app, pilot, prompt_id):
    await settle(pilot)
    home = app.screen
    home.table.restore_cursor(prompt_id)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, PromptScreen) and app.screen.prompt_id == prompt_id
    return app.screen


def view_text(screen) -> str:
    return screen.query_one("#version-view", TextView).plain


async def test_versions_badges_template_metadata_and_tags(library, ids):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        table = screen.table
        assert table_keys(table) == [ids["greeting.v3"], ids["greeting.v2"], ids["greeting.v1"]]
        assert table.get_cell(ids["greeting.v3"], "environments").plain.split() == ["development"]
        assert table.get_cell(ids["greeting.v2"], "environments").plain.split() == [
            "staging", "production"]
        assert table.get_cell(ids["greeting.v1"], "commit").plain == "aaaa0001"
        text = screen_text(app)
        assert "greeting" in text and "Says hello to a new user" in text
        assert "shorter [/b] and friendl" in text  # markup-like change description, as typed
        shown = view_text(screen)
        assert "Hi {{name}} [b]bold[/b] 👋 {{#vip}}VIP{{/vip}}" in shown
        assert "tags draft" in shown
        await pilot.press("down")
        shown = view_text(screen)
        assert "Hello {{name}}, welcome to {{product}}!\nWe are glad you came." in shown
        assert '"model": "gpt-4o"' in shown
        assert "variables name, product" in shown
        # The variables are highlighted in the template.
        view = screen.query_one("#version-view", TextView)
        styled = {view.text.plain[span.start:span.end] for span in view.text.spans}
        assert "{{product}}" in styled


async def test_e_moves_an_environment_after_showing_the_diff(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("e")  # v3 selected
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, EnvironmentsPicker)
        text = screen_text(app)
        assert "development" in text and "v3 (this one)" in text
        assert "v2 since 2" in text  # staging and production: their owner, since when, by whom
        await pilot.press("down", "space")  # staging
        await pilot.press("enter")
        review = app.screen
        assert isinstance(review, MoveReviewDialog)
        assert [c.environment.name for c in review.changes] == ["staging"]
        text = screen_text(app)
        assert "staging" in text and "v2 → v3" in text
        assert "variables added: vip" in text
        assert "variables removed: product" in text
        assert "-Hello {{name}}, welcome to {{product}}!" in text
        assert "+Hi {{name}} [b]bold[/b] 👋" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert owners(library, ids["greeting"]) == {"development": 3, "staging": 3, "production": 2}
        assert screen.table.get_cell(ids["greeting.v3"], "environments").plain.split() == [
            "development", "staging"]
        assert screen.table.cursor_key == ids["greeting.v3"]
        assert "staging: v2 → v3" in notices(app)
        last = library.history(prompt="greeting").items[0]
        assert (last.environment_name, last.from_version_number, last.to_version_number,
                last.actor) == ("staging", 2, 3, "alice")


async def test_e_unticking_clears_and_cancel_changes_nothing(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("space", "enter")  # untick development
        text = screen_text(app)
        assert "v3 → nobody" in text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert owners(library, ids["greeting"])["development"] == 3
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("space", "enter", "ctrl+s")
        await settle(pilot)
        assert "development" not in owners(library, ids["greeting"])
        # Same set as now: nothing to review.
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert "Nothing to change" in notices(app)


async def test_protected_environment_needs_its_name_typed(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("down", "down", "space", "enter")  # production
        assert isinstance(app.screen, MoveReviewDialog)
        assert "production is protected: type its name to confirm" in screen_text(app)
        await pilot.press("ctrl+s")  # nothing typed
        await settle(pilot)
        assert isinstance(app.screen, MoveReviewDialog)
        assert "Type the name of each protected environment" in screen_text(app)
        await pilot.press(*"prod", "enter")  # wrong
        await settle(pilot)
        assert isinstance(app.screen, MoveReviewDialog)
        assert owners(library, ids["greeting"])["production"] == 2
        await pilot.press(*"uction", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert owners(library, ids["greeting"])["production"] == 3


async def test_stale_owner_conflict_tells_who_moved_what_and_refreshes(library, ids, db):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("down", "space", "enter")  # staging v2 → v3, shown and reviewed
        assert isinstance(app.screen, MoveReviewDialog)
        bob = open_library(db, actor="bob")
        bob.set_version_environments(ids["greeting.v1"], ["staging"])  # bob moves first
        bob.close()
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, MessageDialog)
        text = screen_text(app)
        assert "Someone moved first" in text
        assert "staging moved to v1 by bob" in text
        # Nothing changed: bob's move stands.
        assert owners(library, ids["greeting"]) == {"development": 3, "staging": 1,
                                                   "production": 2}
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        # The screen refreshed and shows the truth.
        assert screen.table.get_cell(ids["greeting.v1"], "environments").plain.split() == [
            "staging"]
        assert screen.table.cursor_key == ids["greeting.v3"]


@pytest.mark.parametrize("size", [(80, 24), (120, 35)])
async def test_new_version_dialog_shows_buttons_and_hint(library, ids, size):
    app = make_app(library)
    async with app.run_test(size=size) as pilot:
        await open_prompt(app, pilot, ids["summary"])
        await pilot.press("n")
        dialog = app.screen
        assert isinstance(dialog, NewVersionScreen)
        text = screen_text(app)
        assert "Save (ctrl+s)" in text and "Cancel (esc)" in text and "ctrl+s saves" in text
        assert dialog.query_one("#template").region.height >= 5
        await pilot.press("end", *" more")
        await pilot.click("#save")
        await settle(pilot)
        assert library.get_prompt(ids["summary"]).latest_version.template == \
            "Summarise: {{text}} more"


async def test_x_clears_an_environment_with_confirmation(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("x")
        assert isinstance(app.screen, ChoiceDialog)
        text = screen_text(app)
        assert "development" in text and "staging" in text and "production" in text
        await pilot.press("enter")  # development, owned by the selected v3
        assert isinstance(app.screen, ConfirmDialog)
        assert "development will serve nothing of greeting" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert owners(library, ids["greeting"]) == {"staging": 2, "production": 2}
        assert screen.table.get_cell(ids["greeting.v3"], "environments").plain == ""
        # Protected: the name must be typed.
        await pilot.press("x")
        await pilot.press("down", "enter")  # production
        assert isinstance(app.screen, TypeNameDialog)
        await pilot.press(*"Production", "enter")  # wrong case does not confirm
        assert isinstance(app.screen, TypeNameDialog)
        assert "do not match" in screen_text(app)
        await pilot.press("ctrl+u", *"production", "enter")
        await settle(pilot)
        assert owners(library, ids["greeting"]) == {"staging": 2}
        record = library.history(prompt="greeting", environment="production").items[0]
        assert record.action == "clear" and record.from_version_number == 2


async def test_n_writes_a_new_version_from_the_selected_template(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("down")  # v2
        await pilot.press("n")
        editor = app.screen
        assert isinstance(editor, NewVersionScreen)
        assert editor.query_one("#template").text.startswith("Hello {{name}}, welcome")
        await pilot.press(*"Dear ")
        await pilot.press("tab", *"be polite [ok]")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        latest = library.get_prompt(ids["greeting"]).latest_version
        assert latest.number == 4
        assert latest.template == "Dear Hello {{name}}, welcome to {{product}}!\nWe are glad you came."
        assert latest.change_description == "be polite [ok]"
        assert latest.metadata == {"model": "gpt-4o", "temperature": 0.2}
        assert screen.table.cursor_key == latest.id
        assert "Dear Hello" in view_text(screen)


async def test_r_restores_the_selected_version(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("down", "down")  # v1
        await pilot.press("R")
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.focused.id == "no"  # No is focused
        await pilot.press("enter")  # No
        await settle(pilot)
        assert library.get_prompt(ids["greeting"]).prompt.version_count == 3
        await pilot.press("R", "y")
        await settle(pilot)
        latest = library.get_prompt(ids["greeting"]).latest_version
        assert latest.number == 4 and latest.template == "Hello {{name}}!"
        assert latest.change_description == "Restored from v1"
        assert screen.table.cursor_key == latest.id
        assert "Restored v1 as v4" in notices(app)


async def test_t_edits_prompt_and_version_tags(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("t")
        dialog = app.screen
        assert isinstance(dialog, TagsDialog)
        assert dialog.query_one("#prompt-tags").value == "onboarding, [core]"
        assert dialog.query_one("#version-tags").value == "draft"
        await pilot.press("ctrl+u", *"alpha, [beta]")
        await pilot.press("tab", "end", *", reviewed", "enter")
        await settle(pilot)
        assert library.get_prompt(ids["greeting"]).prompt.tags == ("alpha", "[beta]")
        assert library.get_version(ids["greeting.v3"]).tags == ("draft", "reviewed")
        assert "alpha, [beta]" in screen_text(app)


async def test_t_typing_adds_to_the_existing_tags_instead_of_replacing_them(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("t", *", extra", "tab", *", more", "enter")
        await settle(pilot)
        assert library.get_prompt(ids["greeting"]).prompt.tags == ("onboarding", "[core]", "extra")
        assert library.get_version(ids["greeting.v3"]).tags == ("draft", "more")


async def test_d_diffs_against_another_version_and_an_environment_owner(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("d")
        choice = app.screen
        assert isinstance(choice, ChoiceDialog)
        keys = [key for key, _ in choice.options]
        assert keys == ["env:development", "env:staging", "env:production",
                        f"version:{ids['greeting.v2']}", f"version:{ids['greeting.v1']}"]
        await pilot.press("end", "enter")  # v1
        await settle(pilot)
        assert isinstance(app.screen, DiffScreen)
        text = screen_text(app)
        assert "Diff v1 → v3" in text
        assert "-Hello {{name}}!" in text and "+Hi {{name}} [b]bold[/b] 👋" in text
        assert "variables added: vip" in text
        await pilot.press("escape")
        await pilot.press("d", "down", "enter")  # the owner of staging
        await settle(pilot)
        text = screen_text(app)
        assert "Diff staging (v2) → v3" in text
        assert "variables removed: product" in text
        await pilot.press("q")
        assert app.screen is screen


async def test_prompt_without_versions_says_what_to_press(library, ids):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_prompt(app, pilot, ids["empty"])
        text = screen_text(app)
        assert "This prompt has no versions yet." in text and "Press n to write v1." in text
        for key in ("e", "R", "d"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen
        assert "No version selected" in notices(app)
        await pilot.press("x")
        assert "nothing to clear" in notices(app)
        await pilot.press("n")
        assert isinstance(app.screen, NewVersionScreen)
        await pilot.press("ctrl+s")  # empty: refused in the editor
        assert isinstance(app.screen, NewVersionScreen)
        assert "empty" in screen_text(app)
        await pilot.press(*"First {{x}}", "ctrl+s")
        await settle(pilot)
        version = library.get_prompt(ids["empty"]).latest_version
        assert version.number == 1 and version.template == "First {{x}}"
        assert "no versions yet" not in screen_text(app)


async def test_read_only_refuses_every_write_key_and_says_why(db):
    lib = open_library(db)
    ids = seed(lib)
    lib.close()
    library = open_library(db, read_only=True)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        for key in ("e", "x", "n", "R", "t"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen, key
        assert notices(app).count("started with --read-only") == 5
        await pilot.press("d")  # reading still works
        assert isinstance(app.screen, ChoiceDialog)
    assert library.get_prompt(ids["greeting"]).prompt.version_count == 3
    assert len(library.history().items) == 4
    library.close()


async def test_big_template_with_markup_emoji_and_rtl_renders_and_scrolls(library):
    line = "שלום {{name}} [b]not bold[/b] [/i] 🎉 مرحبا {{#x}}…{{/x}} [link=x]y[/link]\n"
    template = line * (100_000 // len(line.encode()) + 1) + "THE END {{last}}"
    assert len(template.encode()) > 100_000
    created = library.create_prompt("big [/b]", template=template)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_prompt(app, pilot, created.prompt.id)
        view = screen.query_one("#version-view", TextView)
        assert view.plain.endswith("THE END {{last}}")
        assert "[b]not bold[/b]" in screen_text(app)
        view.focus()
        await pilot.press("end")
        await settle(pilot, 0.3)
        assert "THE END {{last}}" in screen_text(app)


async def test_deleted_prompt_goes_back_to_the_list(library, ids, db):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["summary"])
        other = open_library(db, actor="bob")
        other.delete_prompt(ids["summary"])
        other.close()
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PromptsScreen)
        assert ids["summary"] not in table_keys(app.screen.table)
        # Said with the prompt's name, who deleted it and when; never an id.
        assert "summarise [draft] was deleted by bob at " in notices(app)
        assert ids["summary"] not in notices(app)


async def test_h_opens_the_history_of_this_prompt(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert app.screen.filters.prompt == "greeting"
        assert app.screen.table.row_count == 4


async def test_a_failed_new_version_gives_the_editor_back_with_the_text(library, ids):
    from promptenv_tui.domain import StorageError

    real = library.create_version

    def down(*_args, **_kwargs):
        raise StorageError("the database sqlite:///x.db is locked")

    object.__setattr__(library, "create_version", down)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("n", *"Edited ", "tab", *"why [not]", "ctrl+s")
        await settle(pilot)
        assert "Could not write a new version of greeting: the database" in notices(app)
        editor = app.screen
        assert isinstance(editor, NewVersionScreen)
        assert editor.query_one("#template").text.startswith("Edited Hi {{name}}")
        assert editor.query_one("#change").value == "why [not]"
        object.__setattr__(library, "create_version", real)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        latest = library.get_prompt(ids["greeting"]).latest_version
        assert latest.template.startswith("Edited Hi {{name}}")
        assert latest.change_description == "why [not]"


async def test_prompt_deleted_while_the_move_was_being_reviewed(library, ids, db):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("down", "space", "enter")
        assert isinstance(app.screen, MoveReviewDialog)
        other = open_library(db, actor="bob")
        other.delete_prompt(ids["greeting"], confirm_protected=True)
        other.close()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "greeting was deleted by bob at " in notices(app)
        assert "nothing was changed" in notices(app) and "version " not in notices(app)
        assert isinstance(app.screen, PromptsScreen)
        assert ids["greeting"] not in table_keys(app.screen.table)


async def test_m_renames_and_redescribes_the_prompt(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("m")
        assert isinstance(app.screen, EditPromptDialog)
        await pilot.press(*" [new]", "tab", *" warmly", "enter")
        await settle(pilot)
        assert app.screen is screen
        prompt = library.get_prompt(ids["greeting"]).prompt
        assert (prompt.name, prompt.description) == ("greeting [new]",
                                                     "Says hello to a new user warmly")
        assert "greeting [new]" in screen_text(app)
        # A taken name is refused and the dialog comes back with what was typed.
        await pilot.press("m", "ctrl+u", *"EMPTY PROMPT", "enter")
        await settle(pilot)
        assert "already exists" in notices(app)
        dialog = app.screen
        assert isinstance(dialog, EditPromptDialog)
        assert dialog.query_one("#prompt-name").value == "EMPTY PROMPT"
        await pilot.press("escape")
        assert library.get_prompt(ids["greeting"]).prompt.name == "greeting [new]"


async def test_shift_d_deletes_a_prompt_after_saying_what_happens(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["summary"])
        await pilot.press("D")
        assert isinstance(app.screen, ConfirmDialog)
        text = screen_text(app)
        assert "Its 1 version go" in text and "history of its moves stays" in text
        await pilot.press("n")  # No is the answer by default
        await settle(pilot)
        assert library.list_prompts().total == 4
        await pilot.press("D", "y")
        await settle(pilot)
        assert isinstance(app.screen, PromptsScreen)
        assert ids["summary"] not in table_keys(app.screen.table)
        assert library.list_prompts().total == 3
        assert library.history(prompt=ids["summary"]).items[0].cause == "prompt_deleted"


async def test_deleting_a_prompt_serving_a_protected_environment_needs_its_name(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("D")
        dialog = app.screen
        assert isinstance(dialog, TypeNameDialog)
        body = " ".join(dialog.body.plain.split())
        assert "development (v3), staging (v2), production (v2)" in body
        assert "production, which is protected" in body
        assert "production is protected: type its name" in screen_text(app)
        await pilot.press(*"prod", "enter")
        assert app.screen is dialog and "do not match" in screen_text(app)
        await pilot.press(*"uction", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptsScreen)
        assert ids["greeting"] not in [p.id for p in library.list_prompts().items]
        causes = {m.environment_name: m.cause for m in library.history(prompt=ids["greeting"]).items
                  if m.cause == "prompt_deleted"}
        assert set(causes) == {"development", "staging", "production"}


async def test_rename_and_delete_are_in_the_palette_and_help(library, ids):
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        titles = [title for title, _help, _action in screen.palette_commands()]
        assert "Rename" in titles and "Delete" in titles
        await pilot.press("question_mark")
        text = screen_text(app)
        assert "Edit the prompt's name and description" in text
        assert "Delete the prompt with its versions" in text


async def test_a_move_and_a_clear_can_give_a_reason_shown_in_history(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("down", "space", "enter")  # staging v2 → v3
        assert isinstance(app.screen, MoveReviewDialog)
        assert "reason (optional; shown in History)" in screen_text(app)
        await pilot.press("shift+tab", "shift+tab")  # from "Cancel" past "Move" to the reason
        assert app.screen.focused.id == "reason"
        await pilot.press(*"weekly [b]release[/b]", "enter")
        await settle(pilot)
        assert app.screen is screen
        record = library.history(prompt="greeting", environment="staging").items[0]
        assert (record.to_version_number, record.reason) == (3, "weekly [b]release[/b]")
        # x on a plain environment: "No" is focused; shift+tab reaches the reason.
        await pilot.press("x", "enter")  # development
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("shift+tab", "shift+tab", *"not needed", "enter")
        await settle(pilot)
        record = library.history(prompt="greeting", environment="development").items[0]
        assert (record.action, record.reason) == ("clear", "not needed")
        # x on a protected one: the 🔒 shows, the name is typed, then the reason.
        await pilot.press("x")
        text = screen_text(app)
        assert "production  🔒" in text or "production 🔒" in text
        await pilot.press("down", "enter")  # production
        assert isinstance(app.screen, TypeNameDialog)
        assert "Clear 🔒 production?" in screen_text(app)
        await pilot.press(*"production", "tab", *"incident 42", "enter")
        await settle(pilot)
        record = library.history(prompt="greeting", environment="production").items[0]
        assert (record.action, record.reason) == ("clear", "incident 42")
        await pilot.press("H")
        await settle(pilot)
        assert "incident 42" in screen_text(app) and "not needed" in screen_text(app)


async def test_d_offers_every_version_even_those_not_loaded(library, ids):
    for i in range(12):
        library.create_version("greeting", f"text {i}")
    app = make_app(library, page_size=5)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        assert screen.table.row_count < 15
        await pilot.press("d")
        await settle(pilot)
        choice = app.screen
        assert isinstance(choice, ChoiceDialog)
        versions = [key for key, _ in choice.options if key.startswith("version:")]
        assert len(versions) == 14  # all 15 but the selected one
        assert versions[-1] == f"version:{ids['greeting.v1']}"
        await pilot.press("end", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DiffScreen)
        assert "Diff v1 → v15" in screen_text(app)


async def test_failed_tags_give_the_dialog_back_as_typed(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        long_tag = "t" * 150
        await pilot.press("t", "end", *f", {long_tag}", "ctrl+s")
        await settle(pilot)
        assert "longer than 100 characters" in notices(app)
        dialog = app.screen
        assert isinstance(dialog, TagsDialog)
        assert dialog.query_one("#prompt-tags").value == f"onboarding, [core], {long_tag}"
        await pilot.press(*["backspace"] * (len(long_tag) + 2), "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert library.get_prompt(ids["greeting"]).prompt.tags == ("onboarding", "[core]")


async def test_esc_in_an_edited_new_version_asks_before_throwing_it_away(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("n", "escape")  # untouched: closes at once
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("n", *"More ", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep editing
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NewVersionScreen)
        assert editor.query_one("#template").text.startswith("More ")
        await pilot.press("escape", "y")
        await settle(pilot)
        assert app.screen is screen
        assert library.get_prompt(ids["greeting"]).prompt.version_count == 3


async def test_a_move_waiting_for_a_locked_database_says_so(library, ids, db):
    import sqlite3

    locker = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("e")
        await settle(pilot)
        locker.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        await pilot.press("space", "enter", "ctrl+s")  # v3 leaves development
        waiting = "Still waiting for the database to move environments to v3"
        for _ in range(50):  # the busy timeout is 10 s; the notice comes after 0.6 s
            if waiting in notices(app):
                break
            await pilot.pause(0.1)
        assert waiting in notices(app)
        assert "Moved" not in [n.title for n in app._notifications]
        locker.execute("COMMIT")  # the other program is done: the move goes through
        for _ in range(50):
            await settle(pilot, 0.1)
            if "Moved" in [n.title for n in app._notifications]:
                break
        assert "Moved" in [n.title for n in app._notifications]
    locker.close()
    assert "development" not in [o.environment for o in
                                 library.get_prompt(ids["greeting"]).prompt.owners
                                 if o.version_number == 3]


async def test_a_new_version_identical_to_its_base_is_refused_in_the_editor(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("n", "ctrl+s")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, NewVersionScreen)
        assert "The template is the same as v3" in screen_text(app)
        assert library.get_prompt(ids["greeting"]).prompt.version_count == 3


async def test_a_new_version_of_a_prompt_deleted_meanwhile_does_not_bring_it_back(library, ids,
                                                                                   db):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["summary"])
        await pilot.press("n", *"More ")
        bob = open_library(db, actor="bob")
        bob.delete_prompt(ids["summary"])
        bob.close()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "summarise [draft] was deleted by bob at " in notices(app)
        assert "renamed" not in notices(app)
        assert isinstance(app.screen, PromptsScreen)
        assert library.list_prompts(search="summarise").total == 0


async def test_letters_typed_in_the_move_review_are_the_reason(library, ids):
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_prompt(app, pilot, ids["greeting"])
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("space", "enter")  # v3 gives up development
        assert isinstance(app.screen, MoveReviewDialog)
        await pilot.press(*"hotfix [x]", "ctrl+s")
        await settle(pilot)
        record = library.history(prompt=ids["greeting"]).items[0]
        assert (record.environment_name, record.reason) == ("development", "hotfix [x]")


async def test_a_burst_of_keys_opens_the_prompt_and_writes_in_its_editor(library, ids):
    from textual import events

    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.screen.table.restore_cursor(ids["greeting"])
        for key in ("enter", "n", "home", "a", "b", "c", "left", "left", "X"):
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        for _ in range(30):
            await settle(pilot, 0.1)
            if isinstance(app.screen, NewVersionScreen) and "aXbc" in app.screen.query_one(
                    "#template").text:
                break
        assert isinstance(app.screen, NewVersionScreen)
        assert app.screen.query_one("#template").text.startswith("aXbcHi {{name}}")
