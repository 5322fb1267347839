"""Import checks the whole input first: every problem with its place; all or nothing by default,
``skip_invalid`` imports the rest; an interrupted import leaves the database as it was."""

from __future__ import annotations

import pytest

from promptenv_tui.domain import InvalidInput, PromptLibrary, ReadOnly
from promptenv_tui.domain import interchange as ix
from promptenv_tui.domain.invariants import check_invariants

from interchange_support import counts, doc, prompt, version


def _messy() -> dict:
    return doc(
        prompt("Good one", version("Fine {{x}}", commit="good0001")),
        prompt("  ", version("blank name")),
        prompt("Line\nbreak", version("name with a line break")),
        prompt("x" * 300, version("long name")),
        prompt("GOOD ONE", version("case-only duplicate")),
        prompt("Bad template", version("   ")),
        prompt("Bad commit", version("a", commit="xyz"), version("b", commit="not-hex!")),
        prompt("Dup commit", version("a", commit="abcd1234"), version("b", commit="abcd1234")),
        prompt("Twice staged", version("a", environments=["staging"]), version("b", environments=["Staging"])),
        prompt("Reserved env", version("a", environments=["latest"])),
        prompt("Unknown env", version("a", environments=["moon"])),
        prompt("Bad type", version("a", type="handlebars"), template_structure="text"),
        prompt("Bad date", version("a", created_at="yesterday")),
        "not an object",
        prompt("Another good", version("Also fine")),
    )


def test_every_problem_is_reported_with_its_place(library: PromptLibrary) -> None:
    with pytest.raises(ix.ImportRejected) as caught:
        ix.import_document(library, _messy(), source="messy.json")
    report = caught.value.report
    assert not report.imported
    assert report.records == 15 and report.invalid == 13 and report.valid == 2
    by_record = {}
    for p in report.problems:
        by_record.setdefault(p.record, []).append(p)
    assert sorted(by_record) == list(range(2, 15))
    assert by_record[2][0].kind == "name" and "blank" in by_record[2][0].reason
    assert "control character" in by_record[3][0].reason
    assert "300 characters long" in by_record[4][0].reason
    assert by_record[5][0].kind == "duplicate_name"
    assert "differing only by letter case from 'Good one' in record 1" in by_record[5][0].reason
    assert by_record[6][0].kind == "template" and by_record[6][0].version == 1
    assert [(p.kind, p.version) for p in by_record[7]] == [("commit", 1), ("commit", 2)]
    assert by_record[8][0].kind == "duplicate_commit" and by_record[8][0].version == 2
    assert by_record[9][0].kind == "duplicate_environment"
    assert "reserved" in by_record[10][0].reason
    assert by_record[11][0].kind == "environment" and "'moon' is neither registered" in by_record[11][0].reason
    assert by_record[12][0].kind == "type"
    assert by_record[13][0].kind == "created_at"
    assert by_record[14][0].kind == "record"
    text = str(by_record[5][0])
    assert text.startswith("messy.json: record 5 'GOOD ONE': ")
    assert str(by_record[6][0]).startswith("messy.json: record 6 version 1 'Bad template': ")
    assert "13 of 15 records are invalid" in str(caught.value)
    assert isinstance(caught.value, InvalidInput)


def test_nothing_is_written_when_a_record_is_invalid(library: PromptLibrary) -> None:
    library.open()
    before = counts(library)
    with pytest.raises(ix.ImportRejected):
        ix.import_document(library, _messy())
    assert counts(library) == before
    assert [e.name for e in library.list_environments()] == ["development", "staging", "production"]


def test_skip_invalid_imports_the_rest(library: PromptLibrary, url: str) -> None:
    report = ix.import_document(library, _messy(), skip_invalid=True)
    assert report.imported and report.skipped == 13
    assert (report.prompts_created, report.versions_created) == (2, 2)
    assert [p.name for p in library.list_prompts().items] == ["Another good", "Good one"]
    assert check_invariants(url) == []


def test_database_checks_commit_naming_another_text(library: PromptLibrary) -> None:
    ix.import_document(library, doc(prompt("P", version("one", commit="c0000001"))))
    clash = doc(prompt("P", version("one, edited", commit="c0000001")), prompt("Q", version("q")))
    with pytest.raises(ix.ImportRejected) as caught:
        ix.import_document(library, clash)
    problem = caught.value.report.problems[0]
    assert problem.kind == "commit_clash" and problem.record == 1
    assert "commit 'c0000001' is already v1 of prompt 'P' with a different template" in problem.reason
    assert counts(library)["prompts"] == 1
    report = ix.import_document(library, clash, skip_invalid=True)
    assert report.prompts_created == 1 and report.skipped == 1


def test_interrupted_import_leaves_the_database_unchanged(library: PromptLibrary, url: str,
                                                          monkeypatch) -> None:
    monkeypatch.setattr(ix, "WRITE_CHUNK", 10)
    library.create_prompt("Existing", template="keep me")
    before = counts(library)
    big = doc(*[prompt(f"Prompt {i:03}", version(f"text {i}", environments=["staging"]),
                       version(f"text {i} v2")) for i in range(35)],
              prompt("Existing", version("keep me"), version("new text")),
              environments=[{"name": "qa"}])
    calls = []

    def progress(stage: str, done: int, total: int) -> None:
        calls.append((stage, done, total))
        if stage == "writing" and done >= 20:
            raise KeyboardInterrupt  # the user pressed Ctrl-C half-way

    with pytest.raises(KeyboardInterrupt):
        ix.import_document(library, big, progress=progress)
    assert ("writing", 10, 36) in calls and ("writing", 20, 36) in calls
    assert counts(library) == before
    assert [e.name for e in library.list_environments()] == ["development", "staging", "production"]
    assert check_invariants(url) == []
    # And the same import then goes through.
    report = ix.import_document(library, big)
    assert (report.prompts_created, report.versions_created, report.moves) == (35, 71, 35)


def test_dry_run_checks_the_database_and_writes_nothing(library: PromptLibrary) -> None:
    library.open()
    before = counts(library)
    report = ix.import_document(library, doc(prompt("New", version("x", environments=["qa"])),
                                             environments=[{"name": "qa"}]), dry_run=True)
    assert report.dry_run and not report.imported
    assert (report.prompts_created, report.versions_created, report.moves) == (1, 1, 1)
    assert report.environments_created == ["qa"]
    assert counts(library) == before
    assert "qa" not in [e.name for e in library.list_environments()]


def test_read_only_library_refuses_to_import(make_library) -> None:
    make_library().open()
    reader = make_library(read_only=True)
    with pytest.raises(ReadOnly):
        ix.import_document(reader, doc(prompt("X", version("x"))))


def test_unreadable_documents(library: PromptLibrary, tmp_path) -> None:
    with pytest.raises(InvalidInput, match="not a promptenv.v1 document"):
        ix.import_document(library, {"format": "other"})
    (tmp_path / "broken.json").write_text("{ nope", "utf-8")
    with pytest.raises(InvalidInput, match="broken.json: not valid JSON"):
        ix.import_files(library, [tmp_path / "broken.json"])
    with pytest.raises(Exception, match="does not exist"):
        ix.import_files(library, [tmp_path / "missing.json"])


def test_bad_environment_entries(library: PromptLibrary) -> None:
    envs = [{"name": "ok-env"}, {"name": "bad name"}, {"name": "OK-ENV"}, {"name": "c", "color": "red"}]
    with pytest.raises(ix.ImportRejected) as caught:
        ix.import_document(library, doc(prompt("P", version("p")), environments=envs))
    problems = caught.value.report.problems
    assert [(p.what, p.record, p.kind) for p in problems] == [
        ("environment", 2, "environment"), ("environment", 3, "duplicate_environment"),
        ("environment", 4, "color")]
    report = ix.import_document(library, doc(prompt("P", version("p")), environments=envs),
                                skip_invalid=True)
    assert report.environments_created == ["ok-env"] and report.valid == 1
