"""The Environments screen: the registry, created, edited, reordered and deleted by keys."""

from __future__ import annotations


from promptenv_tui.tui.dialogs import ConfirmDialog, EnvironmentForm, TypeNameDialog
from promptenv_tui.tui.environments_screen import EnvironmentsScreen
from tui_support import db, library  # noqa: F401 - shared fixtures
from tui_support import make_app, notices, open_library, screen_text, seed, settle, table_keys


async def open_environments(app, pilot) -> EnvironmentsScreen:
    await settle(pilot)
    await pilot.press("E")
    await settle(pilot)
    assert isinstance(app.screen, EnvironmentsScreen)
    return app.screen


def registry(library) -> list[tuple]:
    return [(e.name, e.position, e.color, e.protected, e.description, e.prompt_count)
            for e in library.list_environments()]


async def test_lists_the_registry_with_prompts_served(library):
    seed(library)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(app, pilot)
        envs = library.list_environments()
        assert table_keys(screen.table) == [e.id for e in envs]
        text = screen_text(app)
        for name in ("development", "staging", "production"):
            assert name in text
        assert "#19A979" in text and "🔒 yes" in text
        served = {e.name: e.prompt_count for e in envs}
        assert served == {"development": 1, "staging": 1, "production": 1}
        assert screen.table.get_cell(envs[0].id, "served").plain == "1"
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "PromptsScreen"


async def test_create_an_environment(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(app, pilot)
        await pilot.press("n")
        assert isinstance(app.screen, EnvironmentForm)
        await pilot.press(*"canary", "tab", *"#FF00AA", "tab", *"a few [users]", "tab", "space")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert registry(library)[-1] == ("canary", 3, "#FF00AA", True, "a few [users]", 0)
        assert screen.table.cursor_key == library.list_environments()[-1].id
        assert "a few [users]" in screen_text(app)


async def test_invalid_name_is_refused_readably(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(app, pilot)
        await pilot.press("n", *"bad name!", "tab", *"#123456", "tab", *"for QA", "tab", "space")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Invalid" in " ".join(n.title for n in app._notifications)
        assert len(registry(library)) == 3
        # The form comes back with everything typed, to fix the name.
        form = app.screen
        assert isinstance(form, EnvironmentForm)
        assert [form.query_one(f"#env-{f}").value for f in ("name", "color", "description")] \
            == ["bad name!", "#123456", "for QA"]
        assert form.query_one("#env-protected").value is True
        await pilot.press("ctrl+u", *"qa", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert registry(library)[-1] == ("qa", 3, "#123456", True, "for QA", 0)


async def test_edit_renames_and_recolours_keeping_ownerships(library):
    ids = seed(library)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(app, pilot)
        await pilot.press("down")  # staging
        await pilot.press("enter")
        form = app.screen
        assert isinstance(form, EnvironmentForm)
        assert form.query_one("#env-name").value == "staging"
        await pilot.press("ctrl+u", *"qa", "tab", "ctrl+u", *"#123456", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert registry(library)[1][:3] == ("qa", 1, "#123456")
        assert {o.environment: o.version_number for o in library.owners(ids["greeting"])}["qa"] == 2
        assert screen.table.cursor_row == 1


async def test_edit_appends_to_prefilled_fields_without_wiping_them(library):
    seed(library)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_environments(app, pilot)
        await pilot.press("down", "enter", *"-eu", "tab", "tab", *" shared", "ctrl+s")
        await settle(pilot)
        assert registry(library)[1][0] == "staging-eu"
        assert registry(library)[1][4] == "Release candidates, checked before production. shared"


async def test_lifting_protection_needs_the_name_typed(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_environments(app, pilot)
        await pilot.press("G", "e")
        await pilot.press("tab", "tab", "tab", "space", "ctrl+s")  # untick protected
        assert isinstance(app.screen, TypeNameDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert registry(library)[2][3] is True
        await pilot.press("e", "tab", "tab", "tab", "space", "ctrl+s", *"production", "enter")
        await settle(pilot)
        assert registry(library)[2][3] is False


async def test_reorder_with_shift_j_and_k(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(app, pilot)
        await pilot.press("J")  # development moves down
        await settle(pilot)
        assert [r[0] for r in registry(library)] == ["staging", "development", "production"]
        assert screen.table.cursor_row == 1  # the cursor follows it
        await pilot.press("J")
        await settle(pilot)
        assert [r[0] for r in registry(library)] == ["staging", "production", "development"]
        await pilot.press("J")  # already last: nothing happens
        await settle(pilot)
        await pilot.press("K", "K")
        await settle(pilot)
        assert [r[0] for r in registry(library)] == ["development", "staging", "production"]
        assert screen.table.cursor_row == 0


async def test_delete_says_what_happens_to_owning_versions_and_records_it(library):
    ids = seed(library)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_environments(app, pilot)
        await pilot.press("down", "d")  # staging, owned by greeting v2
        assert isinstance(app.screen, ConfirmDialog)
        text = screen_text(app)
        assert "It serves 1 prompt(s)" in text
        assert "ownership(s) is cleared" in text
        assert "recorded in the history" in text
        await pilot.press("n")
        await settle(pilot)
        assert len(registry(library)) == 3
        await pilot.press("d", "y")
        await settle(pilot)
        assert [r[0] for r in registry(library)] == ["development", "production"]
        assert "staging" not in {o.environment for o in library.owners(ids["greeting"])}
        record = library.history(environment="staging").items[0]
        assert (record.action, record.cause, record.from_version_number) == (
            "clear", "environment_deleted", 2)
        assert "cleared 1 ownership" in notices(app)


async def test_delete_protected_needs_the_name(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_environments(app, pilot)
        await pilot.press("G", "d")
        assert isinstance(app.screen, TypeNameDialog)
        assert "No version owns it" in screen_text(app)
        await pilot.press(*"production", "enter")
        await settle(pilot)
        assert [r[0] for r in registry(library)] == ["development", "staging"]


async def test_empty_registry_says_what_to_press(library):
    for env in library.list_environments():
        library.delete_environment(env.name, force=True, confirm_protected=True)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_environments(app, pilot)
        assert "No environments are registered" in screen_text(app)
        assert "Press n" in screen_text(app)


async def test_read_only_refuses_registry_changes(db):
    with open_library(db) as lib:
        lib.open()  # creates the schema and the workspace
    library = open_library(db, read_only=True)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(app, pilot)
        for key in ("n", "e", "J", "K", "d"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen, key
        assert notices(app).count("started with --read-only") == 5
    assert [r[0] for r in registry(library)] == ["development", "staging", "production"]
    library.close()


async def test_reorder_keys_pressed_faster_than_the_database_answers_add_up(library):
    from textual import events

    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(app, pilot)
        for _ in range(2):
            app.post_message(events.Key("J", "J"))  # no pause: the first write is still out
        await settle(pilot, 0.2)
        assert [r[0] for r in registry(library)] == ["staging", "production", "development"]
        assert screen.table.cursor_row == 2


async def test_a_failed_edit_gives_the_form_back_as_typed(library):
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_environments(app, pilot)
        await pilot.press("enter")  # development
        assert isinstance(app.screen, EnvironmentForm)
        await pilot.press(*["backspace"] * 20, *"Staging", "tab", "tab", *" [first]", "ctrl+s")
        await settle(pilot)
        assert "already" in notices(app)
        form = app.screen
        assert isinstance(form, EnvironmentForm)
        assert form.query_one("#env-name").value == "Staging"
        assert form.query_one("#env-description").value.endswith(" [first]")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert [r[0] for r in registry(library)] == ["development", "staging", "production"]


async def test_an_environment_taken_while_its_deletion_was_confirmed_stays(library, db):
    ids = seed(library)
    library.create_environment("canary")
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_environments(app, pilot)
        await pilot.press("end", "d")
        assert "No version owns it" in screen_text(app)
        bob = open_library(db, actor="bob")
        bob.assign_environment(ids["greeting.v1"], "canary")
        bob.close()
        await pilot.press("y")
        await settle(pilot)
        assert "Nothing was deleted: someone gave the environment to a version" in notices(app)
        assert "force" not in notices(app)
        assert "canary" in [r[0] for r in registry(library)]
