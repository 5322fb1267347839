"""The environment registry: create, edit, reorder, delete."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from promptenv_tui.domain import Conflict, Environment, EnvironmentDeleted

from .base import BaseScreen, KeyTable, StatusLine, WriteFailed
from .dialogs import ConfirmDialog, EnvironmentForm, TypeNameDialog
from .formatting import cell, env_badge, one_line


class EnvironmentsLoaded(Message, bubble=False):
    def __init__(self, environments: tuple[Environment, ...], keep: str | None) -> None:
        super().__init__()
        self.environments = environments
        self.keep = keep


class EnvironmentsScreen(BaseScreen):
    SCREEN_TITLE = "Environments"
    BINDINGS = [
        Binding("n", "new_environment", "New", id="new_environment"),
        Binding("e", "edit_environment", "Edit", id="edit_environment"),
        Binding("K", "move_up", "Move up", id="move_up"),
        Binding("J", "move_down", "Move down", id="move_down"),
        Binding("d,delete", "delete_environment", "Delete", id="delete_environment"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.environments: tuple[Environment, ...] = ()
        self._reorder: dict | None = None
        """A J/K reorder being written: the environment, where it goes, what was sent."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Environments", style="bold"), classes="screen-title")
        yield KeyTable(id="environments-table")
        yield Static(id="environments-empty", classes="empty-state -hidden")
        yield Static(Text("Order is the position: K/J move the selected environment up/down.",
                          style="dim"), classes="info-line")
        yield StatusLine(self.library)
        yield Footer()

    def on_mount(self) -> None:
        table = self.table
        table.add_column("pos", key="position", width=3)
        table.add_column("name", key="name", width=16)
        table.add_column("colour", key="color", width=7)
        table.add_column("protected", key="protected", width=9)
        table.add_column("serves", key="served", width=6)
        table.add_column("description", key="description")
        self.fetch(None)

    @property
    def table(self) -> KeyTable:
        return self.query_one("#environments-table", KeyTable)

    @property
    def selected(self) -> Environment | None:
        key = self.table.cursor_key
        return next((e for e in self.environments if e.id == key), None)

    def reload(self) -> None:
        self.fetch(self.table.cursor_key)

    @work(thread=True, exclusive=True, group="environments", exit_on_error=False)
    def fetch(self, keep: str | None) -> None:
        self.deliver("load the environments",
                     lambda: EnvironmentsLoaded(self.library.list_environments(), keep))

    def on_environments_loaded(self, message: EnvironmentsLoaded) -> None:
        self._loaded_once = True
        keep = message.keep if message.keep is not None else self.table.cursor_key
        self.environments = message.environments
        table = self.table
        table.clear()
        for env in self.environments:
            table.add_row(
                Text(str(env.position), justify="right"),
                env_badge(one_line(env.name, 14), env.color),
                Text(env.color or "—", style=env.color or "dim"),
                Text("🔒 yes" if env.protected else "no", style="bold" if env.protected else "dim"),
                Text(f"{env.prompt_count:,}", justify="right"),
                cell(env.description, 200),
                key=env.id,
            )
        table.restore_cursor(keep)
        empty = self.query_one("#environments-empty", Static)
        if not self.environments:
            empty.update(Text("No environments are registered.\nPress n to create one "
                              "(for example development, staging, production)."))
            empty.remove_class("-hidden")
        else:
            empty.add_class("-hidden")

    # --- create and edit -----------------------------------------------------------------

    def action_new_environment(self, initial: dict | None = None) -> None:
        if not self.writable("create an environment"):
            return

        def saved(answer: dict | None) -> None:
            if not answer:
                return
            lib = self.library
            self.write(
                "created", f"create environment {answer['name']}",
                lambda: lib.create_environment(answer["name"], description=answer["description"],
                                               color=answer["color"],
                                               protected=answer["protected"]),
                context=answer,
            )

        self.app.push_screen(EnvironmentForm(initial=initial), saved)

    def retry_created(self, answer: dict) -> None:
        """The create failed: give the form back with what was typed."""
        self.action_new_environment(answer)

    def done_created(self, env: Environment, context: object) -> None:
        self.done_saved(env, context)

    @on(DataTable.RowSelected, "#environments-table")
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_edit_environment()

    def action_edit_environment(self) -> None:
        if not self.writable("edit an environment"):
            return
        env = self.selected
        if env is None:
            self.notify("No environment selected; press n to create one.", markup=False)
            return
        self.edit_environment(env)

    def edit_environment(self, env: Environment, initial: dict | None = None) -> None:
        """The edit form; ``initial`` is what was typed before a save that failed."""

        def saved(answer: dict | None) -> None:
            if not answer:
                return
            changes = {}
            if answer["name"] != env.name:
                changes["new_name"] = answer["name"]
            if answer["color"] != env.color:
                changes["color"] = answer["color"]
            if (answer["description"] or None) != (env.description or None):
                changes["description"] = answer["description"]
            if answer["protected"] != env.protected:
                changes["protected"] = answer["protected"]
            if not changes:
                return
            lib = self.library

            def run(confirm: bool) -> None:
                self.write(
                    "saved", f"save environment {env.name}",
                    lambda: lib.update_environment(env.name, confirm_protected=confirm,
                                                   **changes),
                    context={"env": env, "answer": answer},
                )

            if env.protected and changes.get("protected") is False:
                body = Text("Lifting the protection of ")
                body.append(env.name, style="bold")
                body.append(" lets anyone move versions into and out of it without typing its "
                            "name.")
                self.app.push_screen(
                    TypeNameDialog(f"Unprotect {env.name}?", body, [env.name], yes="Unprotect"),
                    lambda ok: run(True) if ok else None,
                )
            else:
                run(False)

        self.app.push_screen(EnvironmentForm(env, initial=initial), saved)

    def retry_saved(self, context: dict) -> None:
        """Saving failed (a name taken, a locked database): give the form back as typed."""
        self.edit_environment(context["env"], context["answer"])

    def done_saved(self, env: Environment, _context: object) -> None:
        self.notify(f"Saved environment {env.name}", markup=False)
        self.fetch(env.id)

    # --- reorder -------------------------------------------------------------------------

    def _move(self, delta: int) -> None:
        """J/K: keys pressed faster than the database answers add up (J J moves two places);
        one write at a time, so they land in order."""
        if not self.writable("reorder environments"):
            return
        env = self.selected
        if env is None:
            return
        pending = self._reorder
        if pending is not None and pending["id"] != env.id:
            return  # another environment is still moving; its row keeps the cursor
        base = pending["target"] if pending is not None else env.position
        position = base + delta
        if position < 0 or position >= len(self.environments):
            return
        if pending is None:
            self._reorder = {"id": env.id, "name": env.name, "target": position, "sent": None}
            self._send_reorder()
        else:
            pending["target"] = position

    def _send_reorder(self) -> None:
        pending = self._reorder
        assert pending is not None
        name, position = pending["name"], pending["target"]
        pending["sent"] = position
        lib = self.library
        self.write("moved", f"move {name} to position {position}",
                   lambda: lib.update_environment(name, position=position))

    def action_move_up(self) -> None:
        self._move(-1)

    def action_move_down(self) -> None:
        self._move(+1)

    def done_moved(self, env: Environment, _context: object) -> None:
        pending = self._reorder
        if pending is not None and pending["target"] != pending["sent"]:
            pending["name"] = env.name
            self._send_reorder()
            return
        self._reorder = None
        self.fetch(env.id)

    def retry_moved(self, _context: object) -> None:
        """A reorder failed (the failure was shown, the screen reloads): forget what was queued."""
        self._reorder = None

    # --- delete --------------------------------------------------------------------------

    def action_delete_environment(self) -> None:
        if not self.writable("delete an environment"):
            return
        env = self.selected
        if env is None:
            return
        body = Text("Delete ")
        body.append(env.name, style="bold")
        body.append(" from the registry?\n\n")
        if env.prompt_count:
            body.append(f"It serves {env.prompt_count:,} prompt(s). ", style="bold")
            body.append(f"The versions that own {env.name} lose it: each of those "
                        f"{env.prompt_count:,} ownership(s) is cleared (the versions themselves "
                        "stay), and every clearing is recorded in the history as a move.")
        else:
            body.append("No version owns it; nothing else changes.")
        force = env.prompt_count > 0
        lib = self.library

        def go(ok: bool | None) -> None:
            if ok:
                self.write(
                    "deleted", f"delete environment {env.name}",
                    lambda: lib.delete_environment(env.name, force=force,
                                                   confirm_protected=env.protected),
                )

        if env.protected:
            self.app.push_screen(TypeNameDialog(f"Delete {env.name}?", body, [env.name],
                                                yes="Delete"), go)
        else:
            self.app.push_screen(ConfirmDialog(f"Delete {env.name}?", body, yes="Delete"), go)

    def on_write_failed(self, message: WriteFailed) -> None:
        error = message.error
        if message.action == "deleted" and isinstance(error, Conflict) \
                and error.reason == "environment_in_use":
            # A version took it while the confirmation was open (which said nothing owned it).
            message.prevent_default()
            self.notify("Nothing was deleted: someone gave the environment to a version while "
                        "you were confirming. The list now shows what it serves; press d again "
                        "to see what deleting it would clear.",
                        title="Changed meanwhile", severity="warning", timeout=10, markup=False)
            self.reload()

    def done_deleted(self, result: EnvironmentDeleted, _context: object) -> None:
        cleared = len(result.cleared)
        self.notify(f"Deleted {result.environment.name}"
                    + (f"; cleared {cleared} ownership(s)" if cleared else ""), markup=False)
        self.reload()
