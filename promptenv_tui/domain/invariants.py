"""The spec's section-4 invariants, checked straight from the tables. Tests and benchmarks call
``check_invariants`` after concurrent work; it returns the list of violations (empty: all hold)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from .db import Database
from .schema import environments as E
from .schema import moves as M
from .schema import ownerships as O
from .schema import prompts as P
from .schema import versions as V


def check_invariants(url_or_db: str | Database) -> list[str]:
    db = url_or_db if isinstance(url_or_db, Database) else Database(url_or_db)
    try:
        return db.read(_check)
    finally:
        if db is not url_or_db:
            db.close()


def _check(conn) -> list[str]:
    problems: list[str] = []
    owners = conn.execute(sa.select(O.c.prompt_id, O.c.environment_id, O.c.version_id,
                                    O.c.workspace_id)).all()
    seen: set[tuple[str, str]] = set()
    versions = {r.id: r for r in conn.execute(sa.select(V.c.id, V.c.prompt_id, V.c.workspace_id,
                                                       V.c.version_number, V.c.commit))}
    prompts = {r.id: r for r in conn.execute(sa.select(P.c.id, P.c.workspace_id, P.c.version_counter))}
    envs = {r.id: r for r in conn.execute(sa.select(E.c.id, E.c.workspace_id))}

    # 1. at most one current owner per (prompt, environment), a live version of that prompt
    for o in owners:
        key = (o.prompt_id, o.environment_id)
        if key in seen:
            problems.append(f"two owners of prompt {o.prompt_id} environment {o.environment_id}")
        seen.add(key)
        v = versions.get(o.version_id)
        if v is None:
            problems.append(f"owner {o.version_id} of {key} is not a live version")
        elif v.prompt_id != o.prompt_id:
            problems.append(f"owner {o.version_id} of {key} belongs to prompt {v.prompt_id}")

    # 2. version numbers and commits distinct per prompt; the counter is never behind
    numbers: dict[str, set[int]] = defaultdict(set)
    commits: dict[str, set[str]] = defaultdict(set)
    for v in versions.values():
        if v.version_number in numbers[v.prompt_id]:
            problems.append(f"prompt {v.prompt_id} has v{v.version_number} twice")
        if v.commit in commits[v.prompt_id]:
            problems.append(f"prompt {v.prompt_id} has commit {v.commit} twice")
        numbers[v.prompt_id].add(v.version_number)
        commits[v.prompt_id].add(v.commit)
    for pid, nums in numbers.items():
        p = prompts.get(pid)
        if p is None:
            problems.append(f"version of missing prompt {pid}")
        elif max(nums) > p.version_counter:
            problems.append(f"prompt {pid} counter {p.version_counter} behind v{max(nums)}")

    # 3. replaying the move records of each (prompt, environment) gives its current owner
    replay: dict[tuple[str, str], str | None] = {}
    for m in conn.execute(sa.select(M.c.prompt_id, M.c.environment_id, M.c.from_version_id,
                                    M.c.to_version_id).order_by(M.c.id)):
        if m.environment_id is None:
            continue
        key = (m.prompt_id, m.environment_id)
        if replay.get(key) != m.from_version_id:
            problems.append(f"move record of {key} starts from {m.from_version_id}, "
                            f"replay says {replay.get(key)}")
        replay[key] = m.to_version_id
    current = {(o.prompt_id, o.environment_id): o.version_id for o in owners}
    for key in set(replay) | set(current):
        if key[0] in prompts and key[1] in envs and replay.get(key) != current.get(key):
            problems.append(f"replay of {key} gives {replay.get(key)}, owner is {current.get(key)}")

    # 4. nothing crosses workspaces
    for o in owners:
        for what, row in (("prompt", prompts.get(o.prompt_id)), ("version", versions.get(o.version_id)),
                          ("environment", envs.get(o.environment_id))):
            if row is not None and row.workspace_id != o.workspace_id:
                problems.append(f"owner of {o.prompt_id} points at a {what} of another workspace")
    for v in versions.values():
        p = prompts.get(v.prompt_id)
        if p is not None and p.workspace_id != v.workspace_id:
            problems.append(f"version {v.id} is in another workspace than its prompt")
    return problems
