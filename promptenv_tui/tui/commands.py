"""The command palette (ctrl+p): the current screen's actions plus navigation."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

NAVIGATION = (
    ("Go to prompts", "The home screen: every prompt", "show_prompts"),
    ("Go to environments", "The environment registry (E)", "show_environments"),
    ("Go to history", "Every move, newest first (H)", "show_history"),
    ("Show keys", "Every key of this screen (?)", "show_keys"),
    ("Quit", "Leave promptenv (ctrl+q)", "quit"),
)


class PromptEnvCommands(Provider):
    """Builds commands from the screen the palette was opened on."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        out: list[tuple[str, str, Callable[[], object]]] = []
        commands = getattr(screen, "palette_commands", None)
        if commands is not None:
            for title, help_text, action in commands():
                out.append((title, help_text, partial(screen.run_action, action)))
        for title, help_text, action in NAVIGATION:
            out.append((title, help_text, partial(self.app.run_action, action)))
        return out

    async def discover(self) -> Hits:
        for title, help_text, command in self._commands():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, text=title, help=help_text)
