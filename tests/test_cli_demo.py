"""The demo set and ``promptenv demo``: written for this project, realistic spread, a past."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jinja2

from promptenv_tui import cli
from promptenv_tui.demo import build_demo, populate_demo
from promptenv_tui.demo.catalog import CATALOG
from promptenv_tui.domain import PromptLibrary
from promptenv_tui.domain import interchange as ix
from promptenv_tui.domain.invariants import check_invariants

from interchange_support import SHARED_DATA, HISTORY


def test_demo_set_content(library: PromptLibrary, url: str) -> None:
    now = datetime.now(timezone.utc)
    summary = populate_demo(library, now=now)
    assert summary.prompts == len(CATALOG) >= 30
    doc = ix.export(library)
    prompts = doc["prompts"]
    assert len(prompts) == summary.prompts
    assert all(len(p["versions"]) >= 2 for p in prompts)
    assert summary.versions == sum(len(p["versions"]) for p in prompts) >= 90
    assert {p["template_structure"] for p in prompts} == {"text", "chat"}
    assert {v["type"] for p in prompts for v in p["versions"]} == {"mustache", "jinja2"}
    for p in prompts:
        for v in p["versions"]:
            texts = [v["template"]]
            if p["template_structure"] == "chat":
                messages = json.loads(v["template"])
                assert messages[0]["role"] == "system"
                texts = [m["content"] for m in messages]
            for text in texts:
                if v["type"] == "jinja2":
                    jinja2.Environment().parse(text)  # no syntax error in the demo
                assert "{{" in "".join(texts)
    # A realistic spread: not everything is everywhere.
    served = summary.owners
    assert served["development"] == summary.prompts
    assert 0 < served["production"] < summary.prompts and served["staging"] < summary.prompts
    ahead = [p for p in prompts
             if _owner(p, "staging") and _owner(p, "production") != _owner(p, "staging")]
    assert len(ahead) >= 4  # staging is ahead of production for several prompts
    # A past: moves over months, by several people, including rollbacks.
    history = library.history(size=1000)
    assert history.total == summary.moves >= 200
    moves = history.items
    assert len({m.actor for m in moves}) >= 8
    assert Counter(m.cause for m in moves)["rollback"] == 2
    assert min(m.at for m in moves) < now - timedelta(days=100)
    assert max(m.at for m in moves) < now
    assert [m.id for m in sorted(moves, key=lambda m: m.at)] == sorted(m.id for m in moves)
    rollback = next(m for m in moves if m.cause == "rollback")
    assert rollback.environment_name == "production" and rollback.reason.startswith("rollback:")
    assert check_invariants(url) == []


def _owner(prompt: dict, env: str) -> int | None:
    return next((i for i, v in enumerate(prompt["versions"], 1) if env in v["environments"]), None)


def test_demo_is_not_taken_from_the_shared_data(library: PromptLibrary) -> None:
    populate_demo(library)
    ours = {v["template"] for p in ix.export(library)["prompts"] for v in p["versions"]}
    path = SHARED_DATA / HISTORY
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            theirs = {v["template"] for p in json.load(fh)["prompts"] for v in p["versions"]}
        assert not ours & theirs


def test_build_demo_replaces_the_file_atomically(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    first = build_demo(path)
    assert path.is_file() and not list(tmp_path.glob(".demo.db.building*"))
    with PromptLibrary(f"sqlite:///{path}") as library:
        library.create_prompt("Scribble", template="x")
        assert library.list_prompts().total == first.prompts + 1
    build_demo(path)
    with PromptLibrary(f"sqlite:///{path}") as library:
        assert library.list_prompts().total == first.prompts


def test_demo_command(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    expected = tmp_path / "promptenv" / "demo.db"
    assert cli.main(["demo", "--no-open"]) == 0
    assert capsys.readouterr().out == f"{expected}\n"
    assert cli.main(["demo", "--no-open", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"path": str(expected), "built": False}
    with PromptLibrary(f"sqlite:///{expected}") as library:
        library.create_prompt("Scribble", template="x")
    assert cli.main(["demo", "--reset", "--no-open", "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["built"] and built["prompts"] == len(CATALOG)
    opened = []

    def fake_tui(library: PromptLibrary) -> int:
        opened.append((library.display_url, library.list_prompts().total))
        return 0

    monkeypatch.setattr(cli, "run_tui", fake_tui)
    assert cli.main(["demo"]) == 0
    assert opened == [(f"sqlite:///{expected}", len(CATALOG))]


def test_a_demo_built_by_an_older_promptenv_is_upgraded_on_the_way(monkeypatch, tmp_path,
                                                                   capsys) -> None:
    from alembic import command
    from alembic.config import Config

    from promptenv_tui.domain import SCHEMA_HEAD, db

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert cli.main(["demo", "--no-open"]) == 0
    path = tmp_path / "promptenv" / "demo.db"
    with PromptLibrary(f"sqlite:///{path}") as old:
        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS))
        with old.db.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
    capsys.readouterr()
    assert cli.main(["demo", "--no-open"]) == 0
    with PromptLibrary(f"sqlite:///{path}") as library:
        assert library.list_prompts().total == len(CATALOG)
        assert library.db.read(library.db.current_revision) == SCHEMA_HEAD
