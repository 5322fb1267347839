"""The home screen: every prompt, filtered in the database as you type, loaded page by page."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from promptenv_tui.domain import Environment, Page, Prompt, PromptDetail

from .base import BaseScreen, Failed, KeyTable, StatusLine, every_page
from .dialogs import NewPromptDialog
from .formatting import cell, env_style, fmt_age, fmt_time, one_line

SORTS = ("name", "version_count", "updated", "created")
SORT_LABELS = {"name": "name", "version_count": "versions", "updated": "updated", "created": "created"}
# Which column header sorts by what (clicking a header).
COLUMN_SORTS = {"name": "name", "versions": "version_count", "updated": "updated"}
DEFAULT_DESCENDING = {"name": False, "version_count": True, "updated": True, "created": True}
NAME_WIDTH = 20
MORE_THRESHOLD = 20
"""Load the next page when the cursor comes this close to the last loaded row."""


@dataclass(frozen=True)
class PromptQuery:
    search: str = ""
    sort: str = "name"
    descending: bool = False


class PromptsLoaded(Message, bubble=False):
    def __init__(self, query: PromptQuery, environments: tuple[Environment, ...] | None,
                 page: Page[Prompt], keep: str | None, append: bool,
                 to_last: bool = False) -> None:
        super().__init__()
        self.to_last = to_last
        self.query = query
        self.environments = environments
        self.page = page
        self.keep = keep
        self.append = append


class PromptsScreen(BaseScreen):
    SCREEN_TITLE = "Prompts"
    HOME = True
    BINDINGS = [
        Binding("enter", "open", "Open", id="open", show=False),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("n", "new_prompt", "New prompt", id="new_prompt"),
        Binding("s", "cycle_sort", "Sort", id="sort"),
        Binding("S", "reverse_sort", "Reverse sort", id="reverse_sort", show=False),
        Binding("escape", "back", "Clear filter", id="back", show=False),
        Binding("q", "back_or_quit", "Quit", id="back_or_quit"),
        Binding("r", "refresh", "Refresh", id="refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_state = PromptQuery()
        self.environments: tuple[Environment, ...] = ()
        self.prompts: list[Prompt] = []
        self.total = 0
        self.loading_more = False
        self._debounce: Timer | None = None
        self._columns_key: tuple | None = None
        self.load_error: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Prompts", style="bold"), id="prompts-title", classes="screen-title")
        yield Input(id="prompts-filter", placeholder="filter by name (enter: back to the table)",
                    classes="-hidden", compact=True, select_on_focus=False)
        yield KeyTable(id="prompts-table", fixed_columns=1)
        yield Static(id="prompts-empty", classes="empty-state -hidden")
        yield Static(id="prompts-info", classes="info-line")
        yield StatusLine(self.library)
        yield Footer()

    def on_mount(self) -> None:
        self.load(with_environments=True)

    @property
    def table(self) -> KeyTable:
        return self.query_one("#prompts-table", KeyTable)

    # --- loading ------------------------------------------------------------------------

    def load(self, *, with_environments: bool = False, keep: str | None = None) -> None:
        size = self.papp.page_size
        if self.prompts:
            # A refresh reloads what is loaded (up to 1000 rows) so the cursor keeps its row.
            pages = -(-len(self.prompts) // size)
            size = min(1000, pages * size)
        self.fetch_prompts(self.query_state, size, with_environments, keep)

    def reload(self) -> None:
        self.load(with_environments=True, keep=self.table.cursor_key)

    @work(thread=True, exclusive=True, group="prompts", exit_on_error=False)
    def fetch_prompts(self, query: PromptQuery, size: int, with_environments: bool,
                      keep: str | None) -> None:
        def run() -> PromptsLoaded:
            envs = self.library.list_environments() if with_environments else None
            page = self.library.list_prompts(
                page=1, size=size, search=query.search or None, sort=query.sort,
                descending=query.descending,
            )
            return PromptsLoaded(query, envs, page, keep, append=False)

        self.deliver("load prompts", run)

    @work(thread=True, exclusive=True, group="prompts-more", exit_on_error=False)
    def fetch_more(self, query: PromptQuery, page_no: int, size: int) -> None:
        def run() -> PromptsLoaded:
            page = self.library.list_prompts(
                page=page_no, size=size, search=query.search or None, sort=query.sort,
                descending=query.descending,
            )
            return PromptsLoaded(query, None, page, None, append=True)

        self.deliver("load more prompts", run)

    def on_key_table_last_row_wanted(self, event: KeyTable.LastRowWanted) -> None:
        """G/End: load every remaining row (in big pages, off the UI thread), then go to the
        last one."""
        event.stop()
        if len(self.prompts) >= self.total:
            return
        self.loading_more = True
        self.fetch_rest(self.query_state)
        self.show_info()

    @work(thread=True, exclusive=True, group="prompts-more", exit_on_error=False)
    def fetch_rest(self, query: PromptQuery) -> None:
        def run() -> PromptsLoaded:
            rest = every_page(lambda page_no, size: self.library.list_prompts(
                page=page_no, size=size, search=query.search or None, sort=query.sort,
                descending=query.descending))
            return PromptsLoaded(query, None, rest, None, append=True, to_last=True)

        self.deliver("load the remaining prompts", run)

    def on_prompts_loaded(self, message: PromptsLoaded) -> None:
        if message.query != self.query_state:
            return  # an answer to a filter the user has since changed
        self._loaded_once = True
        self.load_error = None
        table = self.table
        if message.environments is not None:
            self.environments = message.environments
        if message.append:
            self.loading_more = False
            # Rows already in the table count as known too: the list may have been emptied for
            # a new load whose answer has not come yet (a filter typed, deleted and typed again
            # gives the same query, and an older page's answer would add its rows twice).
            known = {p.id for p in self.prompts} | {key.value for key in table.rows}
            fresh = [p for p in message.page.items if p.id not in known]
            self.prompts.extend(fresh)
            self.total = message.page.total
            for prompt in fresh:
                table.add_row(*self.row(prompt), key=prompt.id)
            if message.to_last and table.row_count:
                table.move_cursor(row=table.row_count - 1, animate=False, scroll=True)
            self.show_info()
            return
        keep = message.keep if message.keep is not None else table.cursor_key
        self.loading_more = False
        self.prompts = list(message.page.items)
        self.total = message.page.total
        self.build_columns()
        table.clear()
        for prompt in self.prompts:
            table.add_row(*self.row(prompt), key=prompt.id)
        table.restore_cursor(keep)
        self.show_info()

    def after_failure(self, message: Failed) -> None:
        self.loading_more = False
        if not message.doing.startswith("load more"):
            self.load_error = str(message.error)
            self.prompts = []
            self.total = 0
            self.table.clear()
        self.show_info()

    def build_columns(self) -> None:
        key = (tuple((e.id, e.name, e.color) for e in self.environments), self.query_state.sort,
               self.query_state.descending)
        if key == self._columns_key:
            return
        self._columns_key = key
        table = self.table
        table.clear(columns=True)
        arrow = "▼" if self.query_state.descending else "▲"

        def label(text: str, sort: str | None, sorted_text: str | None = None) -> Text:
            """``sorted_text``: a shorter label that leaves room for the arrow."""
            if sort == self.query_state.sort:
                return Text(f"{sorted_text or text} {arrow}", style="bold")
            return Text(text)

        table.add_column(label("name", "name"), key="name", width=NAME_WIDTH)
        table.add_column(label("vers", "version_count", "v"), key="versions", width=4)
        table.add_column(label("latest", "created"), key="latest", width=8)
        for env in self.environments:
            width = min(max(len(env.name), 4), 8)
            table.add_column(Text(one_line(env.name, width), style=env_style(env.color)),
                             key=f"env:{env.id}", width=width)
        table.add_column("tags", key="tags", width=14)
        table.add_column(label("updated", "updated"), key="updated", width=16)

    def row(self, prompt: Prompt) -> list[Text]:
        now = self.papp.clock()
        latest = prompt.latest_version
        latest_text = Text(no_wrap=True)
        if latest is None:
            latest_text.append("—", style="dim")
        else:
            latest_text.append(latest.label, style="bold")
            latest_text.append(f" {fmt_age(latest.created_at, now)}", style="dim")
        cells = [
            cell(prompt.name, NAME_WIDTH),
            Text(str(prompt.version_count), justify="right"),
            latest_text,
        ]
        for env in self.environments:
            owner = prompt.owner_of(env.name)
            if owner is None:
                cells.append(Text("·", style="dim"))
            else:
                cells.append(Text(f"v{owner.version_number}", style=f"bold {env.color or ''}".strip()))
        cells.append(cell(", ".join(prompt.tags), 14, style="italic"))
        cells.append(Text(fmt_time(prompt.updated_at), style="dim"))
        return cells

    def show_info(self) -> None:
        table = self.table
        empty = self.query_one("#prompts-empty", Static)
        search = self.query_state.search
        if not self.prompts:
            if self.load_error:
                text = Text("Could not load the prompts:\n")
                text.append(self.load_error)
                text.append("\nPress r to try again, ctrl+q to quit.")
            elif search:
                text = Text("No prompt name contains “")
                text.append(search, style="bold")
                text.append("”.\nPress esc to clear the filter, or n to create a prompt.")
            elif self.library.read_only:
                text = Text("No prompts in this workspace yet.\n"
                            "promptenv is read-only (--read-only), so none can be created here.")
            else:
                text = Text("No prompts yet.\nPress n to create your first prompt, "
                            "or E to look at the environments.")
            empty.update(text)
            empty.remove_class("-hidden")
            table.add_class("-hidden")
        else:
            empty.add_class("-hidden")
            table.remove_class("-hidden")
        if search:  # a filter in force is always shown with its box
            self.query_one("#prompts-filter", Input).remove_class("-hidden")
        order = "descending" if self.query_state.descending else "ascending"
        info = Text()
        matching = " matching" if search else ""
        info.append(f"{len(self.prompts):,} of {self.total:,}{matching} prompts", style="bold")
        info.append(f" · sorted by {SORT_LABELS[self.query_state.sort]} ({order})", style="dim")
        if search:
            info.append(" · filter: ", style="dim")
            info.append(search)
        if self.loading_more:
            info.append(" · loading more…", style="dim")
        self.query_one("#prompts-info", Static).update(info)

    @on(DataTable.RowHighlighted, "#prompts-table")
    def _maybe_more(self, event: DataTable.RowHighlighted) -> None:
        self.maybe_load_more(event.cursor_row)

    def maybe_load_more(self, row: int) -> None:
        if self.loading_more or len(self.prompts) >= self.total:
            return
        if row >= len(self.prompts) - min(MORE_THRESHOLD, self.papp.page_size // 2):
            self.loading_more = True
            size = self.papp.page_size
            page_no = len(self.prompts) // size + 1
            self.fetch_more(self.query_state, page_no, size)
            self.show_info()

    # --- keys -----------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#prompts-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.open_prompt(event.row_key.value)

    def action_open(self) -> None:
        key = self.table.cursor_key
        if key is not None:
            self.open_prompt(key)

    def open_prompt(self, prompt_id: str | None) -> None:
        if prompt_id is None:
            return
        from .prompt_screen import PromptScreen

        self.open_screen(PromptScreen(prompt_id))

    def action_filter(self) -> None:
        box = self.query_one("#prompts-filter", Input)
        box.remove_class("-hidden")
        # Focus now, not after a refresh: keys typed right after '/' must land in the box.
        self.set_focus(box)

    def action_back(self) -> None:
        box = self.query_one("#prompts-filter", Input)
        if box.value:
            box.value = ""  # Changed → reload without the filter
        box.add_class("-hidden")
        self.table.focus()

    @on(Input.Changed, "#prompts-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        value = event.value

        def apply() -> None:
            self._debounce = None
            if value.strip() != self.query_state.search:
                self.query_state = replace(self.query_state, search=value.strip())
                self.prompts = []
                self.fetch_prompts(self.query_state, self.papp.page_size, False, None)

        if self.papp.filter_debounce <= 0:
            apply()
        else:
            self._debounce = self.set_timer(self.papp.filter_debounce, apply)

    @on(Input.Submitted, "#prompts-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            event.input.add_class("-hidden")
        self.table.focus()

    def set_sort(self, sort: str, descending: bool) -> None:
        self.query_state = replace(self.query_state, sort=sort, descending=descending)
        self.prompts = []
        self.fetch_prompts(self.query_state, self.papp.page_size, False, self.table.cursor_key)

    def action_cycle_sort(self) -> None:
        sort = SORTS[(SORTS.index(self.query_state.sort) + 1) % len(SORTS)]
        self.set_sort(sort, DEFAULT_DESCENDING[sort])

    def action_reverse_sort(self) -> None:
        self.set_sort(self.query_state.sort, not self.query_state.descending)

    @on(DataTable.HeaderSelected, "#prompts-table")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value or ""
        sort = COLUMN_SORTS.get(key) or ("created" if key == "latest" else None)
        if sort is None:
            return
        if sort == self.query_state.sort:
            self.action_reverse_sort()
        else:
            self.set_sort(sort, DEFAULT_DESCENDING[sort])

    def action_new_prompt(self, initial: dict | None = None) -> None:
        if not self.writable("create a prompt"):
            return

        def created(answer: dict | None) -> None:
            if not answer:
                return
            lib = self.library
            self.write(
                "create_prompt", f"create prompt '{one_line(answer['name'], 40)}'",
                lambda: lib.create_prompt(answer["name"], description=answer["description"],
                                          tags=answer["tags"], template=answer["template"],
                                          template_structure=answer["template_structure"]),
                context=answer,
            )

        self.app.push_screen(NewPromptDialog(initial), created)

    def retry_create_prompt(self, answer: dict) -> None:
        """The create failed: give the user back what they typed."""
        self.action_new_prompt(answer)

    def done_create_prompt(self, detail: PromptDetail, _context: object) -> None:
        note = f"Created prompt {one_line(detail.prompt.name, 40)}"
        if detail.latest_version:
            note += f" with {detail.latest_version.label}"
        self.notify(note, markup=False)
        self.load(with_environments=True, keep=detail.prompt.id)
        self.open_prompt(detail.prompt.id)
