"""One prompt: its versions with environment badges, the selected version's template, and the
keys that release it (e, x, n, R, t, d)."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from promptenv_tui.domain import (
    Environment,
    MoveRecord,
    MoveResult,
    NotFound,
    Owner,
    Page,
    Prompt,
    Version,
)

from .base import BaseScreen, Failed, KeyTable, StatusLine, WriteFailed
from .dialogs import (
    ChoiceDialog,
    ConfirmDialog,
    DiffScreen,
    EditPromptDialog,
    EnvChange,
    EnvironmentsPicker,
    MoveReviewDialog,
    NewVersionScreen,
    TagsDialog,
    TypeNameDialog,
    describe_owner,
)
from .widgets import TextView
from .formatting import (
    cell,
    env_badge,
    env_badges,
    fmt_age,
    fmt_time,
    highlight_template,
    metadata_text,
    one_line,
    version_diff,
)


class PromptLoaded(Message, bubble=False):
    def __init__(self, prompt: Prompt, environments: tuple[Environment, ...],
                 versions: Page[Version], keep: str | None) -> None:
        super().__init__()
        self.prompt = prompt
        self.environments = environments
        self.versions = versions
        self.keep = keep


class MoreVersionsLoaded(Message, bubble=False):
    def __init__(self, prompt_id: str, versions: Page[Version]) -> None:
        super().__init__()
        self.prompt_id = prompt_id
        self.versions = versions


class MovePrepared(Message, bubble=False):
    """What the environments dialog shows: fresh owners and their templates."""

    def __init__(self, version: Version, environments: tuple[Environment, ...],
                 owners: tuple[Owner, ...], owner_versions: dict[str, Version]) -> None:
        super().__init__()
        self.version = version
        self.environments = environments
        self.owners = owners
        self.owner_versions = owner_versions


class DiffReady(Message, bubble=False):
    def __init__(self, title: str, old: Version, new: Version, old_label: str) -> None:
        super().__init__()
        self.title = title
        self.old = old
        self.new = new
        self.old_label = old_label


class AllVersions(Message, bubble=False):
    """Every version of the prompt, for the diff picker."""

    def __init__(self, version: Version, versions: tuple[Version, ...]) -> None:
        super().__init__()
        self.version = version
        self.versions = versions


class PromptGone(Message, bubble=False):
    """The prompt this screen shows was deleted (``text`` says by whom and when, if known)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def describe_moves(moves: tuple[MoveRecord, ...]) -> str:
    return "; ".join(m.describe() for m in moves) if moves else "nothing changed"


class PromptScreen(BaseScreen):
    SCREEN_TITLE = "Prompt"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [
        Binding("e", "environments", "Set envs", id="set_environments",
                tooltip="Set which environments the selected version owns"),
        Binding("x", "clear_environment", "Clear env", id="clear_environment",
                tooltip="Take an environment away from its version"),
        Binding("n", "new_version", "New version", id="new_version",
                tooltip="Write a new version, starting from the selected template"),
        Binding("R", "restore", "Restore", id="restore",
                tooltip="Make a new version copying the selected one"),
        Binding("t", "tags", "Tags", id="tags", tooltip="Edit the prompt's and the version's tags"),
        Binding("d", "diff", "Diff", id="diff",
                tooltip="Diff against another version or an environment's owner"),
        Binding("h", "prompt_history", "History", id="prompt_history",
                tooltip="Moves of this prompt"),
        Binding("m", "edit_prompt", "Rename", id="edit_prompt",
                tooltip="Edit the prompt's name and description"),
        Binding("D", "delete_prompt", "Delete", id="delete_prompt",
                tooltip="Delete the prompt with its versions (the history stays)"),
    ]

    def __init__(self, prompt_id: str) -> None:
        super().__init__()
        self.prompt_id = prompt_id
        self.prompt: Prompt | None = None
        self.environments: tuple[Environment, ...] = ()
        self.versions: list[Version] = []
        self.total_versions = 0
        self.loading_more = False
        self._shown_version: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("loading…", style="dim"), id="prompt-header", classes="screen-title")
        with Horizontal(id="prompt-body"):
            yield KeyTable(id="versions-table")
            yield TextView(id="version-view")
        yield Static(id="versions-empty", classes="empty-state -hidden")
        yield StatusLine(self.library)
        yield Footer()

    def on_mount(self) -> None:
        table = self.table
        table.add_column("ver", key="ver", width=4)
        table.add_column("environments", key="environments")
        table.add_column("commit", key="commit", width=8)
        table.add_column("created", key="created", width=16)
        table.add_column("by", key="by", width=10)
        table.add_column("change", key="change", width=22)
        self.load(None)

    @property
    def table(self) -> KeyTable:
        return self.query_one("#versions-table", KeyTable)

    @property
    def selected(self) -> Version | None:
        key = self.table.cursor_key
        return next((v for v in self.versions if v.id == key), None)

    @property
    def colors(self) -> dict[str, str | None]:
        return {e.name.lower(): e.color for e in self.environments}

    # --- loading -----------------------------------------------------------------------------

    def load(self, keep: str | None) -> None:
        size = self.papp.page_size
        if self.versions:
            size = min(1000, -(-len(self.versions) // size) * size)
        self.fetch_prompt(size, keep)

    def reload(self) -> None:
        self.load(self.table.cursor_key)

    @work(thread=True, exclusive=True, group="prompt", exit_on_error=False)
    def fetch_prompt(self, size: int, keep: str | None) -> None:
        def run() -> PromptLoaded:
            detail = self.library.get_prompt(self.prompt_id)
            envs = self.library.list_environments()
            versions = self.library.list_versions(self.prompt_id, page=1, size=size)
            return PromptLoaded(detail.prompt, envs, versions, keep)

        self.deliver("load the prompt", run)

    @work(thread=True, exclusive=True, group="versions-more", exit_on_error=False)
    def fetch_more(self, page_no: int, size: int) -> None:
        def run() -> MoreVersionsLoaded:
            return MoreVersionsLoaded(
                self.prompt_id, self.library.list_versions(self.prompt_id, page=page_no, size=size))

        self.deliver("load more versions", run)

    def after_failure(self, message: Failed) -> None:
        self.loading_more = False

    # --- the prompt deleted under the screen ----------------------------------------------------

    # Textual calls BaseScreen's handlers of these messages after these ones, unless a handler
    # here prevents the default.

    def on_failed(self, message: Failed) -> None:
        if isinstance(message.error, NotFound) and not getattr(message, "checked", False):
            message.prevent_default()
            self.check_gone(message)  # the prompt itself may be gone: say so, not "version <id>"

    def on_write_failed(self, message: WriteFailed) -> None:
        if isinstance(message.error, NotFound) and not getattr(message, "checked", False):
            message.prevent_default()
            self.check_gone(message)

    @work(thread=True, exclusive=True, group="gone", exit_on_error=False)
    def check_gone(self, failure: Failed | WriteFailed) -> None:
        """After a 'not found': is the prompt itself gone? Then leave with who deleted it and
        when; else show the failure as it was."""
        try:
            self.library.get_prompt(self.prompt_id)
        except NotFound:
            name = one_line(self.prompt.name, 60) if self.prompt else "This prompt"
            text = f"{name} was deleted"
            try:
                deleted = next((m for m in self.library.history(prompt=self.prompt_id,
                                                                size=20).items
                                if m.cause == "prompt_deleted"), None)
            except Exception:  # noqa: BLE001 - the news without its details
                deleted = None
            if deleted is not None:
                text += f" by {deleted.actor} at {fmt_time(deleted.at)} UTC"
            self.post_message(PromptGone(text + "; nothing was changed."))
            return
        except Exception:  # noqa: BLE001 - show the original failure
            pass
        again = (Failed(failure.doing, failure.error) if isinstance(failure, Failed)
                 else WriteFailed(failure.action, failure.doing, failure.error, failure.context))
        again.checked = True  # type: ignore[attr-defined]
        self.post_message(again)

    def on_prompt_gone(self, message: PromptGone) -> None:
        self.notify(message.text, title="Prompt deleted", severity="warning", timeout=10,
                    markup=False)
        self.leave()

    def on_prompt_loaded(self, message: PromptLoaded) -> None:
        self._loaded_once = True
        keep = message.keep if message.keep is not None else self.table.cursor_key
        self.prompt = message.prompt
        self.environments = message.environments
        self.versions = list(message.versions.items)
        self.total_versions = message.versions.total
        self.show_header()
        table = self.table
        table.clear()
        for version in self.versions:
            table.add_row(*self.row(version), key=version.id)
        table.restore_cursor(keep)
        self._shown_version = None
        self.show_selected()
        empty = self.query_one("#versions-empty", Static)
        body = self.query_one("#prompt-body")
        if not self.versions:
            if self.library.read_only:
                text = Text("This prompt has no versions yet.\n"
                            "promptenv is read-only (--read-only), so none can be written here.")
            else:
                text = Text("This prompt has no versions yet.\nPress n to write v1.")
            empty.update(text)
            empty.remove_class("-hidden")
            body.add_class("-hidden")
        else:
            empty.add_class("-hidden")
            body.remove_class("-hidden")

    def on_more_versions_loaded(self, message: MoreVersionsLoaded) -> None:
        self.loading_more = False
        known = {v.id for v in self.versions}
        fresh = [v for v in message.versions.items if v.id not in known]
        self.versions.extend(fresh)
        self.total_versions = message.versions.total
        for version in fresh:
            self.table.add_row(*self.row(version), key=version.id)

    def show_header(self) -> None:
        prompt = self.prompt
        if prompt is None:
            return
        now = self.papp.clock()
        # One line each (cut with … when too long), so a long name or many tags never push the
        # owners out of the header.
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(one_line(prompt.name, 255), style="bold")
        text.append(f"  {prompt.template_structure} · {prompt.version_count} version"
                    f"{'' if prompt.version_count == 1 else 's'}", style="dim")
        if prompt.latest_version:
            age = fmt_age(prompt.latest_version.created_at, now)
            text.append(f" · latest {prompt.latest_version.label} "
                        f"{'just now' if age == 'now' else age + ' ago'}", style="dim")
        if len(self.versions) < self.total_versions:
            text.append(f" · {len(self.versions)} of {self.total_versions} loaded", style="dim")
        if prompt.description:
            text.append("\n")
            text.append(one_line(prompt.description, 200), style="italic")
        text.append("\n")
        if prompt.owners:
            colors = self.colors
            for owner in prompt.owners:
                text.append_text(env_badge(owner.environment, colors.get(owner.environment.lower())))
                text.append(f" v{owner.version_number} ")
        else:
            text.append("no environment serves this prompt", style="dim")
        if prompt.tags:
            text.append("\ntags ", style="dim")
            text.append(one_line(", ".join(prompt.tags), 500))
        self.query_one("#prompt-header", Static).update(text)

    def row(self, version: Version) -> list[Text]:
        return [
            Text(version.label, style="bold"),
            env_badges(version.environments, self.colors),
            Text(version.commit, style="dim"),
            Text(fmt_time(version.created_at)),
            cell(version.created_by, 10),
            cell(version.change_description, 22),
        ]

    @on(DataTable.RowHighlighted, "#versions-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_selected()
        if (not self.loading_more and len(self.versions) < self.total_versions
                and event.cursor_row >= len(self.versions) - min(20, self.papp.page_size // 2)):
            self.loading_more = True
            size = self.papp.page_size
            self.fetch_more(len(self.versions) // size + 1, size)

    def show_selected(self) -> None:
        version = self.selected
        view = self.query_one("#version-view", TextView)
        if version is None:
            self._shown_version = None
            view.update(Text())
            return
        if version.id == self._shown_version:
            return
        self._shown_version = version.id
        text = Text()
        text.append(version.label, style="bold")
        text.append(f" · {version.commit} · {version.type}", style="dim")
        text.append(f"\ncreated {fmt_time(version.created_at)} by ", style="dim")
        text.append(version.created_by)
        if version.change_description:
            text.append("\nchange ", style="dim")
            text.append(version.change_description)
        if version.environments:
            text.append("\nserves ", style="dim")
            text.append_text(env_badges(version.environments, self.colors))
        if version.tags:
            text.append("\ntags ", style="dim")
            text.append(", ".join(version.tags))
        text.append("\nvariables ", style="dim")
        text.append(", ".join(version.variables) if version.variables else "none")
        if version.metadata:
            text.append("\nmetadata ", style="dim")
            text.append(metadata_text(version.metadata))
        text.append("\n" + "─" * 20 + " template\n", style="dim")
        text.append_text(highlight_template(version.template))
        view.update(text)

    # --- e: set the environments of the selected version --------------------------------------

    def need_version(self, what: str) -> Version | None:
        version = self.selected
        if version is None:
            self.notify(f"No version selected to {what}; press n to write one.", severity="warning",
                        markup=False)
        return version

    def action_environments(self) -> None:
        if not self.writable("move environments"):
            return
        version = self.need_version("move environments to")
        if version is not None:
            self.prepare_move(version.id)

    @work(thread=True, exclusive=True, group="prepare", exit_on_error=False)
    def prepare_move(self, version_id: str) -> None:
        def run() -> MovePrepared:
            version = self.library.get_version(version_id)
            envs = self.library.list_environments()
            owners = self.library.owners(version.prompt_id)
            others = sorted({o.version_id for o in owners if o.version_id != version_id})
            owner_versions = ({v.id: v for v in self.library.get_versions_by_ids(others)}
                              if others else {})
            return MovePrepared(version, envs, owners, owner_versions)

        self.deliver("read the current owners", run)

    def on_move_prepared(self, message: MovePrepared) -> None:
        version = message.version
        owners = {o.environment.lower(): o for o in message.owners}
        shown = {e.name: (owners[e.name.lower()].version_id if e.name.lower() in owners else None)
                 for e in message.environments}

        def picked(selected: list[str] | None) -> None:
            if selected is None:
                return
            wanted = {s.lower() for s in selected}
            changes = []
            for env in message.environments:
                owner = owners.get(env.name.lower())
                owner_id = owner.version_id if owner else None
                if env.name.lower() in wanted and owner_id != version.id:
                    changes.append(EnvChange(env, "take", message.owner_versions.get(owner_id or ""),
                                             owner_id))
                elif env.name.lower() not in wanted and owner_id == version.id:
                    changes.append(EnvChange(env, "clear", version, owner_id))
            if not changes:
                self.notify("Nothing to change: the version already owns exactly those "
                            "environments.", markup=False)
                return

            def confirmed(answer: dict | None) -> None:
                if not answer:
                    return
                lib = self.library
                self.write(
                    "move", f"move environments to {version.label}",
                    lambda: lib.set_version_environments(
                        version.id, selected, expected_owners=shown,
                        confirm_protected=answer["confirm_protected"], reason=answer["reason"]),
                    context=version.id,
                )

            self.app.push_screen(MoveReviewDialog(version, changes), confirmed)

        self.app.push_screen(EnvironmentsPicker(version, message.environments, owners), picked)

    def done_move(self, result: MoveResult, version_id: str) -> None:
        self.notify(f"{result.version.label}: {describe_moves(result.moves)}", title="Moved",
                    markup=False)
        self.load(version_id)

    # --- x: clear an environment -------------------------------------------------------------

    def action_clear_environment(self) -> None:
        if not self.writable("clear an environment"):
            return
        prompt = self.prompt
        if prompt is None:
            return
        if not prompt.owners:
            self.notify("No environment serves a version of this prompt; nothing to clear.",
                        markup=False)
            return
        colors = self.colors
        options = []
        protected = {e.name.lower() for e in self.environments if e.protected}
        for owner in prompt.owners:
            label = env_badge(owner.environment, colors.get(owner.environment.lower()))
            if owner.environment.lower() in protected:
                label.append(" 🔒")
            label.append("  ")
            label.append_text(describe_owner(owner))
            options.append((owner.environment, label))
        selected = self.selected
        first_mine = next((o.environment for o in prompt.owners
                           if selected is not None and o.version_id == selected.id), None)

        def chosen(env_name: str | None) -> None:
            if env_name is None:
                return
            owner = prompt.owner_of(env_name)
            env = next((e for e in self.environments if e.name.lower() == env_name.lower()), None)
            if owner is None:
                return
            body = Text()
            body.append(env_name, style="bold")
            body.append(" will serve nothing of ")
            body.append(one_line(prompt.name, 40), style="bold")
            body.append(f" (it serves v{owner.version_number} now). The clearing is recorded.")

            def go(answer: dict | bool | None) -> None:
                if not answer:
                    return
                lib = self.library
                protected = bool(env and env.protected)
                reason = answer.get("reason") if isinstance(answer, dict) else None
                self.write(
                    "clear", f"clear {env_name}",
                    lambda: lib.clear_environment(prompt.id, env_name,
                                                  expected_owner=owner.version_id,
                                                  confirm_protected=protected, reason=reason),
                )

            if env is not None and env.protected:
                self.app.push_screen(TypeNameDialog(f"Clear 🔒 {env_name}?", body, [env_name],
                                                    yes="Clear", reason=True), go)
            else:
                self.app.push_screen(ConfirmDialog(f"Clear {env_name}?", body, yes="Clear",
                                                   reason=True), go)

        self.app.push_screen(ChoiceDialog("Clear which environment?", options,
                                          highlighted=first_mine), chosen)

    def done_clear(self, moves: tuple[MoveRecord, ...], _context: object) -> None:
        self.notify(describe_moves(moves), title="Cleared", markup=False)
        self.reload()

    # --- n: new version ----------------------------------------------------------------------

    def action_new_version(self, retry: dict | None = None) -> None:
        if not self.writable("write a new version"):
            return
        prompt = self.prompt
        if prompt is None:
            return
        base = self.selected
        template = base.template if base else ""
        if retry is not None:
            template = retry["template"]

        def saved(answer: dict | None) -> None:
            if not answer:
                return
            lib = self.library
            self.write(
                "new_version", f"write a new version of {one_line(prompt.name, 40)}",
                lambda: lib.create_version(
                    prompt.name, answer["template"], type=base.type if base else "mustache",
                    metadata=base.metadata if base else None,
                    change_description=answer["change_description"], prompt_id=prompt.id),
                context=answer,
            )

        self.app.push_screen(
            NewVersionScreen(prompt.name, template, base.label if base else None,
                             retry["change_description"] if retry else None,
                             based_on_template=base.template if base else None),
            saved,
        )

    def retry_new_version(self, answer: dict) -> None:
        """Writing failed: reopen the editor with the user's text, nothing lost."""
        self.action_new_version(answer)

    def done_new_version(self, result: MoveResult, _answer: object) -> None:
        self.notify(f"Wrote {result.version.label}", markup=False)
        self.load(result.version.id)

    # --- R: restore ----------------------------------------------------------------------------

    def action_restore(self) -> None:
        if not self.writable("restore a version"):
            return
        version = self.need_version("restore")
        if version is None:
            return
        body = Text(f"Restore {version.label}? This writes a new version with the template, type "
                    f"and metadata of {version.label} (\"Restored from {version.label}\"). "
                    "Tags and environments are not copied.")

        def go(ok: bool | None) -> None:
            if ok:
                lib = self.library
                self.write("restore", f"restore {version.label}",
                           lambda: lib.restore_version(version.id), context=version.label)

        self.app.push_screen(ConfirmDialog(f"Restore {version.label}?", body, yes="Restore"), go)

    def done_restore(self, version: Version, old_label: str) -> None:
        self.notify(f"Restored {old_label} as {version.label}", markup=False)
        self.load(version.id)

    # --- t: tags -----------------------------------------------------------------------------

    def action_tags(self, typed: dict | None = None) -> None:
        if not self.writable("edit tags"):
            return
        prompt = self.prompt
        if prompt is None:
            return
        version = self.selected

        def saved(answer: dict | None) -> None:
            if not answer or (answer["prompt"] is None and answer["version"] is None):
                return
            lib = self.library

            def run() -> None:
                if answer["prompt"] is not None:
                    lib.update_prompt(prompt.id, tags=answer["prompt"])
                if answer["version"] is not None and version is not None:
                    lib.update_version_tags([version.id], answer["version"])

            self.write("tags", "save tags", run, context=answer)

        self.app.push_screen(
            TagsDialog(prompt.name, prompt.tags, version.label if version else None,
                       version.tags if version else (), typed=typed),
            saved,
        )

    def retry_tags(self, answer: dict) -> None:
        """Saving failed (a tag too long, a locked database): reopen with what was typed."""
        self.action_tags(answer)

    def done_tags(self, _result: object, _context: object) -> None:
        self.notify("Tags saved", markup=False)
        self.reload()

    # --- d: diff -------------------------------------------------------------------------------

    def action_diff(self) -> None:
        version = self.need_version("diff")
        if version is None or self.prompt is None:
            return
        if len(self.versions) < self.total_versions:
            self.fetch_all_versions(version)  # the picker offers every version, loaded or not
        else:
            self.pick_diff(version, self.versions)

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def fetch_all_versions(self, version: Version) -> None:
        def run() -> AllVersions:
            items: list[Version] = []
            page_no = 1
            while True:
                page = self.library.list_versions(self.prompt_id, page=page_no, size=1000)
                items.extend(page.items)
                if len(items) >= page.total or not page.items:
                    return AllVersions(version, tuple(items))
                page_no += 1

        self.deliver("load the versions to compare", run)

    def on_all_versions(self, message: AllVersions) -> None:
        self.pick_diff(message.version, list(message.versions))

    def pick_diff(self, version: Version, versions: list[Version]) -> None:
        prompt = self.prompt
        if prompt is None:
            return
        options: list[tuple[str, Text]] = []
        colors = self.colors
        for owner in prompt.owners:
            label = Text("owner of ")
            label.append_text(env_badge(owner.environment, colors.get(owner.environment.lower())))
            label.append(f"  v{owner.version_number}", style="bold")
            options.append((f"env:{owner.environment}", label))
        for other in versions:
            if other.id == version.id:
                continue
            label = Text(other.label, style="bold")
            label.append(f"  {other.commit}  ", style="dim")
            label.append(one_line(other.change_description, 40))
            options.append((f"version:{other.id}", label))
        if not options:
            self.notify("There is no other version to compare with.", markup=False)
            return

        def chosen(key: str | None) -> None:
            if key is None:
                return
            kind, _, ref = key.partition(":")
            if kind == "version":
                other = next(v for v in versions if v.id == ref)
                self.show_diff(f"{other.label} → {version.label}", other, version, other.label)
                return
            owner = prompt.owner_of(ref)
            if owner is None:
                return
            label = f"{ref} (v{owner.version_number})"
            loaded = next((v for v in versions if v.id == owner.version_id), None)
            if loaded is not None:
                self.show_diff(f"{label} → {version.label}", loaded, version, label)
            else:
                self.fetch_diff(owner.version_id, version, label)

        self.app.push_screen(ChoiceDialog(f"Diff {version.label} against…", options), chosen)

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def fetch_diff(self, version_id: str, new: Version, label: str) -> None:
        def run() -> DiffReady:
            return DiffReady(f"{label} → {new.label}", self.library.get_version(version_id), new,
                             label)

        self.deliver("load the version to compare", run)

    def on_diff_ready(self, message: DiffReady) -> None:
        self.show_diff(message.title, message.old, message.new, message.old_label)

    def show_diff(self, title: str, old: Version, new: Version, old_label: str) -> None:
        self.app.push_screen(DiffScreen(f"Diff {title}", version_diff(old, new, old_label)))

    # --- m: name and description ------------------------------------------------------------

    def action_edit_prompt(self, retry: dict | None = None) -> None:
        if not self.writable("edit the prompt"):
            return
        prompt = self.prompt
        if prompt is None:
            return
        name = retry["name"] if retry else prompt.name
        description = retry["description"] if retry else prompt.description

        def saved(answer: dict | None) -> None:
            if not answer:
                return
            changes = {}
            if answer["name"] != prompt.name:
                changes["name"] = answer["name"]
            if (answer["description"] or None) != (prompt.description or None):
                changes["description"] = answer["description"]
            if not changes:
                return
            lib = self.library
            self.write("edit_prompt", f"save prompt '{one_line(prompt.name, 40)}'",
                       lambda: lib.update_prompt(prompt.id, **changes), context=answer)

        self.app.push_screen(EditPromptDialog(name, description), saved)

    def retry_edit_prompt(self, answer: dict) -> None:
        """Saving failed (a name taken, say): reopen the dialog with what was typed."""
        self.action_edit_prompt(answer)

    def done_edit_prompt(self, prompt: Prompt, _context: object) -> None:
        self.notify(f"Saved prompt {one_line(prompt.name, 40)}", markup=False)
        self.reload()

    # --- D: delete ----------------------------------------------------------------------------

    def action_delete_prompt(self) -> None:
        if not self.writable("delete the prompt"):
            return
        prompt = self.prompt
        if prompt is None:
            return
        protected = sorted({o.environment for o in prompt.owners for e in self.environments
                            if e.protected and e.name.lower() == o.environment.lower()})
        count = prompt.version_count
        body = Text("Delete ")
        body.append(prompt.name, style="bold")
        body.append(f"?\n\nIts {count} version{'' if count == 1 else 's'} go with it")
        if prompt.owners:
            body.append(", and the environments they serve serve nothing of it any more: ")
            body.append(", ".join(f"{o.environment} (v{o.version_number})" for o in prompt.owners),
                        style="bold")
            body.append(". Every cleared environment is recorded")
        body.append(". The history of its moves stays. This cannot be undone.")
        if protected:
            body.append(f"\n\nIt serves {', '.join(protected)}, which "
                        f"{'is' if len(protected) == 1 else 'are'} protected.", style="bold")

        def go(ok: bool | None) -> None:
            if not ok:
                return
            lib = self.library
            self.write("delete_prompt", f"delete prompt '{one_line(prompt.name, 40)}'",
                       lambda: lib.delete_prompt(prompt.id, reason="deleted in the console",
                                                 confirm_protected=bool(protected)))

        title = f"Delete {one_line(prompt.name, 40)}?"
        if protected:
            self.app.push_screen(TypeNameDialog(title, body, protected, yes="Delete"), go)
        else:
            self.app.push_screen(ConfirmDialog(title, body, yes="Delete"), go)

    def done_delete_prompt(self, _result: object, _context: object) -> None:
        name = one_line(self.prompt.name, 40) if self.prompt else "the prompt"
        self.notify(f"Deleted {name}", markup=False)
        self.leave()

    # --- h: history ----------------------------------------------------------------------------

    def action_prompt_history(self) -> None:
        if self.prompt is not None:
            self.papp.action_show_history(prompt=self.prompt.name)
