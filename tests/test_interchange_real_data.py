"""The real sample files of ../shared/data, into a fresh SQLite and a fresh PostgreSQL database:
the report lists each invalid record and why, --skip-invalid loads the rest, environments move."""

from __future__ import annotations

import pytest

from promptenv_tui.domain import PromptLibrary
from promptenv_tui.domain import interchange as ix
from promptenv_tui.domain.invariants import check_invariants

from interchange_support import CSV_2023, HISTORY, counts, shared_file

# What the history file holds (958 records, 1,423 versions) and what is wrong with it.
HISTORY_RECORDS = 958
TOO_LONG = {252, 253, 261, 262}  # "Name,Text..." rows from broken CSV history: 288-527 characters
CASE_DUPLICATES = {161, 217, 231, 234, 235, 245, 248, 250, 251, 254, 255, 256, 257, 258, 259,
                   263, 264, 267, 271, 272, 273, 609}
VALID_PROMPTS = HISTORY_RECORDS - len(TOO_LONG) - len(CASE_DUPLICATES)  # 932
VALID_VERSIONS = 1395  # of 1,423: the 26 invalid records hold 28


@pytest.fixture
def fresh(fresh_url: str):
    with PromptLibrary(fresh_url, actor="importer") as library:
        yield library


def test_history_file_report_then_skip_invalid(fresh: PromptLibrary, fresh_url: str) -> None:
    path = shared_file(HISTORY)
    with pytest.raises(ix.ImportRejected) as caught:
        ix.import_files(fresh, [path])
    report = caught.value.report
    assert report.records == HISTORY_RECORDS and report.invalid == 26
    assert {p.record for p in report.problems if p.kind == "name"} == TOO_LONG
    assert {p.record for p in report.problems if p.kind == "duplicate_name"} == CASE_DUPLICATES
    assert all(p.source == HISTORY and p.name for p in report.problems)
    assert "nothing imported: 26 of 958 records are invalid (22 duplicate name, 4 invalid name)" \
        in str(caught.value)
    assert counts(fresh)["prompts"] == 0

    loaded = ix.import_files(fresh, [path], skip_invalid=True)
    assert loaded.imported and loaded.skipped == 26
    assert (loaded.prompts_created, loaded.versions_created) == (VALID_PROMPTS, VALID_VERSIONS)
    assert counts(fresh) == {"prompts": VALID_PROMPTS, "versions": VALID_VERSIONS,
                             "ownerships": 0, "moves": 0}
    # Shared commits across prompts are fine; a look-up by commit alone is then ambiguous.
    linux = fresh.retrieve_version("Linux Terminal")
    assert linux.commit == "def06dca"
    assert linux.created_at.isoformat() == "2022-12-14T00:44:50+00:00"

    again = ix.import_files(fresh, [path], skip_invalid=True)
    assert not again.changed and again.versions_unchanged == VALID_VERSIONS

    # The console's operations work on the imported data: move environments.
    prompt = fresh.get_prompt_by_name("linux terminal").prompt
    fresh.set_version_environments(linux.id, ["development", "staging"])
    fresh.set_version_environments(linux.id, ["staging", "production"], confirm_protected=True,
                                   reason="first release")
    assert [o.environment for o in fresh.owners(prompt.id)] == ["staging", "production"]
    page = fresh.list_prompts(environment="production")
    assert page.total == 1 and page.items[0].name == "Linux Terminal"
    assert fresh.list_prompts(search="interpreter").total == 4
    assert check_invariants(fresh_url) == []

    # Export and re-import into the same database: nothing changes.
    exported = ix.export(fresh)
    assert len(exported["prompts"]) == VALID_PROMPTS
    assert not ix.import_document(fresh, exported).changed


def test_csv_2023(fresh: PromptLibrary, fresh_url: str) -> None:
    path = shared_file(CSV_2023)
    with pytest.raises(ix.ImportRejected) as caught:
        ix.import_files(fresh, [path])
    [problem] = caught.value.report.problems
    assert (problem.record, problem.line, problem.kind, problem.name) == \
        (157, 158, "duplicate_name", "Python Interpreter")
    report = ix.import_files(fresh, [path], skip_invalid=True)
    # 163 rows: 'Life Coach' twice (two versions of one prompt), one case-only duplicate skipped.
    assert (report.records, report.prompts_created, report.versions_created) == (163, 161, 162)
    assert fresh.get_prompt_by_name("Life Coach").prompt.version_count == 2
    assert check_invariants(fresh_url) == []


def test_history_then_csv_adds_only_new_texts(fresh: PromptLibrary) -> None:
    ix.import_files(fresh, [shared_file(HISTORY)], skip_invalid=True)
    report = ix.import_files(fresh, [shared_file(CSV_2023)], skip_invalid=True)
    # Every 2023 text is already a version in the history (matched by text) but one: the second
    # 'Life Coach' row, which the history has under no version of 'Life Coach'.
    assert (report.prompts_created, report.prompts_updated) == (0, 1)
    assert (report.versions_created, report.versions_unchanged) == (1, 161)
    assert fresh.get_prompt_by_name("Life Coach").prompt.version_count == 2
