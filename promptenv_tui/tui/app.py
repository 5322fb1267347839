"""The console application.

``PromptEnvApp(library).run()`` where ``library`` is a ``PromptLibrary``. The app only speaks to the
database through that facade, always from thread workers.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from rich.text import Text
from textual import events, work
from textual._dispatch_key import dispatch_key  # what App._on_key calls (Textual is pinned)
from textual._wait import wait_for_idle  # what Textual's pilot waits with between keys
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, TextArea
from textual.worker import get_current_worker

from promptenv_tui.domain import Conflict, MoveRecord, PromptEnvError, PromptLibrary

from .base import BaseScreen, WriteDone, WriteFailed
from .commands import PromptEnvCommands
from .dialogs import HelpScreen, MessageDialog

ERROR_TITLES = {
    "invalid": "Invalid input",
    "not_found": "Not found",
    "conflict": "Conflict",
    "read_only": "Read-only",
    "unavailable": "Database unavailable",
    "schema": "Database schema",
}


class ChangesPolled(Message):
    """The poller's answer: the workspace's change marker (None: the database did not answer)
    and the moves others made since the last marker."""

    def __init__(self, marker: tuple | None, moves: tuple[MoveRecord, ...] = ()) -> None:
        super().__init__()
        self.marker = marker
        self.moves = moves


def describe_others_move(move: MoveRecord) -> str:
    """``bob moved production of Intent router to v5``."""
    if move.cause == "prompt_deleted":
        return f"{move.actor} deleted {move.prompt_name}"
    env = move.environment_name or "an environment"
    if move.action == "clear" or move.to_version_number is None:
        return f"{move.actor} cleared {env} of {move.prompt_name}"
    return f"{move.actor} moved {env} of {move.prompt_name} to v{move.to_version_number}"


class PromptEnvApp(App[None]):
    """Browse prompts, versions and environments, and move environments from the keyboard."""

    CSS_PATH = "app.tcss"
    TITLE = "promptenv"
    COMMANDS = App.COMMANDS | {PromptEnvCommands}
    BINDINGS = [
        Binding("question_mark", "show_keys", "Keys", id="help"),
        Binding("E", "show_environments", "Env registry", id="environments",
                tooltip="The Environments screen"),
        Binding("H", "show_history", "History", id="history", tooltip="The History screen"),
        Binding("ctrl+q", "quit", "Quit", id="quit", show=False, priority=True),
    ]

    def __init__(
        self,
        library: PromptLibrary,
        *,
        clock: Callable[[], datetime] | None = None,
        page_size: int = 50,
        filter_debounce: float = 0.0,
        poll_interval: float = 3.0,
        freeze_startup_objects: bool = True,
    ) -> None:
        """``poll_interval``: seconds between checks for changes made by others (0: never).
        ``freeze_startup_objects``: see ``on_mount`` (tests running many apps in one process
        turn it off, since frozen objects are never freed)."""
        super().__init__()
        self.library = library
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.page_size = page_size
        self.filter_debounce = filter_debounce
        self.poll_interval = poll_interval
        self.freeze_startup_objects = freeze_startup_objects
        self._marker: tuple | None = None
        self._held_keys: list[tuple[str, str | None]] = []
        self._replaying = False
        """While True, keys are held: a key has run an action (or reached a screen not ready)
        and the held keys are being replayed after it."""
        self._polling = False

    def on_mount(self) -> None:
        if self.freeze_startup_objects:
            # What is loaded by now (Textual, the database layer, the screens) lives as long as
            # the app; without this, full garbage collections walk it again and again in the
            # first seconds, 40-50 ms each: a stalled keystroke.
            self.call_after_refresh(gc.freeze)
        if self.poll_interval > 0:
            # The first check only takes the baseline: not while the first screen loads.
            self.set_timer(min(1.0, self.poll_interval), self.poll_changes)
            self.set_interval(self.poll_interval, self.poll_changes)

    # --- keys typed ahead -------------------------------------------------------------------

    # Textual sends each key to the widget focused when the key arrives. Keys typed together
    # (pasted, fast typing, a slow link) reach the old focus before what an earlier key started
    # (a screen opened by 'enter' or 'E', a dialog by 'n', the filter box by '/') is in place.
    # So once a key has run an action, or has reached a screen that is not ready for it, the
    # keys after it are held and replayed one at a time, each once the app has gone idle after
    # the previous one: they all land where the user meant them, in the order typed.

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and self._replaying \
                and not getattr(event, "promptenv_replay", False):
            self._held_keys.append((event.key, event.character))
            return
        await super().on_event(event)

    async def _on_key(self, event: events.Key) -> None:
        # This replaces App._on_key (Textual would otherwise run it too, checking the bindings a
        # second time); it does what that does, plus holding keys typed ahead.
        event.prevent_default()
        replay = getattr(event, "promptenv_replay", False)
        if not replay and (self._replaying or self._typed_ahead(event)):
            self._held_keys.append((event.key, event.character))
            self._replay_later()
            return
        if await self._check_bindings(event.key):
            if not replay:
                self._replay_later()  # what the action started comes before the next key
            return
        await dispatch_key(self, event)

    def _not_ready(self) -> bool:
        """A dialog still mounting (no focus yet), or a screen still waiting for its first
        answer from the database: keys for it must wait."""
        screen = self.screen
        if isinstance(screen, ModalScreen):
            return screen.focused is None
        return isinstance(screen, BaseScreen) and not screen.settled

    def _typed_ahead(self, event: events.Key) -> bool:
        """A key that reached the old focus: the new focus or screen is not ready for it, or
        it is a letter while a text box has focus (a text box would have taken it)."""
        return self._not_ready() or (
            isinstance(self.screen.focused, (Input, TextArea)) and event.is_printable
            and bool(event.character))

    def _replay_later(self) -> None:
        if not self._replaying:
            self._replaying = True
            self.run_worker(self._replay_held_keys, group="typed-ahead")

    async def _replay_held_keys(self) -> None:
        """Each held key once the app is idle after the previous one (as Textual's own test
        pilot waits between keys). Waits at most 2 s in all for screens to be ready."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2.0
        try:
            await wait_for_idle(0)
            while self._held_keys:
                while self._not_ready() and loop.time() < deadline:
                    await asyncio.sleep(0.01)
                key, character = self._held_keys.pop(0)
                event = events.Key(key, character)
                event.promptenv_replay = True  # type: ignore[attr-defined]
                self.post_message(event)
                await wait_for_idle(0)
        except BaseException:
            self._held_keys.clear()
            raise
        finally:
            self._replaying = False

    # --- noticing changes made by others --------------------------------------------------

    def poll_changes(self) -> None:
        """Start one check unless the previous one is still waiting for the database."""
        if self._polling:
            return
        self._polling = True
        self._check_changes(self._marker)

    @work(thread=True, group="poll", exit_on_error=False)
    def _check_changes(self, last: tuple | None) -> None:
        worker = get_current_worker()
        moves: tuple[MoveRecord, ...] = ()
        try:
            marker = self.library.change_marker()
            last_move = (last[0] or 0) if last is not None else None
            if last_move is not None and (marker[0] or 0) > last_move:
                recent = self.library.history(after_id=last_move, size=20).items
                moves = tuple(m for m in recent
                              if m.id > last_move and m.actor != self.library.actor)
        except Exception:  # noqa: BLE001 - silent: the screens say when the database is down
            marker = None
        if not worker.is_cancelled:
            self.post_message(ChangesPolled(marker, moves))

    def on_changes_polled(self, message: ChangesPolled) -> None:
        self._polling = False
        if message.marker is None:
            return
        before, self._marker = self._marker, message.marker
        if before is None or before == message.marker:
            return
        if message.moves:
            # One deletion is a record per environment it served: say it once.
            lines = list(dict.fromkeys(describe_others_move(m)
                                       for m in reversed(message.moves[:5])))
            if len(message.moves) > 5:
                lines.append(f"… and {len(message.moves) - 5} more (H shows them all)")
            self.notify("\n".join(lines), title="Changed by others", markup=False)
        # Full screens below the top reload when they come back; a screen under an open
        # dialog reloads once the dialog closes (the dialog's expected owners protect a move).
        for screen in self.screen_stack:
            if isinstance(screen, BaseScreen):
                screen.mark_stale()
        if isinstance(self.screen, BaseScreen):
            self.screen.on_screen_resume()  # on top now: reload at once

    def get_default_screen(self) -> Screen:
        from .prompts_screen import PromptsScreen

        return PromptsScreen()

    # --- navigation -----------------------------------------------------------------------

    def action_show_environments(self) -> None:
        from .environments_screen import EnvironmentsScreen

        self._open(EnvironmentsScreen)

    def action_show_history(self, prompt: str | None = None) -> None:
        from .history_screen import HistoryScreen

        self._open(HistoryScreen, prompt=prompt)

    def action_show_prompts(self) -> None:
        from .prompts_screen import PromptsScreen

        if isinstance(self.screen, ModalScreen):
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, PromptsScreen):
            self.pop_screen()

    def _open(self, screen_type: type[Screen], **kwargs: Any) -> None:
        if isinstance(self.screen, ModalScreen):
            return  # finish (or esc) the dialog first
        if isinstance(self.screen, screen_type) and not kwargs.get("prompt"):
            return
        current = self.screen
        screen = screen_type(**kwargs)
        if isinstance(current, BaseScreen):
            current.open_screen(screen)
        else:
            self.push_screen(screen)

    def action_show_keys(self) -> None:
        """``?``: every key that works on the current screen, with what it does."""
        if isinstance(self.screen, HelpScreen):
            return
        ours = {
            binding.action
            for cls in (*type(self.screen).__mro__, type(self))
            if cls.__module__.startswith("promptenv_tui.")
            for binding in cls.__dict__.get("BINDINGS", ())
            if isinstance(binding, Binding)
        }
        rows: list[tuple[int, str, str, str]] = []
        seen: set[tuple[str, str]] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if binding.system:
                continue
            description = binding.description or binding.action.replace("_", " ")
            display = self.get_key_display(binding)
            if (display, description) in seen:
                continue
            seen.add((display, description))
            if active.node is self:
                where, rank = "app", 1
            elif isinstance(active.node, Screen):
                where, rank = "screen", 0
            else:
                where, rank = "table", 2
            if binding.action not in ours and rank < 2:
                rank = 3  # Textual's own (focus next, copy): last
            if binding.tooltip:
                description = f"{description} — {binding.tooltip}"
            rows.append((rank, display, description, where))
        rows.append((1, self.get_key_display(Binding("ctrl+p", "command_palette")),
                     "Command palette", "app"))
        rows.sort(key=lambda row: row[0])
        title = getattr(self.screen, "SCREEN_TITLE", type(self.screen).__name__)
        self.push_screen(HelpScreen(title, [row[1:] for row in rows]))

    # --- writes and errors -----------------------------------------------------------------

    def writable(self, what: str) -> bool:
        """False (and say why) when the library was opened read-only."""
        if self.library.read_only:
            self.notify(
                f"Cannot {what}: promptenv was started with --read-only, so nothing can be "
                "changed. Start it without --read-only to make changes.",
                title="Read-only",
                severity="warning",
                markup=False,
            )
            return False
        return True

    SLOW_WRITE = 0.6
    """Seconds after which a write still waiting for the database says so (a locked file waits
    up to the busy timeout: the user must not think the move went through)."""

    def run_write(self, target: BaseScreen, action: str, doing: str, fn: Callable[[], Any],
                  context: Any = None) -> None:
        """Every write runs in a worker: never exclusive, never cancelled by leaving a screen."""
        worker = self._write_worker(target, action, doing, fn, context)

        def still_waiting() -> None:
            if not worker.is_finished:
                self.notify(f"Still waiting for the database to {doing}…", title="Working",
                            timeout=4, markup=False)

        self.set_timer(self.SLOW_WRITE, still_waiting)

    @work(thread=True, group="write", exit_on_error=False)
    def _write_worker(self, target: BaseScreen, action: str, doing: str, fn: Callable[[], Any],
                      context: Any) -> None:
        try:
            result = fn()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a readable message
            message: WriteDone | WriteFailed = WriteFailed(action, doing, exc, context)
        else:
            message = WriteDone(action, doing, result, context)
        if not target.post_message(message):
            # The screen is gone; tell the user here.
            self.post_message(message)

    def on_write_done(self, message: WriteDone) -> None:
        self.notify(f"Done: {message.doing}", markup=False)

    def on_write_failed(self, message: WriteFailed) -> None:
        self.show_error(message.doing, message.error)

    def show_error(self, doing: str, error: BaseException) -> None:
        """One readable notification (or a dialog for a move that lost a race)."""
        if isinstance(error, Conflict) and error.reason == "stale_owner":
            body = Text(f"{doing} did not happen:\n\n")
            body.append(str(error))
            body.append("\n\nThe screen now shows the current owners; decide again.", style="italic")
            self.push_screen(MessageDialog("Someone moved first", body))
            return
        if isinstance(error, PromptEnvError) and error.reason in ("prompt_missing",
                                                                   "version_missing"):
            # Said without the ids the domain names things by.
            title = "Deleted meanwhile"
            what = "prompt" if error.reason == "prompt_missing" else "version"
            text = (f"Could not {doing}: the {what} no longer exists (someone deleted it); "
                    "nothing was changed.")
        elif isinstance(error, PromptEnvError):
            title = ERROR_TITLES.get(error.kind, "Error")
            text = f"Could not {doing}: {error}"
        else:
            title = "Unexpected error"
            text = f"Could not {doing}: {type(error).__name__}: {error}"
        self.notify(text, title=title, severity="error", timeout=10, markup=False)
