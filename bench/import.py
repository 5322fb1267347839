"""Benchmark of the import of the real history file, and of ``promptenv get`` as a whole process.

1. Imports ``awesome-prompts-history.json.gz`` (958 records, 1,423 versions) with
   ``--skip-invalid`` into a fresh SQLite file and into a throw-away PostgreSQL database, a few
   times each (a new database every time), and prints the times and the counts the import
   reported. Targets: <= 3 s on SQLite, <= 6 s on PostgreSQL. The time is the import alone (the
   schema is created before the clock starts).
2. Gives one imported prompt a production version and runs ``promptenv get NAME --env
   production`` as a new process ~30 times on each database: p50 and p90 wall time (what a deploy
   script waits for, Python start-up included).

    python bench/import.py [--runs 3] [--gets 30] [--pg postgresql://root@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

from promptenv_tui.domain import PromptLibrary
from promptenv_tui.domain import interchange as ix

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PROMPTENV_SHARED_DATA") or ROOT.parent / "shared" / "data")
HISTORY = SHARED / "awesome-prompts-history.json.gz"
PROMPT = "Linux Terminal"


def import_once(url: str) -> tuple[float, ix.ImportReport]:
    with PromptLibrary(url, actor="bench") as library:
        library.open()  # schema and workspace first: not part of the import's time
        start = time.perf_counter()
        report = ix.import_files(library, [HISTORY], skip_invalid=True)
        elapsed = time.perf_counter() - start
        version = library.retrieve_version(PROMPT)
        library.set_version_environments(version.id, ["production"], confirm_protected=True)
    return elapsed, report


def get_times(url: str, runs: int) -> list[float]:
    exe = Path(sys.executable).with_name("promptenv")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "promptenv_tui"]
    command += ["--db", url, "get", PROMPT, "--env", "production"]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0 or not done.stdout:
            raise SystemExit(f"promptenv get failed: {done.stderr.decode().strip()}")
    return times


def describe(report: ix.ImportReport) -> str:
    kinds = ", ".join(f"{n} {ix.kind_label(k)}" for k, n in report.problem_kinds().items())
    return (f"{report.records} records: {report.valid} valid, {report.invalid} invalid "
            f"({kinds}), {report.skipped} skipped; imported {report.prompts_created} prompts, "
            f"{report.versions_created} versions")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="imports per backend")
    parser.add_argument("--gets", type=int, default=30, help="'promptenv get' processes per backend")
    parser.add_argument("--pg", default="postgresql://root@127.0.0.1:5432/test",
                        help="an admin URL of the PostgreSQL server (throw-away databases)")
    args = parser.parse_args()
    if not HISTORY.is_file():
        raise SystemExit(f"{HISTORY} is missing (set PROMPTENV_SHARED_DATA)")
    tmp = Path(tempfile.mkdtemp(prefix="promptenv-bench-"))
    base, _, _ = args.pg.rpartition("/")
    made: list[str] = []
    try:
        for backend in ("sqlite", "postgresql"):
            times, url = [], ""
            for run in range(args.runs):
                if backend == "sqlite":
                    url = f"sqlite:///{tmp / f'import-{run}.db'}"
                else:
                    name = f"promptenv_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
                    with psycopg.connect(args.pg, autocommit=True) as conn:
                        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    made.append(name)
                    url = f"{base}/{name}"
                elapsed, report = import_once(url)
                times.append(elapsed)
            target = 3.0 if backend == "sqlite" else 6.0
            print(f"{backend:<10} import of {HISTORY.name}: "
                  + ", ".join(f"{t:.2f} s" for t in times)
                  + f" (median {statistics.median(times):.2f} s; target <= {target:.0f} s)")
            print(f"{'':<10} reported: {describe(report)}")
            gets = get_times(url, args.gets)
            print(f"{'':<10} promptenv get '{PROMPT}' --env production, {len(gets)} processes: "
                  f"p50 {percentile(gets, 0.5) * 1000:.0f} ms, p90 {percentile(gets, 0.9) * 1000:.0f} ms")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if made:
            with psycopg.connect(args.pg, autocommit=True) as conn:
                for name in made:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                                 .format(sql.Identifier(name)))


if __name__ == "__main__":
    main()
