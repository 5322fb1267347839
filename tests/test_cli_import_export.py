"""``promptenv import`` and ``promptenv export`` through ``cli.main``, on both backends."""

from __future__ import annotations

import gzip
import json

import pytest

from promptenv_tui import cli
from promptenv_tui.domain import PromptLibrary
from promptenv_tui.domain.invariants import check_invariants

from interchange_support import CSV_2023, HISTORY, counts, doc, prompt, shared_file, version


@pytest.fixture
def run(url: str, workspace: str, capsys):
    def run(*args: str, ws: str | None = None, db: str | None = None) -> tuple[int, str, str]:
        code = cli.main(["--db", db or url, "--workspace", ws or workspace, "--user", "importer",
                         *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _file(tmp_path, name: str, document: dict):
    path = tmp_path / name
    path.write_text(json.dumps(document), "utf-8")
    return path


GOOD = doc(
    prompt("Greeter", version("Hello {{name}}", commit="a0000001", environments=["production"]),
           version("Hi {{name}}", commit="a0000002", environments=["staging"])),
    prompt("Farewell", version("Bye {{name}}", commit="b0000001")),
)


def test_import_then_reimport(run, tmp_path, make_library) -> None:
    path = _file(tmp_path, "good.json", GOOD)
    code, out, err = run("import", str(path))
    assert (code, err) == (0, "")  # not a terminal: no progress bar
    assert out.strip() == ("2 records read, 2 valid, 0 invalid; imported: 2 new prompts, 0 "
                           "updated, 0 unchanged; 3 new versions, 0 already present; 0 "
                           "environments created, 0 updated; 2 moves")
    code, out, _ = run("import", str(path), "--json")
    report = json.loads(out)
    assert code == 0 and report["imported"] and report["versions_unchanged"] == 3
    assert report["versions_created"] == 0 and report["moves"] == 0
    code, out, _ = run("get", "Greeter", "--env", "production")
    assert out == "Hello {{name}}"
    code, out, _ = run("history", "--json")
    assert {(m["cause"], m["reason"]) for m in json.loads(out)} == {("import", "import of good.json")}


def test_invalid_records_reject_the_whole_import(run, tmp_path, make_library) -> None:
    bad = doc(*GOOD["prompts"], prompt("greeter", version("case-only duplicate")),
              prompt("Blank", version(" ")))
    path = _file(tmp_path, "bad.json", bad)
    code, out, err = run("import", str(path))
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines == [
        "invalid: bad.json: record 3 'greeter': a name differing only by letter case from "
        "'Greeter' in record 1; prompt names are unique ignoring case",
        "invalid: bad.json: record 4 version 1 'Blank': template is blank; a version needs "
        "some text",
        "promptenv: nothing imported: 2 of 4 records are invalid (1 duplicate name, 1 invalid "
        "template); fix them or import the rest with --skip-invalid",
    ]
    assert counts(make_library())["prompts"] == 0
    code, out, err = run("import", str(path), "--json")
    assert code == 2 and json.loads(out)["invalid"] == 2 and len(err.splitlines()) == 1
    # A dry run fails as the import would (a CI step checks files with it), and writes nothing.
    code, out, err = run("import", str(path), "--dry-run")
    assert code == 2 and out.splitlines()[-1].startswith("dry run: 4 records read, 2 valid")
    assert err.splitlines()[0].startswith("invalid: bad.json: record 3 'greeter'")
    code, out, err = run("import", str(path), "--dry-run", "--json")
    assert code == 2 and json.loads(out)["invalid"] == 2
    code, out, err = run("import", str(path), "--dry-run", "--skip-invalid")
    assert code == 0 and "dry run: 4 records read, 2 valid" in out
    assert counts(make_library())["prompts"] == 0
    code, out, err = run("import", str(path), "--skip-invalid")
    assert code == 0 and err == ""
    assert out.splitlines()[0].startswith("skipped: bad.json: record 3 'greeter'")
    assert "imported: 2 new prompts" in out and "skipped 2 invalid" in out


def test_csv_options(run, tmp_path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text("Title,Body,Owner\nA,Text of {{x}},team-a\nB,Other text,\n", "utf-8")
    code, _, err = run("import", str(path))
    assert code == 2 and "--name-column" in err and len(err.splitlines()) == 1
    code, out, _ = run("import", str(path), "--name-column", "title", "--text-column", "Body")
    assert code == 0 and "2 new prompts" in out
    code, out, _ = run("get", "A", "--json")
    assert json.loads(out)["metadata"] == {"Owner": "team-a"}
    semi = tmp_path / "semi.txt"
    semi.write_text("name;template\nC;Text c\n", "utf-8")
    code, out, _ = run("import", str(semi), "--format", "csv", "--delimiter", ";")
    assert code == 0 and "1 new prompts" in out


def test_export_to_stdout_and_files_round_trip(run, tmp_path, workspace) -> None:
    run("import", str(_file(tmp_path, "good.json", GOOD)))
    code, out, _ = run("export")
    document = json.loads(out)
    assert code == 0 and document["format"] == "promptenv.v1"
    assert [p["name"] for p in document["prompts"]] == ["Farewell", "Greeter"]
    code, out, _ = run("export", "-o", str(tmp_path / "all.json.gz"))
    assert code == 0 and out.startswith("exported 2 prompts, 3 versions and 3 environments to ")
    with gzip.open(tmp_path / "all.json.gz", "rt", encoding="utf-8") as fh:
        assert json.load(fh) == document
    code, out, _ = run("export", "--prompt", "greeter", "-o", str(tmp_path / "one.json"), "--json")
    assert json.loads(out)["prompts"] == 1
    # Into another workspace, export again: the same document.
    other = workspace + "-b"
    assert run("import", str(tmp_path / "all.json.gz"), ws=other)[0] == 0
    assert json.loads(run("export", ws=other)[1]) == document
    code, _, err = run("export", "--prompt", "Nope")
    assert code == 4 and "no prompt named 'Nope'" in err


def test_missing_and_unreadable_files(run, tmp_path) -> None:
    code, _, err = run("import", str(tmp_path / "nope.json"))
    assert code == 4 and "does not exist" in err
    (tmp_path / "x.json").write_text('{"format": "other"}', "utf-8")
    code, _, err = run("import", str(tmp_path / "x.json"))
    assert code == 2 and "not a promptenv.v1 document" in err


def test_real_history_file_through_the_command(fresh_url: str, capsys) -> None:
    path = shared_file(HISTORY)
    code = cli.main(["--db", fresh_url, "import", str(path)])
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert code == 2 and out == ""
    assert len(lines) == 27 and all(line.startswith("invalid: ") for line in lines[:-1])
    assert lines[-1] == ("promptenv: nothing imported: 26 of 958 records are invalid (22 "
                         "duplicate name, 4 invalid name); fix them or import the rest with "
                         "--skip-invalid")
    assert "record 252 'Chess Player,I want you to act as a rival chess p…': prompt name is " \
        "384 characters long; the limit is 255" in err
    code = cli.main(["--db", fresh_url, "import", str(path), "--skip-invalid", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (report["records"], report["valid"], report["invalid"], report["skipped"]) == \
        (958, 932, 26, 26)
    assert (report["prompts_created"], report["versions_created"]) == (932, 1395)
    assert report["problem_kinds"] == {"duplicate_name": 22, "name": 4}
    # Move environments on the imported data, as a deploy script would.
    assert cli.main(["--db", fresh_url, "set", "Linux Terminal", "latest", "staging",
                     "production", "--yes"]) == 0
    assert cli.main(["--db", fresh_url, "get", "Linux Terminal", "--env", "production"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("my first command is pwd")
    assert check_invariants(fresh_url) == []
    with PromptLibrary(fresh_url) as library:
        assert counts(library) == {"prompts": 932, "versions": 1395, "ownerships": 2, "moves": 2}


def test_real_csv_through_the_command(fresh_url: str, capsys) -> None:
    path = shared_file(CSV_2023)
    assert cli.main(["--db", fresh_url, "import", str(path), "--skip-invalid"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(
        "skipped: awesome-prompts-2023.csv: row 157 (line 158) 'Python Interpreter'")
    assert "161 new prompts" in out and "162 new versions" in out


class _Terminal:
    """A stand-in for a terminal's stderr."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def test_progress_bar_on_a_terminal(run, tmp_path, monkeypatch) -> None:
    many = doc(*[prompt(f"P{i}", version(f"text {i}")) for i in range(300)])
    path = _file(tmp_path, "many.json", many)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    code, out, _ = run("import", str(path))
    assert code == 0 and "300 new prompts" in out
    assert "\rchecking [" in terminal.text and "] 300/300" in terminal.text
    assert "\rwriting  [##############################] 300/300" in terminal.text
    assert terminal.text.endswith("\r")  # the bar is wiped when done


def test_import_from_stdin(run, monkeypatch) -> None:
    import io

    data = json.dumps(GOOD).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, _ = run("import", "-")
    assert code == 0 and "2 new prompts" in out


def test_dry_run_and_failed_import_leave_no_new_database(tmp_path, capsys) -> None:
    path = _file(tmp_path, "good.json", GOOD)
    bad = _file(tmp_path, "bad.json", doc(prompt("Blank", version(" "))))
    target = tmp_path / "new" / "fresh.db"
    url = f"sqlite:///{target}"
    target.parent.mkdir()
    assert cli.main(["--db", url, "import", str(path), "--dry-run"]) == 0
    assert "would import: 2 new prompts" in capsys.readouterr().out
    assert not target.exists()
    assert cli.main(["--db", url, "import", str(bad)]) == 2
    assert list(target.parent.iterdir()) == []
    assert cli.main(["--db", url, "import", str(path)]) == 0
    assert target.exists()


def test_export_follows_links_and_reports_write_errors(run, tmp_path) -> None:
    assert run("import", str(_file(tmp_path, "good.json", GOOD)))[0] == 0
    target = tmp_path / "backup.json"
    target.write_text("old", "utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    code, _, _ = run("export", "-o", str(link))
    assert code == 0 and link.is_symlink()
    assert json.loads(target.read_text("utf-8"))["format"] == "promptenv.v1"
    code, _, err = run("export", "-o", str(tmp_path / "no-such-folder" / "x.json"))
    assert code == 4 and err.startswith("promptenv: cannot write")
    if __import__("os").path.exists("/dev/full"):
        code, _, err = run("export", "-o", "/dev/full")
        assert code == 1 and "No space left" in err
