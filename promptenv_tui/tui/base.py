"""What every screen shares: the status line, the table with vim keys, worker plumbing.

Threads never touch widgets: a worker calls the domain, then posts a Message; the handlers,
on the UI thread, update widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from promptenv_tui.domain import Page

if TYPE_CHECKING:
    from promptenv_tui.domain import PromptLibrary

    from .app import PromptEnvApp


class Failed(Message, bubble=False):
    """A read worker failed; ``doing`` says what it was doing ("loading prompts")."""

    def __init__(self, doing: str, error: BaseException) -> None:
        super().__init__()
        self.doing = doing
        self.error = error


class WriteDone(Message, bubble=False):
    """A write finished. ``action`` names what the screen asked for (``move``, ``tags``, ...)."""

    def __init__(self, action: str, doing: str, result: Any, context: Any = None) -> None:
        super().__init__()
        self.action = action
        self.doing = doing
        self.result = result
        self.context = context


class WriteFailed(Message, bubble=False):
    def __init__(self, action: str, doing: str, error: BaseException, context: Any = None) -> None:
        super().__init__()
        self.action = action
        self.doing = doing
        self.error = error
        self.context = context


class KeyTable(DataTable):
    """A row-cursor table with vim keys (hidden from the footer)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "scroll_top", "First row", show=False),
        Binding("G,end", "scroll_bottom", "Last row", show=False),
    ]

    class LastRowWanted(Message):
        """``G``/``End``: the user wants the real last row (a paged screen loads the rest)."""

    def action_scroll_bottom(self) -> None:
        super().action_scroll_bottom()
        self.post_message(self.LastRowWanted())

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (a database id), or None."""
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - an empty or changing table
            return None

    def restore_cursor(self, key: str | None) -> None:
        """Put the cursor back on the row keyed ``key`` (or the first row)."""
        row = 0
        if key is not None:
            try:
                row = self.get_row_index(key)
            except Exception:  # noqa: BLE001 - the row is gone
                row = 0
        if self.row_count:
            self.move_cursor(row=row, animate=False, scroll=True)


def every_page(fetch: Callable[[int, int], Page], size: int = 1000) -> Page:
    """All the items of a paged list, ``fetch(page, size)`` being one domain call a page (run
    it in a worker): for G/End, which go to the real last row."""
    items: list = []
    page_no = 1
    while True:
        page = fetch(page_no, size)
        items.extend(page.items)
        if len(items) >= page.total or not page.items:
            return Page(tuple(items), page.total, 1, len(items) or 1)
        page_no += 1


def middle_ellipsis(text: str, limit: int) -> str:
    """``sqlite:////home/…/promptenv.db``: the start and the end are what tell paths apart."""
    if len(text) <= limit:
        return text
    head = limit // 3
    return text[:head] + "…" + text[-(limit - head - 1):]


class StatusLine(Static):
    """Database (password hidden), workspace, user and read-only state."""

    def __init__(self, library: PromptLibrary) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if library.read_only:
            text.append("READ-ONLY", style="bold reverse #E5A50A")
            text.append("  ")
        text.append("workspace ", style="dim")
        text.append(library.workspace, style="bold")
        text.append("  user ", style="dim")
        text.append(library.actor, style="bold")
        text.append("  times UTC", style="dim")
        text.append("  db ", style="dim")
        text.append(middle_ellipsis(library.display_url, 56))
        super().__init__(text, classes="status-line")


class BaseScreen(Screen):
    """A screen of the console: back/quit/refresh/help keys, and worker plumbing."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("q", "back_or_quit", "Back", id="back_or_quit", show=False),
        Binding("r", "refresh", "Refresh", id="refresh", show=False),
    ]
    AUTO_FOCUS = "DataTable"
    HOME = False

    @property
    def papp(self) -> PromptEnvApp:
        return self.app  # type: ignore[return-value]

    @property
    def library(self) -> PromptLibrary:
        return self.papp.library

    # --- keys every screen has --------------------------------------------------------

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.focus_main()
            return
        if not self.HOME:
            self.app.pop_screen()

    def action_back_or_quit(self) -> None:
        if self.HOME:
            self.app.exit()
        else:
            self.app.pop_screen()

    def action_refresh(self) -> None:
        self.reload()

    def focus_main(self) -> None:
        tables = self.query(DataTable)
        if tables:
            tables.first().focus()

    def reload(self) -> None:
        """Load what the screen shows again, keeping the cursor on the same row."""

    def mark_stale(self) -> None:
        """Reload when this screen is shown again (something changed while it was covered)."""
        self._stale = True

    def open_screen(self, screen: Screen) -> None:
        """Push another full screen; coming back here reloads (things may have changed)."""
        self._stale = True
        self.app.push_screen(screen)

    def on_screen_resume(self) -> None:
        if getattr(self, "_leave_on_resume", False):
            self.app.pop_screen()
            return
        if getattr(self, "_stale", False):
            self._stale = False
            self.reload()

    def leave(self) -> None:
        """Go back to the screen below: now if this one is on top, else once the dialog over it
        closes."""
        if self.app.screen is self:
            self.app.pop_screen()
        else:
            self._leave_on_resume = True

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette: the screen's bindings by default."""
        out = []
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.description and binding.action not in (
                "back", "back_or_quit"
            ):
                out.append((binding.description, binding.tooltip or "", binding.action))
        return out

    # --- workers ------------------------------------------------------------------------

    def deliver(self, doing: str, fn: Callable[[], Message]) -> None:
        """Run inside a thread worker: call the domain through ``fn``, post its message, or a
        ``Failed`` one; nothing is posted once the worker is cancelled (a newer one runs)."""
        worker = get_current_worker()
        try:
            message = fn()
        except Exception as exc:  # noqa: BLE001 - every failure becomes a readable message
            if not worker.is_cancelled:
                self.post_message(Failed(doing, exc))
            return
        if not worker.is_cancelled:
            self.post_message(message)

    @property
    def settled(self) -> bool:
        """The screen has shown its first answer from the database, or its failure (keys typed
        before then wait for it)."""
        return getattr(self, "_loaded_once", False) or getattr(self, "_load_failed", False)

    def on_failed(self, message: Failed) -> None:
        self._load_failed = True
        self.papp.show_error(message.doing, message.error)
        self.after_failure(message)

    def after_failure(self, message: Failed) -> None:
        """Hook: put the screen in a sensible state after a read failed."""

    def on_write_done(self, message: WriteDone) -> None:
        handler = getattr(self, f"done_{message.action}", None)
        if handler is not None:
            handler(message.result, message.context)
        else:
            self.reload()

    def on_write_failed(self, message: WriteFailed) -> None:
        self.papp.show_error(message.doing, message.error)
        # Whatever happened, show the truth again.
        self.reload()
        retry = getattr(self, f"retry_{message.action}", None)
        if retry is not None:
            retry(message.context)

    def write(self, action: str, doing: str, fn: Callable[[], Any], context: Any = None) -> None:
        """Start a write (never cancelled); its result comes back as WriteDone/WriteFailed."""
        self.papp.run_write(self, action, doing, fn, context)

    def writable(self, what: str) -> bool:
        return self.papp.writable(what)
