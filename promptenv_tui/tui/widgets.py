"""Reusable widgets of the console."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TextView(ScrollView, can_focus=True):
    """Scrolling, soft-wrapped, styled text that stays quick for 100 KB templates.

    The text is wrapped once per width and only the visible lines are rendered (the Line API),
    unlike a ``Static`` which wraps all of it on every layout pass.
    """

    DEFAULT_CSS = """
    TextView {
        height: 1fr;
        overflow-y: scroll;
        overflow-x: hidden;
        scrollbar-gutter: stable;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._text = Text()
        self._lines: list[Text] = []
        self._wrapped_width = -1
        self._cache: LRUCache[int, Strip] = LRUCache(512)

    @property
    def text(self) -> Text:
        return self._text

    @property
    def plain(self) -> str:
        return self._text.plain

    def update(self, text: Text) -> None:
        self._text = text
        self._wrapped_width = -1
        self._lines = []
        self.virtual_size = Size(0, 0)
        self.scroll_to(0, 0, animate=False)
        # Wrap once the layout has settled (a first layout may have another width).
        self.call_after_refresh(self._rewrap)

    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def _rewrap(self) -> None:
        if not self.size.width:
            return  # not laid out yet: on_resize wraps
        width = self._content_width()
        if width == self._wrapped_width:
            return
        self._wrapped_width = width
        self._cache.clear()
        if self.is_mounted and self.app is not None and self._text.plain:
            self._lines = list(self._text.wrap(self.app.console, width, overflow="fold"))
        else:
            self._lines = []
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        self._rewrap()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        rich_style = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, rich_style)
        strip = self._cache.get(index)
        if strip is None:
            line = self._lines[index]
            segments = list(line.render(self.app.console))
            strip = Strip(segments, cell_len(line.plain)).apply_style(rich_style)
            self._cache[index] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, rich_style).apply_offsets(scroll_x, index)
