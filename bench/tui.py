"""Benchmark of the console on 10,000 prompts x 20 versions, on SQLite and PostgreSQL.

Prints the time from process start to the prompts table painted, and from a filter keystroke
reaching the app to the table updated with the database's answer (the app's filter debounce
included; Textual's test pilot's own key-press bookkeeping excluded). Each figure is measured in a fresh
process running the real app headless (Textual's run_test), the way a user's start-up would run.

    python bench/tui.py [--prompts 10000] [--versions 20] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ADMIN = "postgresql://root@127.0.0.1:5432/test"


async def _probe(url: str, started: float) -> dict:
    from textual import events
    from textual.widgets import DataTable

    from promptenv_tui.domain import PromptLibrary
    from promptenv_tui.tui.app import PromptEnvApp
    from promptenv_tui.tui.prompts_screen import PromptsScreen

    keys: list[float] = []
    updated: list[tuple[str, float]] = []
    handler = PromptsScreen.on_prompts_loaded

    def timed_handler(screen, message) -> None:
        handler(screen, message)
        updated.append((message.query.search, time.time()))

    PromptsScreen.on_prompts_loaded = timed_handler

    def hook(message) -> None:
        if isinstance(message, events.Key):
            keys.append(time.time())

    library = PromptLibrary(url, actor="bench")
    app = PromptEnvApp(library)
    out: dict = {}
    async with app.run_test(size=(120, 40), message_hook=hook) as pilot:
        table = app.screen.query_one("#prompts-table", DataTable)
        while table.row_count == 0:
            await pilot.pause(0.001)
        await pilot.pause()  # the frame with the rows is rendered
        out["paint"] = time.time() - started
        out["rows"] = table.row_count
        await pilot.press("slash")
        await pilot.pause(0.2)
        keys.clear()
        await pilot.press("7")  # the pilot's own bookkeeping is not counted: timing starts at the key
        while not updated or updated[-1][0] != "7":
            await pilot.pause(0.001)
        # From the key event reaching the app to the table holding the filtered rows.
        out["filter"] = updated[-1][1] - keys[0]
        out["filtered_rows"] = table.row_count
    library.close()
    return out


def probe(url: str, started: float) -> None:
    import asyncio

    print(json.dumps(asyncio.run(_probe(url, started))))


def run_probe(url: str) -> dict:
    started = time.time()
    proc = subprocess.run([sys.executable, __file__, "--probe", url, "--started", repr(started)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(label: str, url: str, runs: int) -> None:
    results = [run_probe(url) for _ in range(runs)]
    paint = [r["paint"] * 1000 for r in results]
    filt = [r["filter"] * 1000 for r in results]
    print(f"{label:<11} first paint median {statistics.median(paint):7.1f} ms (min {min(paint):.1f}, "
          f"max {max(paint):.1f}) | filter keystroke -> table updated median "
          f"{statistics.median(filt):6.1f} ms (min {min(filt):.1f}, max {max(filt):.1f}) | "
          f"{results[0]['rows']} rows shown, {results[0]['filtered_rows']} after filter '7'")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg", default=ADMIN)
    parser.add_argument("--probe")
    parser.add_argument("--started", type=float)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe, args.started)
        return

    sys.path.insert(0, str(HERE))
    from move import seed

    import psycopg

    from promptenv_tui.domain import PromptLibrary

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'tui.db'}"
        lib = PromptLibrary(url, actor="bench")
        seed(lib, args.prompts, args.versions, owners=True)
        lib.close()
        measure("SQLite", url, args.runs)

    name = f"promptenv_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(args.pg, autocommit=True)
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: {exc}")
        return
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = args.pg.rsplit("/", 1)[0] + "/" + name
        lib = PromptLibrary(url, actor="bench")
        seed(lib, args.prompts, args.versions, owners=True)
        lib.close()
        measure("PostgreSQL", url, args.runs)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
