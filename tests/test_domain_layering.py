"""Layering: the domain never imports Textual, the console never talks SQL, and nothing but plain
frozen values leaves the domain."""

from __future__ import annotations

import ast
import dataclasses
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import promptenv_tui
from promptenv_tui import domain
from promptenv_tui.domain import PromptEnvError

PACKAGE = Path(promptenv_tui.__file__).parent
DATABASE_LIBRARIES = ("sqlalchemy", "psycopg", "psycopg2", "alembic", "sqlite3")


def test_importing_and_using_the_domain_does_not_import_textual(tmp_path):
    code = f"""
import json, sys
import promptenv_tui.domain as d
from promptenv_tui.domain.invariants import check_invariants
url = "sqlite:///{tmp_path / 'layering.db'}"
with d.PromptLibrary(url, actor="x") as lib:
    v = lib.create_version("P", "Hi {{{{n}}}}", environments=["staging"]).version
    lib.list_prompts(); lib.history(); lib.get_version(v.id).variables
    assert check_invariants(url) == []
print(json.dumps(sorted(m for m in sys.modules
                        if m.split(".")[0] in ("textual", "rich") or m.startswith("promptenv_tui.tui"))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def imports_of(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """Every module a file imports, at any depth (inside functions too), resolved to absolute."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__" and node.args:
            if isinstance(node.args[0], ast.Constant):
                found.add(str(node.args[0].value))
    return found


def test_the_console_does_not_talk_to_the_database_directly():
    """Whatever part of promptenv_tui/tui exists now, none of it imports a database library; it
    goes through the domain's facade."""
    offenders = {}
    for path in sorted((PACKAGE / "tui").rglob("*.py")):
        bad = sorted(m for m in imports_of(path) if m.split(".")[0] in DATABASE_LIBRARIES)
        if bad:
            offenders[str(path.relative_to(PACKAGE))] = bad
    assert offenders == {}


def test_the_import_checker_sees_imports(tmp_path):
    probe = tmp_path / "promptenv_tui" / "tui" / "x.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("def f():\n    import sqlalchemy as sa\n    from sqlalchemy.orm import Session\n"
                     "from ..domain import db\n")
    found = imports_of(probe, root=tmp_path)
    assert {"sqlalchemy", "sqlalchemy.orm", "promptenv_tui.domain", "promptenv_tui.domain.db"} <= found


def test_the_domain_does_not_import_the_console():
    for path in sorted((PACKAGE / "domain").rglob("*.py")):
        bad = sorted(m for m in imports_of(path)
                     if m.split(".")[0] == "textual" or m.startswith("promptenv_tui.tui"))
        assert bad == [], path


def test_results_are_frozen_dataclasses():
    for name in ("CommitLookup", "DeleteResult", "Environment", "EnvironmentDeleted", "MoveRecord",
                 "MoveResult", "Owner", "Page", "Prompt", "PromptDetail", "Version", "VersionRef"):
        cls = getattr(domain, name)
        assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen, name


def plain(value, path="result") -> None:
    """Only plain values: frozen dataclasses, tuples, dicts and lists (JSON metadata), scalars."""
    if value is None or isinstance(value, (str, int, float, bool, datetime)):
        return
    if dataclasses.is_dataclass(value):
        assert type(value).__dataclass_params__.frozen, path
        for field in dataclasses.fields(value):
            plain(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            plain(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, item in value.items():
            plain(k, f"{path} key")
            plain(item, f"{path}[{k!r}]")
    else:
        raise AssertionError(f"{path} is a {type(value).__module__}.{type(value).__name__}")


def test_no_database_object_leaves_the_domain(library):
    detail = library.create_prompt("P", template="x {{a}}", metadata={"k": [1, {"n": None}]})
    v2 = library.create_version("P", "y", environments=["staging"])
    results = [
        detail, v2, library.list_prompts(), library.get_prompt(detail.prompt.id, environment="staging"),
        library.list_versions(detail.prompt.id), library.get_versions_by_commits([v2.version.commit, "ffffffff"]),
        library.set_version_environments(detail.latest_version.id, ["staging"]),
        library.owners(detail.prompt.id), library.list_environments(), library.history(),
        library.update_version_tags([v2.version.id], ["t"]), library.restore_version(v2.version.id),
        library.create_environment("qa"), library.delete_environment("qa"),
        library.update_prompt(detail.prompt.id, description="d"), library.delete_prompt(detail.prompt.id),
    ]
    for i, result in enumerate(results):
        plain(result, f"result {i}")


def test_errors_are_typed_with_a_kind():
    kinds = {cls.__name__: cls.kind for cls in (domain.InvalidInput, domain.NotFound, domain.Conflict,
                                                domain.ReadOnly, domain.StorageError, domain.SchemaOutdated)}
    assert kinds["InvalidInput"] == "invalid" and kinds["NotFound"] == "not_found"
    assert kinds["Conflict"] == "conflict"
    for name in kinds:
        assert issubclass(getattr(domain, name), PromptEnvError)
