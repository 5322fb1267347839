"""Spec section 4: SQLite and PostgreSQL give the same answers to the same calls. One script of
calls runs on a fresh SQLite file and a fresh PostgreSQL database; the answers (ids, commits and
times aside, which differ by nature) and the errors must be equal."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from domain_support import assert_invariants
from promptenv_tui.domain import PromptEnvError, PromptLibrary

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


class Normaliser:
    """Replaces ids and commits by names given in order of first appearance, and times by 'T'."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def alias(self, value: str) -> str:
        return self.aliases.setdefault(value, f"<{len(self.aliases)}>")

    def text(self, value: str) -> str:
        value = UUID.sub(lambda m: self.alias(m.group()), value)
        value = TIME.sub("T", value)
        for real, alias in self.aliases.items():
            value = value.replace(real, alias)
        return value

    def __call__(self, value):
        if isinstance(value, datetime):
            return "T"
        if isinstance(value, str):
            return self.text(value)
        if dataclasses.is_dataclass(value):
            if hasattr(value, "commit") and isinstance(value.commit, str):
                self.alias(value.commit)
            return {f.name: self(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (list, tuple)):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        return value


def script(lib: PromptLibrary) -> list:
    """The same calls, whatever the backend; each answer or error is recorded."""
    answers: list = []
    norm = Normaliser()

    def call(label: str, fn):
        try:
            answers.append((label, norm(fn())))
        except PromptEnvError as exc:
            answers.append((label, type(exc).__name__, exc.reason, norm.text(str(exc))))

    call("create straße", lambda: lib.create_prompt("Straße", tags=["de", "x"], template="Hallo {{name}}\r\n"))
    call("create STRASSE", lambda: lib.create_prompt("STRASSE"))
    call("create istanbul", lambda: lib.create_prompt("İstanbul", template="Merhaba İ ı"))
    call("create i̇stanbul", lambda: lib.create_prompt("i\u0307stanbul"))
    call("create sisyphus", lambda: lib.create_prompt("ΣΊΣΥΦΟΣ", template="[x]", tags=["x"]))
    call("create σίσυφος", lambda: lib.create_prompt("σίσυφος"))
    call("create alpha_1", lambda: lib.create_prompt("alpha_1", template="Alpha ONE", description="d"))
    call("create Alpha%2", lambda: lib.create_prompt("Alpha%2", template="alpha two"))
    call("create zeta", lambda: lib.create_prompt("zeta"))
    call("v2 alpha", lambda: lib.create_version("ALPHA_1", "Second Älpha", environments=["staging"]))
    call("v3 alpha", lambda: lib.create_version("alpha_1", "third", environments=["development"],
                                                change_description="Fix ä"))
    alpha = lib.get_prompt_by_name("alpha_1")
    v1 = lib.get_version_by_number(alpha.prompt.id, 1)
    v2 = lib.get_version_by_number(alpha.prompt.id, "v2")
    call("move back", lambda: lib.set_version_environments(v1.id, ["staging", "development"]))
    call("stale", lambda: lib.set_version_environments(v2.id, ["staging"], expected_owners={"staging": v2.id}))
    call("protected", lambda: lib.set_version_environments(v2.id, ["production"]))
    call("unknown env", lambda: lib.set_version_environments(v2.id, ["qa"]))
    call("reserved", lambda: lib.set_version_environments(v2.id, ["latest"]))
    call("none", lambda: lib.set_version_environments(v2.id, None))
    for sort in ("name", "created", "updated", "version_count"):
        for descending in (False, True):
            call(f"list {sort} {descending}", lambda: lib.list_prompts(sort=sort, descending=descending))
    for search in ("strasse", "STRASSE", "straß", "_", "%", "i̇", "i", "σ", "ς", "alpha"):
        call(f"search {search}", lambda: lib.list_prompts(search=search))
    call("tag x", lambda: lib.list_prompts(tag="x"))
    call("env staging", lambda: lib.list_prompts(environment="STAGING", size=1, page=1))
    call("env qa", lambda: lib.list_prompts(environment="qa"))
    for search in ("alpha", "ALPHA", "Älpha", "älpha", "ä", "Fix"):
        call(f"versions {search}", lambda: lib.list_versions(alpha.prompt.id, search=search))
    call("by commits", lambda: lib.get_versions_by_commits([v2.commit, "00000000", v1.commit]))
    call("retrieve env", lambda: lib.retrieve_version("ALPHA_1", environment="staging"))
    call("restore", lambda: lib.restore_version(v2.id))
    call("rename env", lambda: lib.update_environment("staging", new_name="pre-prod", position=0))
    call("registry", lambda: lib.list_environments())
    call("delete env", lambda: lib.delete_environment("development"))
    call("delete env forced", lambda: lib.delete_environment("development", force=True))
    call("rename prompt", lambda: lib.update_prompt(alpha.prompt.id, name="Omega"))
    call("history", lambda: lib.history())
    call("history omega", lambda: lib.history(prompt="omega"))
    call("history staging", lambda: lib.history(environment="staging"))
    call("delete prompts", lambda: lib.delete_prompts([alpha.prompt.id, v1.id]))
    call("history after", lambda: lib.history(size=3))
    call("tags", lambda: lib.update_version_tags([lib.retrieve_version("Straße").id],
                                                 ["b", "a"], merge=True))
    return answers


def test_sqlite_and_postgresql_give_the_same_answers(tmp_path, pg_server):
    sqlite_url = f"sqlite:///{tmp_path / 'parity.db'}"
    pg_url = pg_server.create_database()
    results = {}
    for name, url in (("sqlite", sqlite_url), ("postgresql", pg_url)):
        with PromptLibrary(url, workspace="parity", actor="same") as lib:
            results[name] = script(lib)
        assert_invariants(url)
    for left, right in zip(results["sqlite"], results["postgresql"], strict=True):
        assert left == right, f"the backends disagree on {left[0]!r}"
