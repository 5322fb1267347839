"""The scriptable commands, run through ``cli.main`` on both backends: exit codes, stdout, stderr
and the database."""

from __future__ import annotations

import json

import pytest

from promptenv_tui import cli
from promptenv_tui.domain import PromptLibrary
from promptenv_tui.domain.invariants import check_invariants

from interchange_support import counts


@pytest.fixture
def run(url: str, workspace: str, capsys):
    def run(*args: str, user: str = "ci-bot") -> tuple[int, str, str]:
        code = cli.main(["--db", url, "--workspace", workspace, "--user", user, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def seeded(make_library) -> PromptLibrary:
    library = make_library("alice")
    library.create_prompt("Support reply", template="Hello {{name}},\r\n\tthanks!\n")
    library.create_version("Support reply", "Hi {{name}}", commit="abcd1234")
    library.create_version("Support reply", "Hey {{name}} 👋")
    library.create_prompt("Summariser", template="Summarise {{text}}")
    return library


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("promptenv: ")
    return lines[0]


def test_get_prints_the_template_alone(run, seeded) -> None:
    code, out, err = run("get", "Support reply", "--version", "v1")
    assert (code, out, err) == (0, "Hello {{name}},\r\n\tthanks!\n", "")
    code, out, _ = run("get", "support REPLY")
    assert (code, out) == (0, "Hey {{name}} 👋")  # latest; no newline added
    code, out, _ = run("get", "Support reply", "--commit", "abcd1234")
    assert out == "Hi {{name}}"
    code, out, _ = run("get", "Support reply", "--version", "2", "--json")
    data = json.loads(out)
    assert (data["number"], data["label"], data["commit"], data["variables"]) == \
        (2, "v2", "abcd1234", ["name"])


def test_set_assign_unassign_with_version_selectors(run, seeded, url) -> None:
    code, out, err = run("set", "Support reply", "v2", "development", "staging")
    assert code == 0 and err == ""
    assert out.splitlines() == ["Support reply  development: nobody → v2  [set]",
                                "Support reply  staging: nobody → v2  [set]"]
    code, out, _ = run("assign", "Support reply", "latest", "staging", "--reason", "candidate")
    assert out.strip() == "Support reply  staging: v2 → v3  [assign]  (candidate)"
    code, out, _ = run("set", "Support reply", "abcd1234", "development")  # by commit: no change
    assert out.strip() == "no change: Support reply v2 owns development"
    code, out, _ = run("unassign", "Support reply", "staging", "--json")
    moves = json.loads(out)["moves"]
    assert [(m["action"], m["from_version_number"], m["environment_name"]) for m in moves] == \
        [("clear", 3, "staging")]
    code, out, _ = run("unassign", "Support reply", "staging")
    assert (code, out.strip()) == (0, "no change: no version of Support reply is in staging")
    code, out, _ = run("set", "Support reply", "v2", "--clear")
    assert "development: v2 → nobody" in out
    assert seeded.get_prompt_by_name("Support reply").prompt.owners == ()
    assert check_invariants(url) == []


def test_protected_environment_needs_yes(run, seeded) -> None:
    before = counts(seeded)
    code, out, err = run("set", "Support reply", "v3", "production")
    assert (code, out) == (3, "")
    assert "protected" in _one_error_line(err) and "--yes" in err
    assert counts(seeded) == before
    code, out, err = run("assign", "Support reply", "v3", "production", "--yes", "--reason", "ship it")
    assert code == 0 and "production: nobody → v3" in out
    code, out, err = run("get", "Support reply", "--env", "production")
    assert out == "Hey {{name}} 👋"
    code, _, err = run("unassign", "Support reply", "production")
    assert code == 3 and "protected" in _one_error_line(err)
    code, _, _ = run("unassign", "Support reply", "production", "--confirm")
    assert code == 0


def test_exit_codes_and_one_line_errors(run, seeded) -> None:
    code, out, err = run("get", "Nope")
    assert (code, out) == (4, "")
    assert _one_error_line(err) == "promptenv: no prompt named 'Nope' in workspace " \
        f"'{seeded.workspace}'"
    code, _, err = run("get", "Support reply", "--env", "production")
    assert code == 4 and "no version of prompt 'Support reply' is in production" in err
    code, _, err = run("get", "Support reply", "--env", "moon")
    assert code == 4 and "'moon' is not registered" in _one_error_line(err)
    code, _, err = run("set", "Support reply", "v9", "staging")
    assert code == 4 and "has no v9" in err
    code, _, err = run("set", "Support reply", "nonsense!", "staging")
    assert code == 2 and "is not vN, a commit" in _one_error_line(err)
    code, _, err = run("set", "Support reply", "v1")
    assert code == 2 and "--clear" in _one_error_line(err)
    code, _, err = run("get", "Support reply", "--env", "staging", "--version", "v1")
    assert code == 2 and "not allowed with argument" in _one_error_line(err)
    code, _, err = run("frobnicate")
    assert code == 2 and "invalid choice" in _one_error_line(err)
    code, _, err = run("set", "Support reply", "v1", "latest")
    assert code == 2 and "reserved" in _one_error_line(err)


def test_ambiguous_commit_is_a_conflict(run, seeded) -> None:
    seeded.create_version("Summariser", "Summarise briefly {{text}}", commit="abcd1234")
    code, out, _ = run("get", "Summariser", "--commit", "abcd1234")
    assert (code, out) == (0, "Summarise briefly {{text}}")  # the prompt is named: no ambiguity


def test_versions_and_prompts_listing(run, seeded) -> None:
    run("set", "Support reply", "v2", "staging")
    code, out, _ = run("versions", "Support reply")
    lines = out.splitlines()
    assert code == 0 and [line.split()[0] for line in lines] == ["v3", "v2", "v1"]
    assert "abcd1234" in lines[1] and "staging" in lines[1] and "alice" in lines[1]
    code, out, _ = run("versions", "Support reply", "--json")
    data = json.loads(out)
    assert [v["number"] for v in data] == [3, 2, 1] and data[1]["environments"] == ["staging"]
    code, out, _ = run("prompts", "--env", "staging")
    assert out == "Support reply\tv3\tstaging=v2\n"
    code, out, _ = run("prompts", "--json")
    assert [p["name"] for p in json.loads(out)] == ["Summariser", "Support reply"]


def test_history_filters(run, seeded) -> None:
    run("set", "Support reply", "v1", "development", user="bob")
    run("set", "Support reply", "v2", "development", "staging", user="carol")
    run("set", "Summariser", "v1", "staging", user="bob")
    code, out, _ = run("history")
    assert code == 0 and len(out.splitlines()) == 4
    code, out, _ = run("history", "--prompt", "support reply", "--env", "development")
    lines = out.splitlines()
    assert len(lines) == 2 and "development: v1 → v2" in lines[0] and "carol" in lines[0]
    code, out, _ = run("history", "--user", "bob", "--json")
    data = json.loads(out)
    assert {(m["prompt_name"], m["actor"]) for m in data} == {("Support reply", "bob"),
                                                              ("Summariser", "bob")}
    code, out, _ = run("history", "--limit", "1")
    assert len(out.splitlines()) == 1 and "Summariser" in out


def test_env_commands(run, seeded) -> None:
    code, out, _ = run("env", "create", "qa", "--description", "Manual checks", "--color",
                       "#aa00cc", "--position", "1")
    assert code == 0 and out.startswith("created: qa")
    code, out, _ = run("env", "list")
    assert [line.split()[0] for line in out.splitlines()] == ["development", "qa", "staging",
                                                             "production"]
    assert "protected" in out.splitlines()[3]
    code, out, _ = run("env", "update", "qa", "--name", "QA-eu", "--protected", "--json")
    data = json.loads(out)
    assert (data["name"], data["protected"], data["color"]) == ("QA-eu", True, "#AA00CC")
    code, _, err = run("env", "update", "qa-EU", "--unprotected")
    assert code == 3 and "protected" in _one_error_line(err)
    assert run("env", "update", "qa-EU", "--unprotected", "--yes")[0] == 0
    code, _, err = run("env", "update", "qa-eu")
    assert code == 2 and "nothing to update" in err
    run("set", "Summariser", "v1", "QA-eu")
    code, _, err = run("env", "delete", "qa-eu")
    assert code == 3 and "in use by 1 prompt" in _one_error_line(err)
    code, out, _ = run("env", "delete", "qa-eu", "--force", "--reason", "merged into staging")
    assert code == 0 and "deleted environment QA-eu" in out and "QA-eu: v1 → nobody" in out
    code, _, err = run("env", "create", "Staging")
    assert code == 3 and "already exists" in err
    code, _, err = run("env", "delete", "production", "--json")
    assert code == 3


def test_read_only_refuses_changes(run, seeded) -> None:
    code, _, err = run("--read-only", "set", "Support reply", "v1", "staging")
    assert code == 1 and "read-only" in _one_error_line(err)
    code, out, _ = run("--read-only", "get", "Support reply")
    assert code == 0 and out == "Hey {{name}} 👋"


def test_flags_after_the_command(url, workspace, seeded, capsys) -> None:
    code = cli.main(["get", "Support reply", "--db", url, "--workspace", workspace, "--json"])
    out, _ = capsys.readouterr()
    assert code == 0 and json.loads(out)["template"] == "Hey {{name}} 👋"


def test_db_upgrade(url, capsys) -> None:
    assert cli.main(["--db", url, "db", "upgrade"]) == 0
    assert capsys.readouterr().out.startswith("schema ")
    assert cli.main(["--db", url, "db", "upgrade", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] is False


def test_no_command_opens_the_console(monkeypatch, url, workspace) -> None:
    opened = []
    monkeypatch.setattr(cli, "run_tui", lambda library: opened.append(library.workspace) or 0)
    assert cli.main(["--db", url, "--workspace", workspace]) == 0
    assert opened == [workspace]


def test_script_mistakes_are_one_line_and_change_nothing(run, seeded, url, workspace,
                                                         capsys) -> None:
    # An empty --db (an unset variable in a script) is refused, not the default database.
    for blank in ("", "   "):
        assert cli.main(["--db", blank, "prompts"]) == 2
        assert "database URL is empty" in _one_error_line(capsys.readouterr().err)
    for bad in ("postgresql://root:secret@127.0.0.1:notaport/x",
                "postgresql://root:secret@[::1/x"):
        assert cli.main(["--db", bad, "prompts"]) == 2
        err = _one_error_line(capsys.readouterr().err)
        assert "is not understood" in err and "secret" not in err
    # An unescaped '@' in a password: no part of the password is shown, nothing is tried.
    assert cli.main(["--db", "postgresql://root:p%40ss:w@rd@127.0.0.1:5999/x", "prompts"]) == 2
    err = _one_error_line(capsys.readouterr().err)
    assert "%40" in err and "rd@" not in err and "p@ss" not in err and "w@" not in err
    # A workspace is never created by 'env create' (a mistyped --workspace is not found).
    code, _, err = run("env", "create", "canary", "--workspace", workspace + "-typo")
    assert code == 4 and "does not exist" in _one_error_line(err)
    assert "canary" not in [e.name for e in seeded.list_environments()]
    # 'prompt update' with nothing to change is a usage error, like 'env update'.
    code, _, err = run("prompt", "update", "Support reply")
    assert code == 2 and "nothing to update" in _one_error_line(err)
    # 'get --version latest' is the latest version, as VERSION says elsewhere.
    code, out, _ = run("get", "Support reply", "--version", "latest")
    assert (code, out) == (0, "Hey {{name}} 👋")


def test_history_user_filter_ignores_case(run, seeded) -> None:
    version = seeded.retrieve_version("Summariser")
    seeded.set_version_environments(version.id, ["staging"])
    code, out, _ = run("history", "--user", "ALICE")
    assert code == 0 and "Summariser  staging: nobody → v1" in out


def test_db_upgrade_refuses_a_schema_from_a_newer_promptenv(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    assert cli.main(["--db", url, "db", "upgrade"]) == 0
    import sqlite3

    with sqlite3.connect(tmp_path / "newer.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    capsys.readouterr()
    assert cli.main(["--db", url, "db", "upgrade"]) == 1
    assert "written by a newer promptenv" in _one_error_line(capsys.readouterr().err)


def test_a_database_in_a_missing_folder_is_not_found_and_nothing_is_made(tmp_path, capsys) -> None:
    missing = tmp_path / "no-such-folder" / "x.db"
    for command in (["prompts"], ["db", "upgrade"], ["tui"]):
        assert cli.main(["--db", f"sqlite:///{missing}", *command]) == 4
        assert "does not exist" in _one_error_line(capsys.readouterr().err)
    assert not missing.parent.exists()
