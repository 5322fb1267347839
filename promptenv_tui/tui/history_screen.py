"""The move records, newest first, filterable by prompt, environment and user."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from promptenv_tui.domain import MoveRecord, Page

from .base import BaseScreen, Failed, KeyTable, StatusLine, every_page
from .formatting import cell, fmt_time


@dataclass(frozen=True)
class HistoryFilter:
    prompt: str = ""
    environment: str = ""
    actor: str = ""

    @property
    def active(self) -> bool:
        return bool(self.prompt or self.environment or self.actor)


class HistoryLoaded(Message, bubble=False):
    def __init__(self, filters: HistoryFilter, page: Page[MoveRecord], keep: str | None,
                 append: bool, *, to_last: bool = False) -> None:
        super().__init__()
        self.filters = filters
        self.page = page
        self.keep = keep
        self.append = append
        self.to_last = to_last


ACTION_STYLES = {"assign": "green", "move": "yellow", "clear": "red"}


class HistoryScreen(BaseScreen):
    SCREEN_TITLE = "History"
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("p", "filter('prompt')", "Prompt filter", show=False),
        Binding("v", "filter('environment')", "Env filter", show=False),
        Binding("u", "filter('actor')", "User filter", show=False),
        Binding("c", "clear_filters", "Clear filters", id="clear_filters"),
    ]

    def __init__(self, prompt: str | None = None, environment: str | None = None,
                 actor: str | None = None) -> None:
        super().__init__()
        self.filters = HistoryFilter(prompt or "", environment or "", actor or "")
        self.records: list[MoveRecord] = []
        self.total = 0
        self.loading_more = False
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("History", style="bold"), classes="screen-title")
        with Horizontal(id="history-filters"):
            yield Input(self.filters.prompt, id="filter-prompt", placeholder="prompt (/ or p)",
                        compact=True, select_on_focus=False)
            yield Input(self.filters.environment, id="filter-environment",
                        placeholder="environment (v)", compact=True, select_on_focus=False)
            yield Input(self.filters.actor, id="filter-actor", placeholder="user (u)", compact=True,
                        select_on_focus=False)
        yield KeyTable(id="history-table")
        yield Static(id="history-empty", classes="empty-state -hidden")
        yield Static(id="history-info", classes="info-line")
        yield StatusLine(self.library)
        yield Footer()

    def on_mount(self) -> None:
        table = self.table
        table.add_column("when", key="at", width=16)
        table.add_column("user", key="actor", width=9)
        table.add_column("prompt", key="prompt", width=16)
        table.add_column("environment", key="environment", width=11)
        table.add_column("change", key="change", width=9)
        table.add_column("cause", key="cause", width=11)
        table.add_column("reason", key="reason")
        self.fetch(self.filters, self.papp.page_size, 1, None, False)

    @property
    def table(self) -> KeyTable:
        return self.query_one("#history-table", KeyTable)

    def reload(self) -> None:
        size = self.papp.page_size
        if self.records:
            size = min(1000, -(-len(self.records) // size) * size)
        self.fetch(self.filters, size, 1, self.table.cursor_key, False)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def fetch(self, filters: HistoryFilter, size: int, page_no: int, keep: str | None,
              append: bool) -> None:
        def run() -> HistoryLoaded:
            page = self.library.history(
                prompt=filters.prompt or None, environment=filters.environment or None,
                actor=filters.actor or None, page=page_no, size=size, match="contains")
            return HistoryLoaded(filters, page, keep, append)

        self.deliver("load the history", run)

    def on_key_table_last_row_wanted(self, event: KeyTable.LastRowWanted) -> None:
        """G/End: load the rest of the history (big pages, off the UI thread), then go to the
        oldest move."""
        event.stop()
        if len(self.records) >= self.total:
            return
        self.loading_more = True
        self.fetch_rest(self.filters)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def fetch_rest(self, filters: HistoryFilter) -> None:
        def run() -> HistoryLoaded:
            rest = every_page(lambda page_no, size: self.library.history(
                prompt=filters.prompt or None, environment=filters.environment or None,
                actor=filters.actor or None, page=page_no, size=size, match="contains"))
            return HistoryLoaded(filters, rest, None, True, to_last=True)

        self.deliver("load the rest of the history", run)

    def after_failure(self, message: Failed) -> None:
        self.loading_more = False

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if message.filters != self.filters:
            return
        self._loaded_once = True
        table = self.table
        if message.append:
            self.loading_more = False
            known = {r.id for r in self.records}
            fresh = [r for r in message.page.items if r.id not in known]
        else:
            keep = message.keep if message.keep is not None else table.cursor_key
            self.loading_more = False
            self.records = []
            fresh = list(message.page.items)
            table.clear()
        self.records.extend(fresh)
        self.total = message.page.total
        for record in fresh:
            table.add_row(*self.row(record), key=str(record.id))
        if not message.append:
            table.restore_cursor(keep)
        elif message.to_last and table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False, scroll=True)
        self.show_info()

    def row(self, record: MoveRecord) -> list[Text]:
        before = f"v{record.from_version_number}" if record.from_version_number else "—"
        after = f"v{record.to_version_number}" if record.to_version_number else "—"
        return [
            Text(fmt_time(record.at)),
            cell(record.actor, 9),
            cell(record.prompt_name, 16),
            cell(record.environment_name or "—", 11),
            Text(f"{before} → {after}", style=ACTION_STYLES.get(record.action, "")),
            Text(record.cause.replace("_", " "), style="dim"),
            cell(record.reason, 200),
        ]

    def show_info(self) -> None:
        empty = self.query_one("#history-empty", Static)
        if not self.records:
            if self.filters.active:
                empty.update(Text("No move matches these filters.\nPress c to clear them."))
            else:
                empty.update(Text("No moves yet.\nOpen a prompt (esc, then enter) and press e to "
                                  "give a version an environment."))
            empty.remove_class("-hidden")
            self.table.add_class("-hidden")
        else:
            empty.add_class("-hidden")
            self.table.remove_class("-hidden")
        info = Text(f"{len(self.records):,} of {self.total:,} moves, newest first", style="bold")
        if self.filters.active:
            info.append(" · filtered", style="dim")
        self.query_one("#history-info", Static).update(info)

    @on(DataTable.RowHighlighted, "#history-table")
    def _maybe_more(self, event: DataTable.RowHighlighted) -> None:
        if self.loading_more or len(self.records) >= self.total:
            return
        if event.cursor_row >= len(self.records) - min(20, self.papp.page_size // 2):
            self.loading_more = True
            size = self.papp.page_size
            self.fetch(self.filters, size, len(self.records) // size + 1, None, True)

    # --- filters -------------------------------------------------------------------------

    def action_filter(self, which: str = "prompt") -> None:
        self.set_focus(self.query_one(f"#filter-{which}", Input))

    def action_clear_filters(self) -> None:
        for box in self.query("#history-filters Input").results(Input):
            box.value = ""
        self._apply()

    @on(Input.Changed, "#history-filters Input")
    def _changed(self, _event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        if self.papp.filter_debounce <= 0:
            self._apply()
        else:
            self._debounce = self.set_timer(self.papp.filter_debounce, self._apply)

    @on(Input.Submitted, "#history-filters Input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply()
        self.table.focus()

    def _apply(self) -> None:
        self._debounce = None
        filters = HistoryFilter(
            self.query_one("#filter-prompt", Input).value.strip(),
            self.query_one("#filter-environment", Input).value.strip(),
            self.query_one("#filter-actor", Input).value.strip(),
        )
        if filters == self.filters:
            return
        self.filters = filters
        self.records = []
        self.fetch(filters, self.papp.page_size, 1, None, False)
