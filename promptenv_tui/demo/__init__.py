"""The demo database: the demo set of ``catalog.py`` with a believable past.

The prompts and versions go in through the import (a ``promptenv.v1`` document built from the
catalog, each version with the date and author it was written). Then the release history is
replayed as moves, oldest first, each with its own time and actor: a version goes to development
when it is written (cause ``new_version``), to staging a day or two later (``set``, by the release
bot or QA), to production a few days after that (``set``, by the release manager or the deploy
pipeline, with a reason), and two prompts had a production rollback (``rollback``). Moves whose
time would lie in the future have not happened yet and are left out, so recent versions sit in
development only. The domain's public calls stamp moves with the current time, so the replay
writes through the same internal path the import uses (``interchange.write_owner_changes``),
which takes an explicit time and actor.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import platformdirs
import sqlalchemy as sa
from uuid6 import uuid7

from promptenv_tui.domain import PromptLibrary
from promptenv_tui.domain import interchange as ix
from promptenv_tui.domain.schema import environments as E
from promptenv_tui.domain.schema import prompts as P
from promptenv_tui.domain.schema import versions as V

from .catalog import CATALOG, DemoPrompt

DEMO_ACTOR = "promptenv-demo"
RELEASE_MANAGERS = ("sofia.marquez", "sofia.marquez", "deploy-pipeline")
STAGERS = ("release-bot", "release-bot", "qa.helen")
ON_CALL = "jonas.berg"


@dataclass(frozen=True)
class DemoSummary:
    prompts: int
    versions: int
    moves: int
    owners: dict[str, int]
    """How many prompts each environment serves at the end."""


@dataclass(frozen=True, order=True)
class Event:
    at: datetime
    prompt: str
    environment: str
    version: int
    actor: str
    cause: str
    reason: str | None


def demo_path() -> Path:
    """``demo.db`` in the user's data folder (next to promptenv's own database)."""
    return Path(platformdirs.user_data_dir("promptenv", appauthor=False)) / "demo.db"


def _templates(prompt: DemoPrompt) -> list[str]:
    """The full text of each version, applying the catalog's edits in order."""
    out: list[str] = []
    text, user = "", None
    for v in prompt.versions:
        if v.text is not None:
            text = v.text
        for old, new in v.replace:
            if old not in text:
                raise ValueError(f"demo prompt {prompt.name!r}: {old!r} is not in the text to edit")
            text = text.replace(old, new, 1)
        if v.append:
            text += v.append
        if v.user is not None:
            user = v.user
        if prompt.structure == "chat":
            messages = [{"role": "system", "content": text}]
            if user is not None:
                messages.append({"role": "user", "content": user})
            out.append(json.dumps(messages, ensure_ascii=False, indent=2))
        else:
            out.append(text)
    return out


def _written_at(now: datetime, days: float, rng: random.Random) -> datetime:
    at = now - timedelta(days=days)
    during_work = at.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59),
                             second=rng.randint(0, 59), microsecond=0)
    return during_work if during_work < now - timedelta(hours=2) else at.replace(microsecond=0)


def demo_document(now: datetime) -> tuple[dict, list[Event]]:
    """The demo set as a promptenv.v1 document (no ownership) and its release history."""
    prompts, events = [], []
    for prompt in CATALOG:
        rng = random.Random(prompt.name)
        texts = _templates(prompt)
        created = [_written_at(now, v.days, rng) for v in prompt.versions]
        versions = []
        for i, (v, text) in enumerate(zip(prompt.versions, texts)):
            versions.append({
                "template": text, "type": prompt.type, "change_description": v.change,
                "tags": list(v.tags), "created_at": created[i].isoformat(),
                "created_by": v.author, "metadata": dict(prompt.metadata),
            })
        prompts.append({"name": prompt.name, "description": prompt.description,
                        "tags": list(prompt.tags), "template_structure": prompt.structure,
                        "versions": versions})
        events.extend(_release_events(prompt, created, rng, now))
    events = sorted(e for e in events if e.at < now - timedelta(minutes=5))
    return {"format": ix.FORMAT, "prompts": prompts}, events


def _release_events(prompt: DemoPrompt, created: list[datetime], rng: random.Random,
                    now: datetime) -> list[Event]:
    n, out = len(created), []
    last_prod: tuple[datetime, int] | None = None
    for i, at in enumerate(created):
        number, newest = i + 1, i == n - 1
        author = prompt.versions[i].author
        out.append(Event(at, prompt.name, "development", number, author, "new_version", None))
        if prompt.release == "new":
            continue
        if newest and prompt.release == "dev":
            continue
        staged = at + timedelta(hours=rng.randint(20, 54), minutes=rng.randint(0, 59))
        if not newest and staged > created[i + 1]:
            continue  # superseded before anyone staged it
        coverage = rng.uniform(88, 97)
        out.append(Event(staged, prompt.name, "staging", number, rng.choice(STAGERS), "set",
                         rng.choice(("release candidate", f"eval suite passed ({coverage:.1f}%)",
                                     "QA sign-off"))))
        if newest and prompt.release == "staging":
            continue
        released = (staged + timedelta(days=rng.randint(1, 4))).replace(
            hour=rng.randint(9, 15), minute=rng.choice((0, 15, 30, 45)), second=0)
        if released <= staged:
            released = staged + timedelta(hours=3)
        if not newest and released > created[i + 1] + timedelta(days=6):
            continue  # the next version was already on its way
        week = released.isocalendar()
        out.append(Event(released, prompt.name, "production", number,
                         rng.choice(RELEASE_MANAGERS), "set",
                         f"release {week.year}-W{week.week:02d}"))
        last_prod = (released, number)
    if prompt.release == "rollback" and last_prod and last_prod[1] == n and n > 1:
        back = last_prod[0] + timedelta(hours=rng.randint(2, 6), minutes=rng.randint(0, 59))
        out.append(Event(back, prompt.name, "production", n - 1, ON_CALL, "rollback",
                         prompt.incident or "rollback"))
    return out


def populate_demo(library: PromptLibrary, *, now: datetime | None = None) -> DemoSummary:
    """Fill ``library``'s workspace with the demo set and its history (an empty workspace)."""
    now = now or datetime.now(timezone.utc)
    doc, events = demo_document(now)
    report = ix.import_document(library, doc, source="demo set")

    def replay(conn, ws) -> int:
        prompts = {r.name: r for r in conn.execute(
            sa.select(P.c.id, P.c.name, P.c.name_key.label("key")).where(P.c.workspace_id == ws))}
        envs = {r.name: r for r in conn.execute(
            sa.select(E.c.id, E.c.name).where(E.c.workspace_id == ws))}
        numbers = {(r.prompt_id, r.version_number): r.id for r in conn.execute(
            sa.select(V.c.id, V.c.prompt_id, V.c.version_number).where(V.c.workspace_id == ws))}
        owners: dict[tuple[str, str], tuple[str, int]] = {}
        written = 0
        for e in events:
            prompt, env = prompts[e.prompt], envs[e.environment]
            after = (numbers[(prompt.id, e.version)], e.version)
            before = owners.get((prompt.id, env.name))
            if before == after:
                continue
            written += ix.write_owner_changes(
                library, conn, ws, [(prompt, env, before, after)], cause=e.cause,
                reason=e.reason, at=e.at, actor=e.actor, batch=str(uuid7()))
            owners[(prompt.id, env.name)] = after
        return written

    moves = library._write(replay)
    served = {e.name: e.prompt_count for e in library.list_environments()}
    return DemoSummary(report.prompts_created, report.versions_created, moves, served)


def build_demo(path: str | Path | None = None, *, now: datetime | None = None) -> DemoSummary:
    """(Re)build the demo SQLite database at ``path`` (default :func:`demo_path`). It is built
    in a temporary file next to it and moved into place when complete, so an interrupted build
    never leaves half a demo behind."""
    path = Path(path) if path is not None else demo_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.building-{os.getpid()}")
    _remove(tmp)
    try:
        with PromptLibrary(f"sqlite:///{tmp}", actor=DEMO_ACTOR) as library:
            summary = populate_demo(library, now=now)
        _remove(path)
        os.replace(tmp, path)
    finally:
        _remove(tmp)
    return summary


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
