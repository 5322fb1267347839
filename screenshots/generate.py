"""Regenerate the README's pictures: the real app on the demo set, driven by key presses.

    python screenshots/generate.py

Builds the demo database in a temporary folder with a fixed "now" (so ages and dates are the same
on every run), opens the console headless at 120x32, presses keys as a user would, and saves one
SVG per screen next to this file.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from promptenv_tui.demo import build_demo
from promptenv_tui.domain import PromptLibrary
from promptenv_tui.tui.app import PromptEnvApp

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)
SIZE = (120, 32)

# (file name, keys pressed from the home screen)
SHOTS = [
    ("prompts", []),
    ("prompts-filtered", ["slash", *"summar", "enter"]),
    ("prompt", ["slash", *"intent", "enter", "enter"]),
    ("move-review", ["slash", *"intent", "enter", "enter", "e", "down", "down", "space", "enter"]),
    ("diff", ["slash", *"intent", "enter", "enter", "d", "end", "enter"]),
    ("environments", ["E"]),
    ("history", ["H"]),
]


async def settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause(0.1)


async def shoot(name: str, keys: list[str]) -> Path:
    library = PromptLibrary("sqlite:///demo.db", actor="maria")
    app = PromptEnvApp(library, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    library.close()
    return HERE / f"{name}.svg"


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the status line then reads sqlite:///demo.db on every machine
        build_demo(Path(tmp) / "demo.db", now=NOW)
        for name, keys in SHOTS:
            print(await shoot(name, keys))


if __name__ == "__main__":
    asyncio.run(main())
