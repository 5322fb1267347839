"""Modal dialogs. Each returns its answer through ``dismiss`` (None means cancelled).

Destructive or protected actions confirm with "No"/"Cancel" focused, and protected environments
ask the user to type the environment's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Input,
    Label,
    OptionList,
    SelectionList,
    Static,
    TextArea,
)
from rich.segment import Segment
from textual.strip import Strip
from textual.widgets.option_list import Option, OptionDoesNotExist
from textual.widgets.selection_list import Selection

from promptenv_tui.domain import Environment, Owner, Version

from .formatting import env_badge, fmt_time, one_line, version_diff


def parse_tags(raw: str) -> list[str]:
    """``a, b ,c`` → ``['a', 'b', 'c']`` (blank pieces dropped)."""
    return [t.strip() for t in raw.split(",") if t.strip()]


def plain(text: str | Text) -> Text:
    return text if isinstance(text, Text) else Text(text)


class Dialog(ModalScreen):
    """A centred box; ``escape`` cancels. On a short terminal (``-short``) titles lose their
    margin and key hints hide (the buttons say the keys too), leaving the room to the content."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-roomy")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class MessageDialog(Dialog):
    """Tells the user something that needs reading (a conflict, say); any of enter/esc closes."""

    BINDINGS = [Binding("escape,enter,q", "cancel", "Close")]

    def __init__(self, title: str, body: str | Text, *, severity: str = "error") -> None:
        super().__init__(classes=f"message-dialog -{severity}")
        self.title_text = title
        self.body = plain(body)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.body, id="message-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="ok", variant="primary", compact=True)

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(None)


class ConfirmDialog(Dialog):
    """Yes / No with No focused; ``y`` and ``n`` answer directly."""

    BINDINGS = [
        Binding("escape,n", "cancel", "No"),
        Binding("y", "yes", "Yes"),
    ]

    def __init__(self, title: str, body: str | Text, *, yes: str = "Yes", no: str = "No",
                 reason: bool = False) -> None:
        """``reason``: offer a one-line reason box; the answer is then ``{"reason": ...}``
        (or False)."""
        super().__init__(classes="confirm-dialog")
        self.title_text = title
        self.body = plain(body)
        self.yes_label = yes
        self.no_label = no
        self.with_reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.body, id="confirm-body")
            if self.with_reason:
                yield ReasonInput()
                yield Label(Text("y confirms · n or esc cancels · tab reaches the reason "
                                 "(enter there confirms)"), classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes_label + " (y)", id="yes", variant="warning", compact=True)
                yield Button(self.no_label + " (n)", id="no", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_yes(self) -> None:
        if self.with_reason:
            self.dismiss({"reason": self.query_one(ReasonInput).reason})
        else:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Input.Submitted)
    def _reason_given(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_yes()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.action_yes()
        else:
            self.dismiss(False)


class ReasonInput(Input):
    """The optional one-line reason of a move, shown in History."""

    def __init__(self) -> None:
        super().__init__(id="reason", placeholder="reason (optional; shown in History)",
                         compact=True, select_on_focus=False, max_length=1000)

    @property
    def reason(self) -> str | None:
        return self.value.strip() or None


class ProtectedInputs(Vertical):
    """One input per protected environment: the user types each name to confirm."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(classes="protected-inputs")
        self.names = list(names)

    def compose(self) -> ComposeResult:
        for i, name in enumerate(self.names):
            label = Text("🔒 ")
            label.append(name, style="bold")
            label.append(" is protected: type its name to confirm")
            yield Label(label)
            yield Input(placeholder=name, id=f"protected-{i}", classes="protected-input",
                        compact=True)

    @property
    def confirmed(self) -> bool:
        return all(
            self.query_one(f"#protected-{i}", Input).value.strip() == name
            for i, name in enumerate(self.names)
        )


class ProtectedDialog(Dialog):
    """A dialog confirmed by typing the names of protected environments (``ProtectedInputs``),
    with an optional reason box: enter in a name box goes to the next one, and from the last
    box (or the reason) confirms. Subclasses implement ``action_confirm``."""

    MISMATCH = "Type the name of each protected environment to confirm."

    def names_typed(self) -> bool:
        """True when every protected name is typed; else say so and focus the first box."""
        boxes = self.query(ProtectedInputs)
        if not boxes or boxes.first().confirmed:
            return True
        self.query_one("#protected-error", Static).update(Text(self.MISMATCH))
        self.query_one(".protected-input", Input).focus()
        return False

    def given_reason(self) -> str | None:
        boxes = self.query(ReasonInput)
        return boxes.first().reason if boxes else None

    def action_confirm(self) -> None:
        raise NotImplementedError

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = list(self.query(".protected-input").results(Input))
        if event.input in inputs and inputs.index(event.input) + 1 < len(inputs):
            inputs[inputs.index(event.input) + 1].focus()
        else:
            self.action_confirm()


class TypeNameDialog(ProtectedDialog):
    """Confirms an action on protected environments by typing their names."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    MISMATCH = "The names typed do not match; nothing was changed yet."

    def __init__(self, title: str, body: str | Text, names: Sequence[str], *, yes: str = "Confirm",
                 reason: bool = False) -> None:
        """``reason``: offer a one-line reason box; the answer is then ``{"reason": ...}``."""
        super().__init__(classes="type-name-dialog")
        self.title_text = title
        self.body = plain(body)
        self.names = list(names)
        self.yes_label = yes
        self.with_reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.body, id="confirm-body")
                yield ProtectedInputs(self.names)
                yield Static("", id="protected-error", classes="dialog-error")
            if self.with_reason:
                yield ReasonInput()
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes_label, id="yes", variant="error", compact=True)
                yield Button("Cancel", id="no", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one(".protected-input", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        if self.names_typed():
            self.dismiss({"reason": self.given_reason()} if self.with_reason else True)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.action_confirm()
        else:
            self.dismiss(False)


class HelpScreen(Dialog):
    """Every key of the screen the user was on."""

    BINDINGS = [Binding("escape,q,question_mark", "cancel", "Close")]

    def __init__(self, title: str, rows: Sequence[tuple[str, str, str]]) -> None:
        super().__init__(classes="help-screen")
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -tall"):
            yield Label(Text(f"Keys — {self.title_text}"), classes="dialog-title")
            table = DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("key", "does", "where")
            for key, description, where in self.rows:
                table.add_row(Text(key, style="bold"), Text(description), Text(where, style="dim"))
            yield table
            yield Label(Text(f"{len(self.rows)} keys · ↑↓ pgdn scroll · esc closes · "
                             "ctrl+p: palette"), classes="dialog-hint")


class ChoiceDialog(Dialog):
    """Pick one of several options (enter), or cancel (esc)."""

    def __init__(self, title: str, options: Sequence[tuple[str, Text | str]], *, hint: str = "",
                 highlighted: str | None = None) -> None:
        super().__init__(classes="choice-dialog")
        self.title_text = title
        self.options = options
        self.hint = hint
        self.highlighted = highlighted

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self.title_text), classes="dialog-title")
            yield OptionList(*[Option(plain(label), id=key) for key, label in self.options],
                             id="choices")
            yield Label(Text(self.hint or "enter chooses · esc cancels"), classes="dialog-hint")

    def on_mount(self) -> None:
        options = self.query_one("#choices", OptionList)
        options.focus()
        if self.highlighted is not None:
            try:
                options.highlighted = options.get_option_index(self.highlighted)
            except Exception:  # noqa: BLE001 - not among the options
                pass

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


# --- prompts ------------------------------------------------------------------------------


class FormDialog(Dialog):
    """A form: ``ctrl+s`` (or its Save button) calls ``action_save``; ``esc`` or Cancel dismisses
    with None. Subclasses write ``action_save`` and place ``form_buttons()`` in their layout."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def action_save(self) -> None:  # pragma: no cover - every form overrides it
        raise NotImplementedError

    @staticmethod
    def form_buttons(save_label: str = "Save") -> Horizontal:
        return Horizontal(
            Button(f"{save_label} (ctrl+s)", id="save", variant="success", compact=True),
            Button("Cancel (esc)", id="cancel", compact=True),
            classes="dialog-buttons",
        )

    def show_error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(message)

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _edited(self) -> None:
        """An edit answers the last complaint: take it away."""
        for error in self.query("#form-error").results(Static):
            error.update("")

    def dirty(self) -> bool:
        """Whether closing would throw away something the user wrote."""
        return False

    def action_cancel(self) -> None:
        """Leaving a form with something written in it asks first (Keep editing focused)."""
        if not self.dirty():
            self.dismiss(None)
            return
        self.app.push_screen(
            ConfirmDialog("Discard what you wrote?", "Nothing was saved; closing loses it.",
                          yes="Discard", no="Keep editing"),
            lambda discard: self.dismiss(None) if discard else None,
        )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()


class NewPromptDialog(FormDialog):
    """Name, description, tags and (optionally) the template of v1."""

    AUTO_FOCUS = "#name"  # at once: keys typed while it opens go there

    BINDINGS = [Binding("ctrl+s", "save", "Create", priority=True)]

    def __init__(self, initial: dict | None = None) -> None:
        """``initial``: what the user typed before (shown again after a failed create)."""
        super().__init__()
        self.initial = initial or {}

    def compose(self) -> ComposeResult:
        given = self.initial
        with Vertical(classes="dialog -tall new-prompt-dialog"):
            yield Label("New prompt", classes="dialog-title")
            # One line each (compact), so the template takes what is left and the buttons
            # and the key hint stay on screen down to 80x24.
            yield Label("Name")
            yield Input(given.get("name", ""), id="name", placeholder="e.g. support-greeting",
                        compact=True, select_on_focus=False)
            yield Label("Description (optional)")
            yield Input(given.get("description") or "", id="description", compact=True,
                        select_on_focus=False)
            yield Label("Tags, comma-separated (optional)")
            yield Input(", ".join(given.get("tags", ())), id="tags", compact=True,
                        select_on_focus=False)
            yield Checkbox("Chat prompt (templates are JSON lists of {role, content} messages)",
                           given.get("template_structure") == "chat", id="chat", compact=True)
            yield Label("Template of v1 (optional; leave empty to write it later)")
            yield TextArea(given.get("template") or "", id="template", soft_wrap=True,
                           show_line_numbers=False)
            yield Static("", id="form-error", classes="dialog-error")
            yield Label(Text("ctrl+s creates · tab moves on · esc cancels"), classes="dialog-hint")
            yield self.form_buttons("Create")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def dirty(self) -> bool:
        return any(box.value.strip() for box in self.query(Input).results(Input)) or bool(
            self.query_one("#template", TextArea).text.strip())

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_save(self) -> None:
        name = self.query_one("#name", Input).value
        if not name.strip():
            self.show_error("A prompt needs a name.")
            self.query_one("#name", Input).focus()
            return
        template = self.query_one("#template", TextArea).text
        self.dismiss({
            "name": name,
            "description": self.query_one("#description", Input).value or None,
            "tags": parse_tags(self.query_one("#tags", Input).value),
            "template": template if template.strip() else None,
            "template_structure": "chat" if self.query_one("#chat", Checkbox).value else "text",
        })


class EditPromptDialog(FormDialog):
    """Rename and re-describe a prompt (the fields keep what is there; typing adds to it)."""

    AUTO_FOCUS = "#prompt-name"  # at once: keys typed while it opens go there


    def __init__(self, name: str, description: str | None) -> None:
        super().__init__(classes="edit-prompt-dialog")
        self.name_value = name
        self.description = description or ""

    def compose(self) -> ComposeResult:
        title = Text("Edit prompt ")
        title.append(one_line(self.name_value, 40), style="bold")
        with Vertical(classes="dialog"):
            yield Label(title, classes="dialog-title")
            yield Label("Name")
            yield Input(self.name_value, id="prompt-name", compact=True, select_on_focus=False)
            yield Label("Description (optional)")
            yield Input(self.description, id="prompt-description", compact=True,
                        select_on_focus=False)
            yield Static("", id="form-error", classes="dialog-error")
            yield Label(Text("enter or ctrl+s saves · esc cancels · the history keeps old names"),
                        classes="dialog-hint")
            yield self.form_buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#prompt-name", Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        name = self.query_one("#prompt-name", Input).value
        if not name.strip():
            self.show_error("A prompt needs a name.")
            return
        self.dismiss({"name": name,
                      "description": self.query_one("#prompt-description", Input).value or None})


class NewVersionScreen(FormDialog):
    """A multi-line editor prefilled with the selected template, and a change description."""

    AUTO_FOCUS = "#template"  # at once: keys typed while it opens go there

    BINDINGS = [Binding("ctrl+s", "save", "Save version", priority=True)]

    def __init__(self, prompt_name: str, template: str, based_on: str | None,
                 change_description: str | None = None, *,
                 based_on_template: str | None = None) -> None:
        """``template`` fills the editor; ``based_on_template`` is the text of ``based_on``
        (saving it unchanged would only copy that version)."""
        super().__init__(classes="new-version-screen")
        self.prompt_name = prompt_name
        self.template = template
        self.based_on = based_on
        self.based_on_template = template if based_on_template is None else based_on_template
        self.change_description = change_description or ""

    def compose(self) -> ComposeResult:
        title = Text("New version of ")
        title.append(self.prompt_name, style="bold")
        if self.based_on:
            title.append(f" (from {self.based_on})")
        with Vertical(classes="dialog -full"):
            yield Label(title, classes="dialog-title")
            yield TextArea(self.template, id="template", soft_wrap=True, show_line_numbers=True)
            yield Input(self.change_description, id="change",
                        placeholder="change description (optional)", compact=True,
                        select_on_focus=False)
            yield Static("", id="form-error", classes="dialog-error")
            yield Label(Text("ctrl+s saves · tab moves to the change description · esc cancels"),
                        classes="dialog-hint")
            yield self.form_buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#template", TextArea).focus()

    def dirty(self) -> bool:
        template = self.query_one("#template", TextArea).text
        change = self.query_one("#change", Input).value
        return template != self.based_on_template or bool(change.strip())

    @on(Input.Submitted, "#change")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        template = self.query_one("#template", TextArea).text
        if not template.strip():
            self.show_error("The template is empty; write something.")
            return
        if self.based_on and template == self.based_on_template:
            self.show_error(f"The template is the same as {self.based_on}; change it first "
                            "(R restores an older version as the newest).")
            return
        change = self.query_one("#change", Input).value
        self.dismiss({"template": template, "change_description": change or None})


class TagsDialog(FormDialog):
    """The prompt's tags and the selected version's tags, comma-separated."""

    AUTO_FOCUS = "#prompt-tags"  # at once: keys typed while it opens go there


    def __init__(self, prompt_name: str, prompt_tags: Sequence[str],
                 version_label: str | None, version_tags: Sequence[str], *,
                 typed: dict | None = None) -> None:
        """``typed``: the answer of a save that failed, shown again (None: unchanged)."""
        super().__init__(classes="tags-dialog")
        self.prompt_name = prompt_name
        self.prompt_tags = list(prompt_tags)
        self.version_label = version_label
        self.version_tags = list(version_tags)
        typed = typed or {}
        self.shown_prompt_tags = typed.get("prompt") if typed.get("prompt") is not None \
            else self.prompt_tags
        self.shown_version_tags = typed.get("version") if typed.get("version") is not None \
            else self.version_tags

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Edit tags", classes="dialog-title")
            label = Text("Tags of prompt ")
            label.append(one_line(self.prompt_name, 40), style="bold")
            yield Label(label)
            # Prefilled: focusing must not select the tags (typing would replace them all).
            yield Input(", ".join(self.shown_prompt_tags), id="prompt-tags",
                        select_on_focus=False)
            if self.version_label is not None:
                yield Label(Text(f"Tags of version {self.version_label}"))
                yield Input(", ".join(self.shown_version_tags), id="version-tags",
                            select_on_focus=False)
            yield Label(Text("comma-separated · enter or ctrl+s saves · esc cancels"),
                        classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#prompt-tags", Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        prompt_tags = parse_tags(self.query_one("#prompt-tags", Input).value)
        version_tags = None
        if self.version_label is not None:
            version_tags = parse_tags(self.query_one("#version-tags", Input).value)
        self.dismiss({
            "prompt": prompt_tags if prompt_tags != self.prompt_tags else None,
            "version": version_tags if version_tags is not None and version_tags != self.version_tags else None,
        })


class DiffScreen(Dialog):
    """A diff to read and scroll; esc or q closes."""

    BINDINGS = [Binding("escape,q", "cancel", "Close")]

    def __init__(self, title: str, body: Text) -> None:
        super().__init__(classes="diff-screen")
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog -full"):
            yield Label(Text(self.title_text), classes="dialog-title")
            with VerticalScroll(id="diff-scroll"):
                yield Static(self.body, id="diff-body")
            yield Label(Text("esc closes · arrows/pgup/pgdn scroll"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#diff-scroll").focus()


class CheckList(SelectionList[str]):
    """A SelectionList whose boxes read ``[✔]`` ticked and ``[ ]`` not, whatever the colours
    (the stock one draws the same ``X`` for both and tells them apart by colour alone)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != Checkbox.BUTTON_INNER:
            return strip
        mark = "✔" if selection.value in self.selected else " "
        segments[1] = Segment(mark, segments[1].style)
        return Strip(segments, strip.cell_length)


# --- the move ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnvChange:
    """One environment that would change if the user confirms."""

    environment: Environment
    kind: str
    """``take`` (moves to this version) or ``clear`` (this version gives it up)."""
    owner: Version | None
    """The version that owns it now (None: nobody)."""
    owner_id: str | None


class EnvironmentsPicker(Dialog):
    """Step 1 of ``e``: every registered environment with its current owner; space toggles."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter,ctrl+s", "review", "Review", priority=True),
    ]

    def __init__(self, version: Version, environments: Sequence[Environment],
                 owners: dict[str, Owner]) -> None:
        super().__init__(classes="environments-picker")
        self.version = version
        self.environments = environments
        self.owners = owners

    def compose(self) -> ComposeResult:
        title = Text(f"Environments of {self.version.label} of ")
        title.append(one_line(self.version.prompt_name, 40), style="bold")
        selections = []
        for env in self.environments:
            owner = self.owners.get(env.name.lower())
            label = env_badge(env.name, env.color)
            if env.protected:
                label.append(" 🔒")
            if owner is None:
                label.append("  nobody", style="dim")
            elif owner.version_id == self.version.id:
                label.append(f"  v{owner.version_number} (this one)", style="bold")
            else:
                label.append("  ")
                label.append_text(describe_owner(owner))
            selections.append(Selection(label, env.name, owner is not None and owner.version_id == self.version.id))
        with Vertical(classes="dialog"):
            yield Label(title, classes="dialog-title")
            yield CheckList(*selections, id="env-selection")
            yield Label(Text("space toggles · enter reviews the changes · esc cancels"),
                        classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#env-selection").focus()

    def action_review(self) -> None:
        self.dismiss(list(self.query_one("#env-selection", SelectionList).selected))


class MoveReviewDialog(ProtectedDialog):
    """Step 2 of ``e``: for every environment that would move, the diff from its current owner,
    variables added/removed flagged; protected ones need their name typed."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "confirm", "Confirm", priority=True),
    ]

    def __init__(self, version: Version, changes: Sequence[EnvChange]) -> None:
        super().__init__(classes="move-review")
        self.version = version
        self.changes = changes
        self.protected = [c.environment.name for c in changes if c.environment.protected]

    def compose(self) -> ComposeResult:
        title = Text(f"Review: move environments to {self.version.label} of ")
        title.append(one_line(self.version.prompt_name, 30), style="bold")
        with Vertical(classes="dialog -full"):
            yield Label(title, classes="dialog-title")
            with VerticalScroll(id="review-scroll", classes="dialog-body"):
                for change in self.changes:
                    yield Static(self._describe(change), classes="review-item")
            if self.protected:
                yield ProtectedInputs(self.protected)
            yield Static("", id="protected-error", classes="dialog-error")
            yield ReasonInput()
            yield Label(Text("ctrl+s moves · esc cancels · tab/shift+tab reach the diffs to scroll"),
                        classes="dialog-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Move (ctrl+s)", id="yes", variant="warning", compact=True)
                yield Button("Cancel (esc)", id="no", variant="primary", compact=True)

    def _describe(self, change: EnvChange) -> Text:
        out = Text(end="")
        out.append_text(env_badge(change.environment.name, change.environment.color))
        if change.environment.protected:
            out.append(" 🔒")
        before = change.owner.label if change.owner else ("nobody" if change.owner_id is None else "?")
        if change.kind == "clear":
            out.append(f"  {self.version.label} → nobody", style="bold")
            out.append("\n  this version gives it up; the environment will serve nothing", style="italic")
            return out
        out.append(f"  {before} → {self.version.label}", style="bold")
        out.append("\n")
        out.append_text(version_diff(change.owner, self.version))
        return out

    def on_mount(self) -> None:
        if self.protected:
            self.query_one(".protected-input", Input).focus()
        else:
            self.query_one("#no", Button).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        """Letters typed while a button has focus are the reason, not lost keys (the move
        itself is confirmed with ctrl+s or the Move button)."""
        if isinstance(self.focused, Button) and event.is_printable and event.character \
                and event.character != " ":
            event.stop()
            reason = self.query_one(ReasonInput)
            self.set_focus(reason)
            reason.insert_text_at_cursor(event.character)

    def action_confirm(self) -> None:
        if self.names_typed():
            self.dismiss({"confirm_protected": bool(self.protected),
                          "reason": self.given_reason()})

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "yes":
            self.action_confirm()
        else:
            self.dismiss(None)


# --- environments registry -----------------------------------------------------------------


class EnvironmentForm(FormDialog):
    """Create or edit a registry entry."""

    AUTO_FOCUS = "#env-name"  # at once: keys typed while it opens go there


    def __init__(self, environment: Environment | None = None, *,
                 initial: dict | None = None) -> None:
        """``initial``: what the user typed before (shown again after a failed save)."""
        super().__init__(classes="environment-form")
        self.environment = environment
        env = environment
        self.initial = initial or {
            "name": env.name if env else "",
            "color": (env.color or "") if env else "",
            "description": (env.description or "") if env else "",
            "protected": env.protected if env else False,
        }

    def compose(self) -> ComposeResult:
        env = self.environment
        given = self.initial
        title = "New environment" if env is None else f"Edit environment {env.name}"
        with Vertical(classes="dialog"):
            yield Label(Text(title), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Label("Name (letters, digits, - and _)")
                yield Input(given["name"], id="env-name", select_on_focus=False)
                yield Label("Colour (#RRGGBB, optional)")
                yield Input(given["color"] or "", id="env-color", placeholder="#19A979",
                            select_on_focus=False)
                yield Label("Description (optional)")
                yield Input(given["description"] or "", id="env-description",
                            select_on_focus=False)
                yield Checkbox("Protected (moves into or out of it need the name typed)",
                               given["protected"], id="env-protected")
                yield Static("", id="form-error", classes="dialog-error")
            yield self.form_buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#env-name", Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        name = self.query_one("#env-name", Input).value.strip()
        if not name:
            self.show_error("An environment needs a name.")
            return
        self.dismiss({
            "name": name,
            "color": self.query_one("#env-color", Input).value.strip() or None,
            "description": self.query_one("#env-description", Input).value or None,
            "protected": self.query_one("#env-protected", Checkbox).value,
        })


def describe_owner(owner: Owner) -> Text:
    out = Text(f"v{owner.version_number}", style="bold")
    out.append(f" since {fmt_time(owner.since)} by ", style="dim")
    out.append(one_line(owner.by, 20), style="dim")
    return out
