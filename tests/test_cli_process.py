"""The real command as a process: exact bytes on stdout, exit codes, one-line errors, and no
Textual for the scripting commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from promptenv_tui.domain import PromptLibrary

TEMPLATES = {
    "crlf": "Line one\r\n\tindented ✓ 👋\r\nno newline at the end",
    "trailing": "Ends with two newlines\n\n",
}


def promptenv(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "promptenv_tui", *args], capture_output=True,
                          timeout=120, env={**os.environ, **(env or {})})


@pytest.fixture
def seeded(make_library) -> PromptLibrary:
    library = make_library("alice")
    for name, text in TEMPLATES.items():
        version = library.create_prompt(name, template=text).latest_version
        library.set_version_environments(version.id, ["production"], confirm_protected=True)
    return library


def test_get_prints_exact_bytes(url: str, workspace: str, seeded) -> None:
    for name, text in TEMPLATES.items():
        done = promptenv("--db", url, "--workspace", workspace, "get", name, "--env", "production")
        assert (done.returncode, done.stderr) == (0, b"")
        assert done.stdout == text.encode("utf-8")


def test_errors_and_exit_codes(url: str, workspace: str, seeded) -> None:
    base = ("--db", url, "--workspace", workspace)
    done = promptenv(*base, "get", "missing", "--env", "production")
    assert done.returncode == 4 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        f"promptenv: no prompt named 'missing' in workspace '{workspace}'"]
    done = promptenv(*base, "set", "crlf", "latest", "staging")  # would clear production
    assert done.returncode == 3 and len(done.stderr.splitlines()) == 1
    done = promptenv(*base, "get")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(b"promptenv: the following arguments are required: prompt")
    done = promptenv(*base, "versions", "crlf", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)[0]["label"] == "v1"


def test_scripting_commands_do_not_import_textual(url: str, workspace: str, seeded) -> None:
    code = (
        "import sys\n"
        "from promptenv_tui.cli import main\n"
        f"for args in ({['get', 'crlf']!r}, {['history']!r}, {['export']!r}, {['env', 'list']!r}):\n"
        f"    assert main(['--db', {url!r}, '--workspace', {workspace!r}, *args]) == 0\n"
        "sys.stderr.write('textual loaded' if 'textual' in sys.modules else 'no textual')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b"no textual"


def test_demo_no_open_as_a_process(tmp_path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path)}
    done = promptenv("demo", "--no-open", env=env)
    path = tmp_path / "promptenv" / "demo.db"
    assert done.returncode == 0 and done.stdout.decode() == f"{path}\n"
    done = promptenv("--db", f"sqlite:///{path}", "get", "Support reply", "--env", "production",
                     env=env)
    assert done.returncode == 0 and done.stdout.startswith(b"You are a support agent for {{company}}.")
