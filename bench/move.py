"""Benchmark of the move (set a version's environments) on SQLite and PostgreSQL.

Seeds 1,000 prompts x 20 versions, then times moves through PromptLibrary and the same statements
through the bare driver (sqlite3, psycopg) as the floor. Then 8 processes x 200 moves on 10
prompts on PostgreSQL: moves per second, errors, and the invariant check.

    python bench/move.py [--prompts 1000] [--versions 20] [--moves 2000] [--pg URL]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sqlite3
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import sqlalchemy as sa
from uuid6 import uuid7

from promptenv_tui.domain import PromptLibrary
from promptenv_tui.domain.invariants import check_invariants
from promptenv_tui.domain.schema import moves as M
from promptenv_tui.domain.schema import ownerships as O
from promptenv_tui.domain.schema import prompts as P
from promptenv_tui.domain.schema import versions as V

ADMIN = "postgresql://root@127.0.0.1:5432/test"


def seed(lib: PromptLibrary, n_prompts: int, n_versions: int, *, owners: bool = False) -> list[list[str]]:
    """Bulk-load prompts and versions in one transaction; returns version ids per prompt. With
    ``owners``, development/staging/production are given to the last three versions, each with
    its move record (so the history replays to the owners)."""
    ws = lib._ws()
    now = datetime.now(timezone.utc)
    prompt_rows, version_rows, ids = [], [], []
    for i in range(n_prompts):
        pid = str(uuid7())
        name = f"bench-prompt-{i:05d}"
        prompt_rows.append(dict(id=pid, workspace_id=ws, name=name, name_key=name, description=None,
                                tags=[], template_structure="text", version_counter=n_versions,
                                created_at=now, created_by="bench", updated_at=now, updated_by="bench"))
        vids = []
        for n in range(1, n_versions + 1):
            vid = uuid7()
            vids.append(str(vid))
            version_rows.append(dict(id=str(vid), prompt_id=pid, workspace_id=ws, commit=vid.hex[-8:],
                                     version_number=n, template=f"Prompt {i} version {n}: {{{{input}}}}",
                                     type="mustache", metadata={}, change_description=None, tags=[],
                                     created_at=now, created_by="bench"))
        ids.append(vids)

    owner_rows, move_rows = [], []
    if owners:
        envs = {e.name: e.id for e in lib.list_environments()}
        for (p, vids) in zip(prompt_rows, ids):
            for back, env in enumerate(("production", "staging", "development"), start=3):
                if env not in envs or len(vids) < back:
                    continue
                n = len(vids) - back + 1
                owner_rows.append(dict(prompt_id=p["id"], environment_id=envs[env], version_id=vids[n - 1],
                                       workspace_id=ws, since=now, by="bench"))
                move_rows.append(dict(workspace_id=ws, batch=str(uuid.uuid4()), at=now, actor="bench",
                                      action="assign", cause="set", prompt_id=p["id"], prompt_name=p["name"],
                                      prompt_key=p["name_key"], environment_id=envs[env], environment_name=env,
                                      from_version_id=None, from_version_number=None,
                                      to_version_id=vids[n - 1], to_version_number=n, reason=None))

    def load(conn, _ws):
        conn.execute(sa.insert(P), prompt_rows)
        for rows, table in ((version_rows, V), (owner_rows, O), (move_rows, M)):
            for start in range(0, len(rows), 5000):
                conn.execute(sa.insert(table), rows[start:start + 5000])

    lib._write(load)
    return ids


def pct(samples: list[float], p: float) -> float:
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))] * 1000


def time_library(lib: PromptLibrary, ids: list[list[str]], n: int) -> list[float]:
    rng = random.Random(1)
    out = []
    for _ in range(n):
        vid = rng.choice(rng.choice(ids))
        start = time.perf_counter()
        lib.set_version_environments(vid, ["staging"])
        out.append(time.perf_counter() - start)
    return out


# The same statements the library issues for a move that changes one owner, by the bare driver.
SELECT_VERSION = ('SELECT v.id, v.prompt_id, v.version_number, p.name, p.name_key FROM versions v '
                  'JOIN prompts p ON p.id = v.prompt_id WHERE v.id = {p} AND v.workspace_id = {p}')
SELECT_REGISTRY = 'SELECT id, name, name_key, protected FROM environments WHERE workspace_id = {p}'
SELECT_OWNERS = ('SELECT o.prompt_id, o.environment_id, o.version_id, o.since, o.by, v.version_number, '
                 'e.name FROM ownerships o JOIN versions v ON v.id = o.version_id JOIN environments e '
                 'ON e.id = o.environment_id WHERE o.prompt_id IN ({p}) ORDER BY o.prompt_id, e.position')
UPSERT_OWNER = ('INSERT INTO ownerships (prompt_id, environment_id, version_id, workspace_id, since, by) '
                'VALUES ({p}, {p}, {p}, {p}, {p}, {p}) ON CONFLICT (prompt_id, environment_id) DO UPDATE '
                'SET version_id = excluded.version_id, since = excluded.since, by = excluded.by')
INSERT_MOVE = ('INSERT INTO moves (workspace_id, batch, at, actor, action, cause, prompt_id, prompt_name, '
               'prompt_key, environment_id, environment_name, from_version_id, from_version_number, '
               'to_version_id, to_version_number, reason) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, '
               '{p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}) RETURNING id')


def bare_move(cur, p: str, begin: str, commit, ws: int, vid: str, lock: str) -> None:
    cur.execute(begin)
    cur.execute(SELECT_VERSION.format(p=p) + lock, (vid, ws))
    version = cur.fetchone()
    cur.execute(SELECT_REGISTRY.format(p=p), (ws,))
    registry = {r[2]: r for r in cur.fetchall()}
    cur.execute(SELECT_OWNERS.format(p=p), (version[1],))
    owners = {r[1]: r for r in cur.fetchall()}
    env = registry["staging"]
    before = owners.get(env[0])
    ts = datetime.now(timezone.utc)
    ts_param = ts.replace(tzinfo=None).isoformat(sep=" ") if p == "?" else ts
    cur.execute(UPSERT_OWNER.format(p=p), (version[1], env[0], vid, ws, ts_param, "bench"))
    cur.execute(INSERT_MOVE.format(p=p), (ws, str(uuid.uuid4()), ts_param, "bench", "move", "set",
                                          version[1], version[3], version[4], env[0], env[1],
                                          before[2] if before else None, before[5] if before else None,
                                          vid, version[2], None))
    cur.fetchone()
    commit()


def time_bare(kind: str, target: str, ws: int, ids: list[list[str]], n: int) -> list[float]:
    rng = random.Random(2)
    out = []
    if kind == "sqlite":
        conn = sqlite3.connect(target, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "busy_timeout = 10000"):
            conn.execute(f"PRAGMA {pragma}")
        cur = conn.cursor()
        step = lambda vid: bare_move(cur, "?", "BEGIN IMMEDIATE", lambda: cur.execute("COMMIT"), ws, vid, "")
    else:
        conn = psycopg.connect(target)
        cur = conn.cursor()
        step = lambda vid: bare_move(cur, "%s", "SELECT 1", conn.commit, ws, vid, " FOR UPDATE OF p")
    for _ in range(n):
        vid = rng.choice(rng.choice(ids))
        start = time.perf_counter()
        step(vid)
        out.append(time.perf_counter() - start)
    conn.close()
    return out


def report(label: str, lib_t: list[float], bare_t: list[float]) -> None:
    lp50, lp99, bp50, bp99 = pct(lib_t, 50), pct(lib_t, 99), pct(bare_t, 50), pct(bare_t, 99)
    print(f"{label:<11} promptenv p50 {lp50:6.3f} ms  p99 {lp99:6.3f} ms | bare driver p50 {bp50:6.3f} ms"
          f"  p99 {bp99:6.3f} ms | ratio p50 {lp50 / bp50:4.2f}x")


def _mover(url: str, workspace: str, version_ids: list[list[str]], n: int, seed_: int, queue,
           ready, go) -> None:
    lib = PromptLibrary(url, workspace=workspace, actor=f"mover-{seed_}")
    lib.open()
    rng = random.Random(seed_)
    ready.put(seed_)
    go.wait()
    done = errors = 0
    messages = []
    for _ in range(n):
        vid = rng.choice(rng.choice(version_ids))
        try:
            lib.set_version_environments(vid, [rng.choice(["development", "staging"])])
            done += 1
        except Exception as exc:  # noqa: BLE001 - every failure counts as an error here
            errors += 1
            messages.append(f"{type(exc).__name__}: {exc}")
    lib.close()
    queue.put((done, errors, messages[:3]))


def contention(url: str, procs: int = 8, per_proc: int = 200, n_prompts: int = 10) -> None:
    workspace = f"contention-{uuid.uuid4().hex[:6]}"
    lib = PromptLibrary(url, workspace=workspace, actor="bench")
    ids = seed(lib, n_prompts, 20)
    lib.close()
    ctx = mp.get_context("spawn")
    queue, ready, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    workers = [ctx.Process(target=_mover, args=(url, workspace, ids, per_proc, i, queue, ready, go))
               for i in range(procs)]
    for w in workers:
        w.start()
    for _ in workers:
        ready.get()  # every process has imported, connected and opened the library
    start = time.perf_counter()
    go.set()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    done = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    problems = check_invariants(url)
    print(f"contention  {procs} processes x {per_proc} moves on {n_prompts} prompts (PostgreSQL): "
          f"{done} moves in {elapsed:.2f} s = {done / elapsed:,.0f} moves/s, "
          f"errors {errors}, invariants {'hold' if not problems else 'BROKEN: ' + problems[0]}")
    for r in results:
        for m in r[2]:
            print("   error:", m)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--moves", type=int, default=2000)
    parser.add_argument("--pg", default=ADMIN, help="admin URL of a PostgreSQL server")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        lib = PromptLibrary(f"sqlite:///{path}", actor="bench")
        t0 = time.perf_counter()
        ids = seed(lib, args.prompts, args.versions)
        print(f"seeded {args.prompts} prompts x {args.versions} versions on SQLite in "
              f"{time.perf_counter() - t0:.1f} s")
        time_library(lib, ids, 200)  # warm up
        lib_t = time_library(lib, ids, args.moves)
        bare_t = time_bare("sqlite", str(path), lib._ws(), ids, args.moves)
        report("SQLite", lib_t, bare_t)
        assert check_invariants(lib.db) == []
        lib.close()

    name = f"promptenv_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(ADMIN if args.pg == ADMIN else args.pg, autocommit=True)
    except psycopg.Error as exc:
        print(f"PostgreSQL skipped: {exc}")
        return
    admin.execute(f'CREATE DATABASE "{name}"')
    url = args.pg.rsplit("/", 1)[0] + "/" + name
    try:
        lib = PromptLibrary(url, actor="bench")
        ids = seed(lib, args.prompts, args.versions)
        time_library(lib, ids, 200)
        lib_t = time_library(lib, ids, args.moves)
        bare_t = time_bare("postgresql", url, lib._ws(), ids, args.moves)
        report("PostgreSQL", lib_t, bare_t)
        lib.close()
        contention(url)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


if __name__ == "__main__":
    main()
