"""What a user sees when the database is locked, missing or mistyped: one clear message, a
documented exit code, and nothing created or changed on the way."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

import pytest

from promptenv_tui import cli
from promptenv_tui.domain import NotFound, PromptLibrary, StorageError
from promptenv_tui.domain import db as dbmod


def _hold_lock(path, ready: threading.Event, release: threading.Event) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    ready.set()
    release.wait(10)
    conn.execute("ROLLBACK")
    conn.close()


def test_a_sqlite_file_locked_too_long_is_a_storage_error_and_changes_nothing(
        tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(dbmod, "SQLITE_BUSY_TIMEOUT_MS", 300)
    path = tmp_path / "locked.db"
    url = f"sqlite:///{path}"
    with PromptLibrary(url, actor="setup") as lib:
        v1 = lib.create_prompt("Greeting", template="Hello").latest_version
    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_lock, args=(str(path), ready, release))
    holder.start()
    try:
        ready.wait(5)
        with PromptLibrary(url, actor="alice") as lib:
            with pytest.raises(StorageError, match="locked by another program.*nothing was changed"):
                lib.set_version_environments(v1.id, ["staging"])
        # The command line says it in one line, exit code 1, no traceback.
        code = cli.main(["--db", url, "assign", "Greeting", "v1", "staging"])
        err = capsys.readouterr().err
        assert code == 1
        assert err.startswith("promptenv: ") and err.count("\n") == 1 and "Traceback" not in err
    finally:
        release.set()
        holder.join()
    with PromptLibrary(url, actor="alice") as lib:
        assert lib.get_version(v1.id).environments == ()
        assert lib.history().total == 0


def test_script_commands_never_create_a_database_or_workspace(tmp_path, capsys) -> None:
    missing = tmp_path / "typo" / "x.db"
    for argv in (["prompts"], ["get", "Greeting"], ["export"], ["history"], ["env", "list"]):
        assert cli.main(["--db", f"sqlite:///{missing}", *argv]) == 4, argv
        assert "does not exist; check the path (--db)" in capsys.readouterr().err
    assert not missing.exists() and not missing.parent.exists()

    real = tmp_path / "real.db"
    with PromptLibrary(f"sqlite:///{real}", actor="setup") as lib:
        lib.create_prompt("Greeting", template="Hello")
    assert cli.main(["--db", f"sqlite:///{real}", "--workspace", "tpyo", "prompts"]) == 4
    assert "workspace 'tpyo' does not exist" in capsys.readouterr().err
    with pytest.raises(NotFound):
        PromptLibrary(f"sqlite:///{real}", workspace="tpyo", create=False).open()
    # ... while the console's own first use still creates what it needs.
    fresh = PromptLibrary(f"sqlite:///{tmp_path / 'new.db'}", actor="me")
    fresh.open()
    assert [e.name for e in fresh.list_environments()] == ["development", "staging", "production"]
    fresh.close()


def test_read_only_never_creates_the_file(tmp_path) -> None:
    path = tmp_path / "none.db"
    with pytest.raises(NotFound):
        PromptLibrary(f"sqlite:///{path}", read_only=True).open()
    assert not path.exists()


def test_the_console_without_a_terminal_says_so_instead_of_hanging(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "promptenv_tui", "--db",
                           f"sqlite:///{tmp_path / 'x.db'}"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "needs a terminal" in proc.stderr and "Traceback" not in proc.stderr


def test_prompt_update_and_delete_from_the_command_line(url, workspace, make_library, capsys) -> None:
    lib = make_library("alice")
    v1 = lib.create_prompt("Support R", template="Hi").latest_version
    lib.set_version_environments(v1.id, ["staging", "production"], confirm_protected=True)
    base = ["--db", url, "--workspace", workspace]
    assert cli.main([*base, "prompt", "update", "support r", "--name", "Support reply",
                     "--description", "Replies", "--tag", "support", "--tag", "email"]) == 0
    prompt = lib.get_prompt(v1.prompt_id).prompt
    assert (prompt.name, prompt.description, prompt.tags) == ("Support reply", "Replies",
                                                             ("support", "email"))
    assert cli.main([*base, "prompt", "delete", "Support reply"]) == 3  # serves production
    assert "protected" in capsys.readouterr().err
    assert lib.get_prompt(v1.prompt_id).prompt.name == "Support reply"
    assert cli.main([*base, "prompt", "delete", "Support reply", "--yes", "--reason", "typo"]) == 0
    with pytest.raises(NotFound):
        lib.get_prompt(v1.prompt_id)
    assert {m.reason for m in lib.history(prompt="Support reply").items if m.cause == "prompt_deleted"} \
        == {"typo"}
    assert cli.main([*base, "prompt", "delete", "Support reply", "--yes"]) == 4
