"""Concurrency with real threads and real processes against the real databases (a SQLite file and
PostgreSQL). After each run the spec's section-4 invariants must hold (``assert_invariants``)."""

from __future__ import annotations

import multiprocessing
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable

import psycopg
import pytest

from domain_support import assert_invariants, move_rows
from promptenv_tui.domain import Conflict, NotFound, PromptLibrary

SPAWN = multiprocessing.get_context("spawn")


def run_threads(count: int, work: Callable[[int], object], timeout: float = 60) -> list:
    """Run ``work(i)`` in ``count`` threads that start together; return their results in order.
    Any exception a thread raises fails the test."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[str] = []

    def body(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException:  # noqa: BLE001 - reported below
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == [], errors[0]
    return results


def staging_owner(lib: PromptLibrary, prompt_id: str):
    return next((o for o in lib.owners(prompt_id) if o.environment == "staging"), None)


# --- threads ------------------------------------------------------------------------------------


def test_many_movers_on_one_prompt_and_environment(url, make_library):
    shared = make_library(actor="shared")
    versions = [shared.create_version("Hot", f"t{i}").version for i in range(6)]
    pid = versions[0].prompt_id
    libs = [shared if i % 2 else make_library(actor=f"mover-{i}") for i in range(8)]

    def work(i: int) -> Counter:
        lib, done = libs[i], Counter()
        for k in range(25):
            v = versions[(i + k) % len(versions)]
            if k % 7 == 6:
                done["changed"] += len(lib.clear_environment(pid, "staging"))
            elif k % 5 == 4:
                done["changed"] += len(lib.assign_environment(v.id, "staging").moves)
            else:
                done["changed"] += len(lib.set_version_environments(v.id, ["staging"]).moves)
        return done

    started = time.monotonic()
    results = run_threads(8, work)
    elapsed = time.monotonic() - started
    changed = sum(r["changed"] for r in results)
    rows = [r for r in move_rows(shared) if r.prompt_id == pid]
    assert len(rows) == changed > 8, "every change is one record, and changes did happen"
    # the records chain: each starts where the one before it ended, the last ends at the owner
    for before, after in zip(rows, rows[1:]):
        assert after.from_version_id == before.to_version_id
    owner = staging_owner(shared, pid)
    assert (owner.version_id if owner else None) == rows[-1].to_version_id
    assert len([o for o in shared.owners(pid) if o.environment == "staging"]) <= 1
    assert_invariants(url)
    assert elapsed < 20


@pytest.mark.parametrize("exists", [True, False], ids=["existing-prompt", "new-prompt"])
def test_concurrent_version_creation_on_one_prompt(url, make_library, exists):
    if exists:
        make_library().create_prompt("Busy")
    libs = [make_library(actor=f"writer-{i}") for i in range(8)]

    def work(i: int) -> list[int]:
        return [libs[i].create_version("busy" if i % 2 else "BUSY", f"from {i}, #{k}").version.number
                for k in range(10)]

    numbers = [n for r in run_threads(8, work) for n in r]
    assert sorted(numbers) == list(range(1, 81)), "numbers never repeat and none is lost"
    page = libs[0].list_versions(libs[0].get_prompt_by_name("Busy").prompt.id, size=100)
    assert page.total == 80 and len({v.commit for v in page.items}) == 80
    assert [p.name for p in libs[0].list_prompts(search="busy").items] in (["Busy"], ["busy"], ["BUSY"])
    assert libs[0].get_prompt_by_name("Busy").prompt.version_count == 80
    assert_invariants(url)


def test_concurrent_expected_owner_moves_only_the_first_wins(url, make_library):
    setup = make_library(actor="setup")
    base = setup.create_version("Guarded", "base", environments=["staging"]).version
    pid = base.prompt_id
    mine = [setup.create_version("Guarded", f"by {i}").version for i in range(6)]
    libs = [make_library(actor=f"user-{i}") for i in range(6)]
    rounds = 6
    barrier = threading.Barrier(6)

    def work(i: int) -> list[tuple[str, str | None, str | None]]:
        outcomes = []
        for _ in range(rounds):
            barrier.wait(timeout=30)
            seen = staging_owner(libs[i], pid)  # what the screen shows
            seen_id = seen.version_id if seen else None
            barrier.wait(timeout=30)
            try:
                result = libs[i].set_version_environments(
                    mine[i].id, ["staging"], expected_owners={"staging": seen_id})
                outcomes.append(("moved" if result.changed else "same", seen_id,
                                 result.moves[0].from_version_id if result.moves else None))
            except Conflict as exc:
                assert exc.reason == "stale_owner", exc
                assert "staging moved to v" in str(exc) and "by user-" in str(exc)
                outcomes.append(("stale", seen_id, None))
        return outcomes

    results = run_threads(6, work)
    for r in range(rounds):
        this_round = [results[i][r] for i in range(6)]
        kinds = Counter(kind for kind, _, _ in this_round)
        assert kinds["moved"] == 1, this_round  # exactly one of the racers wins each round
        assert kinds["moved"] + kinds["stale"] + kinds["same"] == 6
        assert kinds["same"] <= 1  # only the round's current owner can find nothing to do
        for kind, seen, moved_from in this_round:
            if kind == "moved":
                assert moved_from == seen  # it moved exactly what it believed it moved
    assert len([m for m in move_rows(setup) if m.prompt_id == pid]) == 1 + rounds
    assert_invariants(url)


def test_concurrent_prompt_creation_with_one_name(url, make_library):
    libs = [make_library(actor=f"c{i}") for i in range(8)]
    spellings = ["Same", "SAME", "same", " Same ", "sAmE", "SaMe", "same ", "SAME"]

    def work(i: int) -> str:
        try:
            libs[i].create_prompt(spellings[i], template=f"by {i}")
            return "created"
        except Conflict as exc:
            assert exc.reason == "duplicate_name"
            return "duplicate"

    assert Counter(run_threads(8, work)) == {"created": 1, "duplicate": 7}
    assert libs[0].list_prompts().total == 1
    assert_invariants(url)


def test_concurrent_environment_creation_keeps_positions_and_the_limit(url, make_library):
    libs = [make_library(actor=f"admin{i}") for i in range(6)]
    libs[0].open()

    def work(i: int) -> Counter:
        done = Counter()
        for k in range(18):  # 6 x 18 = 108 tries for 97 free places
            try:
                libs[i].create_environment(f"env-{i}-{k}")
                done["created"] += 1
            except Conflict as exc:
                assert exc.reason == "limit_reached", exc
                done["full"] += 1
        return done

    results = run_threads(6, work)
    assert sum(r["created"] for r in results) == 97
    envs = libs[0].list_environments()
    assert len(envs) == 100
    assert [e.position for e in envs] == list(range(100)), "positions stay distinct and dense"
    assert_invariants(url)


def test_concurrent_reorders_keep_positions_dense(url, make_library):
    libs = [make_library(actor=f"admin{i}") for i in range(5)]
    for k in range(7):
        libs[0].create_environment(f"extra-{k}")
    names = [e.name for e in libs[0].list_environments()]

    def work(i: int) -> None:
        for k in range(12):
            libs[i].update_environment(names[(i * 3 + k) % len(names)], position=(i + k * 7) % 11)

    run_threads(5, work)
    envs = libs[0].list_environments()
    assert sorted(e.name for e in envs) == sorted(names)
    assert [e.position for e in envs] == list(range(10))


def test_versions_and_moves_racing_the_deletion_of_their_prompt(url, make_library):
    """create_version creates a missing prompt, so writers racing a deletion either add to the
    prompt before it goes or start it anew; nobody gets anything but a domain answer."""
    libs = [make_library(actor=f"w{i}") for i in range(5)]
    libs[0].create_version("Phoenix", "first", environments=["staging"])

    def work(i: int) -> Counter:
        done = Counter()
        for k in range(12):
            if i == 4:
                try:
                    libs[i].delete_prompt(libs[i].get_prompt_by_name("Phoenix").prompt.id)
                    done["deleted"] += 1
                except NotFound:
                    done["already gone"] += 1
                time.sleep(0.01)
                continue
            try:
                result = libs[i].create_version("Phoenix", f"{i}/{k}", environments=["staging"])
                done["created"] += 1
                libs[i].set_version_environments(result.version.id, ["development"])
            except NotFound:
                done["gone"] += 1  # the move found its version deleted
        return done

    results = run_threads(5, work)
    assert sum(r["created"] for r in results) == 48
    prompts = libs[0].list_prompts(search="phoenix").items
    for p in prompts:
        numbers = [v.number for v in libs[0].list_versions(p.id, oldest_first=True, size=100).items]
        assert numbers == list(range(1, len(numbers) + 1))
    assert_invariants(url)


def test_moves_racing_a_forced_environment_deletion(url, make_library):
    """Movers into 'qa' while it is deleted (forced) and created again, over and over: each
    move either lands or finds 'qa' not registered; never a clash of constraints."""
    setup = make_library(actor="setup")
    setup.create_environment("qa")
    versions = {}
    for p in range(5):
        versions[p] = [setup.create_version(f"R{p}", f"t{k}").version for k in range(3)]
    libs = [make_library(actor=f"m{i}") for i in range(6)]

    def work(i: int) -> Counter:
        done = Counter()
        if i >= 4:
            for _ in range(8):
                try:
                    done["cleared"] += len(libs[i].delete_environment("qa", force=True).cleared)
                except NotFound:
                    done["already gone"] += 1
                time.sleep(0.01)
                try:
                    libs[i].create_environment("qa")
                except Conflict as exc:
                    assert exc.reason == "duplicate_name", exc
            return done
        for k in range(40):
            v = versions[(i + k) % 5][k % 3]
            try:
                libs[i].set_version_environments(v.id, ["qa", "staging"])
                done["moved"] += 1
            except NotFound as exc:
                assert "'qa' is not registered" in str(exc), exc
                done["gone"] += 1
        return done

    run_threads(6, work)
    assert_invariants(url)
    # The deleters ended by creating 'qa' again: it is registered, and a move into it lands.
    setup.set_version_environments(versions[0][0].id, ["qa"])
    qa = {o.environment: o.version_id for o in setup.owners(versions[0][0].prompt_id)}.get("qa")
    assert qa == versions[0][0].id
    assert_invariants(url)


def test_a_read_sees_one_snapshot_while_others_write(url, make_library):
    """A page and its total come from one snapshot (PostgreSQL reads run REPEATABLE READ), and
    so do a prompt and its latest version, while prompts come and go."""
    writer, reader = make_library(actor="writer"), make_library(actor="reader")
    for i in range(20):
        writer.create_version(f"Base {i:02}", "x")
    stable = writer.create_version("Stable", "v1").version
    stop = threading.Event()

    def work(i: int) -> Counter:
        done = Counter()
        if i == 0:
            k = 0
            while not stop.is_set():
                created = writer.create_version(f"Churn {k}", "x").version
                writer.create_version("Stable", f"v{k + 2}")
                writer.delete_prompt(created.prompt_id)
                k += 1
            return done
        try:
            for _ in range(150):
                page = reader.list_prompts(size=1000)
                assert len(page.items) == page.total, (len(page.items), page.total)
                detail = reader.get_prompt(stable.prompt_id)
                latest = detail.latest_version
                assert latest is not None and latest.number == detail.prompt.version_count
                done["reads"] += 1
        finally:
            stop.set()
        return done

    results = run_threads(2, work)
    assert results[1]["reads"] == 150
    assert_invariants(url)


def test_threads_opening_a_new_sqlite_file_at_once(tmp_path):
    """Connections racing to switch a brand-new file to WAL: SQLite says 'database is locked'
    at once (no busy wait) to all but one; none of them may fail."""
    from promptenv_tui.domain.db import Database

    for trial in range(60):
        url = f"sqlite:///{tmp_path / f'new-{trial}.db'}"

        def work(i: int) -> str:
            database = Database(url)
            try:
                return database.read(lambda conn: conn.exec_driver_sql("PRAGMA journal_mode").scalar())
            finally:
                database.close()

        assert run_threads(8, work) == ["wal"] * 8


# --- locks held by someone else -----------------------------------------------------------------


def test_a_move_waits_for_whoever_holds_the_lock(library, backend, url):
    v1 = library.create_version("Locked", "one", environments=["staging"]).version
    v2 = library.create_version("Locked", "two").version
    if backend == "sqlite":
        import sqlite3
        holder = sqlite3.connect(library.db.url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another program writing the file
    else:
        holder = psycopg.connect(library.db.url.set(drivername="postgresql").render_as_string(False))
        holder.execute("SELECT id FROM prompts WHERE id = %s FOR UPDATE", (v1.prompt_id,))
    done = threading.Event()
    result = []
    thread = threading.Thread(target=lambda: (result.append(
        library.set_version_environments(v2.id, ["staging"])), done.set()), daemon=True)
    thread.start()
    try:
        assert not done.wait(0.5), "the move did not wait for the lock"
    finally:
        holder.commit() if backend != "sqlite" else holder.execute("COMMIT")
        holder.close()
    assert done.wait(10)
    assert [m.describe() for m in result[0].moves] == ["staging: v1 → v2"]
    assert_invariants(url)


# --- processes ----------------------------------------------------------------------------------


def process_worker(url: str, workspace: str, actor: str, version_ids: list[str], prompt_name: str,
                   moves: int, versions: int, barrier, results) -> None:
    """Runs in a spawned process: moves staging around and creates versions."""
    try:
        with PromptLibrary(url, workspace=workspace, actor=actor) as lib:
            lib.open()
            barrier.wait(timeout=60)
            changed, numbers = 0, []
            for k in range(max(moves, versions)):
                if k < moves:
                    vid = version_ids[(k * 7 + len(actor)) % len(version_ids)]
                    changed += len(lib.set_version_environments(vid, ["staging", "development"]
                                                                if k % 3 else ["staging"]).moves)
                if k < versions:
                    numbers.append(lib.create_version(prompt_name, f"{actor} #{k}").version.number)
            results.put((actor, "ok", changed, numbers))
    except BaseException:  # noqa: BLE001 - sent to the parent
        results.put((actor, "error", traceback.format_exc(), []))


def run_processes(url: str, workspace: str, count: int, version_ids: list[str], prompt_name: str,
                  moves: int, versions: int) -> list[tuple]:
    barrier, results = SPAWN.Barrier(count), SPAWN.Queue()
    procs = [SPAWN.Process(target=process_worker, args=(url, workspace, f"proc-{i}", version_ids,
                                                        prompt_name, moves, versions, barrier, results))
             for i in range(count)]
    for p in procs:
        p.start()
    out = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    errors = [r[2] for r in out if r[1] == "error"]
    assert errors == [], errors[0]
    return out


def test_processes_writing_one_database(url, workspace, make_library, backend):
    """Two or more processes writing one SQLite file (or one PostgreSQL database) at once."""
    lib = make_library(actor="parent")
    versions = [lib.create_version("Shared", f"base {i}").version for i in range(5)]
    count = 3
    out = run_processes(url, workspace, count, [v.id for v in versions], "Shared", moves=30, versions=10)
    numbers = sorted(n for r in out for n in r[3])
    assert numbers == list(range(6, 6 + 10 * count)), "version numbers never repeat, none lost"
    rows = [r for r in move_rows(lib) if r.prompt_name == "Shared"]
    assert len(rows) == sum(r[2] for r in out)
    assert {r.actor for r in rows} <= {f"proc-{i}" for i in range(count)}
    assert_invariants(url)


def test_processes_opening_a_new_database_at_once(fresh_url):
    """Several processes meeting an empty database create one schema and one workspace."""
    out = run_processes(fresh_url, "default", 3, [], "First", moves=0, versions=3)
    assert sorted(n for r in out for n in r[3]) == list(range(1, 10))
    with PromptLibrary(fresh_url) as lib:
        assert [e.name for e in lib.list_environments()] == ["development", "staging", "production"]
        assert lib.list_prompts().total == 1
    assert_invariants(fresh_url)
