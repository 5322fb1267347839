"""Turning domain results into safe, styled text.

Everything a user typed (names, templates, tags, descriptions) reaches the screen as a
``rich.text.Text`` built without markup parsing, so square brackets, ``[/b]``, emoji and
right-to-left scripts are shown as they are and never break rendering.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone

from rich.text import Text

from promptenv_tui.domain import Environment, Version

TIME_FORMAT = "%Y-%m-%d %H:%M"

# {{name}}, {{{name}}}, {{#section}}, {{ jinja.expr }}, {% block %}: the variable-ish parts.
_TEMPLATE_TAGS = re.compile(r"\{\{\{?[^{}]*\}?\}\}|\{%.*?%\}", re.DOTALL)
VARIABLE_STYLE = "bold #E5A50A"


def fmt_time(moment: datetime | None) -> str:
    """A moment in UTC, to the minute (the status line says times are UTC)."""
    if moment is None:
        return ""
    return moment.astimezone(timezone.utc).strftime(TIME_FORMAT)


def fmt_age(moment: datetime | None, now: datetime) -> str:
    """How long ago, in one short word: ``now``, ``5m``, ``3h``, ``2d``, ``4mo``, ``1y``."""
    if moment is None:
        return ""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "now"
    minutes = seconds / 60
    if minutes < 60:
        return f"{int(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{int(hours)}h"
    days = hours / 24
    if days < 60:
        return f"{int(days)}d"
    if days < 730:
        return f"{int(days / 30)}mo"
    return f"{int(days / 365)}y"


def one_line(text: str | None, limit: int | None = None) -> str:
    """Text for a one-line cell: line breaks and tabs become spaces, long text ends in '…'."""
    if not text:
        return ""
    flat = " ".join(text.split())
    if limit is not None and len(flat) > limit:
        return flat[: max(0, limit - 1)] + "…"
    return flat


def cell(text: str | None, limit: int | None = None, style: str = "") -> Text:
    """A table cell holding user text, never parsed as markup."""
    return Text(one_line(text, limit), style=style, no_wrap=True, overflow="ellipsis")


def _contrast(color: str) -> str:
    """Black or white, whichever reads better on ``color`` (``#RRGGBB``)."""
    try:
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    except (ValueError, IndexError):
        return "white"
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    return "black" if luminance > 150 else "white"


def env_style(color: str | None) -> str:
    if not color:
        return "reverse"
    return f"bold {_contrast(color)} on {color}"


def env_badge(name: str, color: str | None) -> Text:
    return Text(f" {name} ", style=env_style(color), no_wrap=True)


def env_badges(names: Iterable[str], colors: dict[str, str | None]) -> Text:
    """Badges for the environments a version owns, each in its environment's colour."""
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, name in enumerate(names):
        if i:
            out.append(" ")
        out.append_text(env_badge(name, colors.get(name.lower())))
    return out


def env_name_text(env: Environment) -> Text:
    return Text(env.name, style=f"bold {env.color}" if env.color else "bold", no_wrap=True)


def highlight_template(template: str) -> Text:
    """The template as it is stored, with ``{{variables}}`` and ``{% tags %}`` highlighted."""
    text = Text(template, no_wrap=False, end="")
    for match in _TEMPLATE_TAGS.finditer(template):
        text.stylize(VARIABLE_STYLE, match.start(), match.end())
    return text


def metadata_text(metadata: dict) -> str:
    if not metadata:
        return ""
    return json.dumps(metadata, ensure_ascii=False, sort_keys=True, indent=1)


def variables_change(before: Sequence[str], after: Sequence[str]) -> tuple[list[str], list[str]]:
    """(added, removed) variables going from ``before`` to ``after``."""
    old, new = set(before), set(after)
    return [v for v in after if v not in old], [v for v in before if v not in new]


def variables_note(before: Sequence[str], after: Sequence[str]) -> Text:
    added, removed = variables_change(before, after)
    out = Text()
    if not added and not removed:
        out.append("variables unchanged", style="dim")
        return out
    if added:
        out.append("⚠ variables added: ", style="bold yellow")
        out.append(", ".join(added), style="green")
    if removed:
        if added:
            out.append("   ")
        out.append("⚠ variables removed: ", style="bold yellow")
        out.append(", ".join(removed), style="red")
    return out


def template_diff(old: str, new: str, old_label: str, new_label: str) -> Text:
    """A coloured unified diff of two templates (``old`` → ``new``)."""
    lines = list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), fromfile=old_label, tofile=new_label, lineterm="", n=3
        )
    )
    out = Text(end="")
    if not lines:
        out.append("templates are identical", style="dim")
        return out
    for i, line in enumerate(lines):
        if i:
            out.append("\n")
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        out.append(line, style=style)
    return out


def version_diff(old: Version | None, new: Version, old_label: str | None = None) -> Text:
    """What changes when ``new`` replaces ``old``: variables added/removed, then the diff."""
    out = Text(end="")
    if old is None:
        out.append(f"nothing is served now; {new.label} would be the first\n", style="italic")
        out.append_text(variables_note((), new.variables))
        return out
    out.append_text(variables_note(old.variables, new.variables))
    out.append("\n")
    out.append_text(template_diff(old.template, new.template, old_label or old.label, new.label))
    return out
