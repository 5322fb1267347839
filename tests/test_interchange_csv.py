"""CSV import: which columns mean what, metadata from the rest, rows as versions, broken rows."""

from __future__ import annotations

import pytest

from promptenv_tui.domain import InvalidInput, PromptLibrary
from promptenv_tui.domain import interchange as ix

from interchange_support import counts


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_act_and_prompt_columns_with_metadata(library: PromptLibrary, tmp_path) -> None:
    path = _write(tmp_path, "p.csv", '\ufeff"act","prompt","for_devs","lang"\r\n'
                  '"Linux Terminal","I want you to act as a terminal.\nReply {{cmd}}","TRUE",""\r\n'
                  '"Translator","Translate {{text}}","FALSE","en"\r\n')
    report = ix.import_files(library, [path])
    assert (report.records, report.prompts_created, report.versions_created) == (2, 2, 2)
    linux = library.retrieve_version("Linux Terminal")
    assert linux.template == "I want you to act as a terminal.\nReply {{cmd}}"
    assert linux.metadata == {"for_devs": "TRUE"}  # empty cells are left out
    assert library.retrieve_version("Translator").metadata == {"for_devs": "FALSE", "lang": "en"}
    again = ix.import_files(library, [path])
    assert not again.changed and again.versions_unchanged == 2


def test_name_and_template_headers_and_named_columns(library: PromptLibrary, tmp_path) -> None:
    ix.import_files(library, [_write(tmp_path, "a.csv", "Name,Template,owner\nA,Text of a,me\n")])
    assert library.retrieve_version("A").metadata == {"owner": "me"}
    other = _write(tmp_path, "b.txt", "title;body;rev;when\nB;Body of b;abc12345;2023-05-01T12:00:00Z\n")
    options = ix.CsvOptions(name_column="title", text_column="BODY", commit_column="rev",
                            created_at_column="when", delimiter=";")
    report = ix.import_files(library, [other], format="csv", csv_options=options)
    assert report.versions_created == 1
    b = library.retrieve_version("B")
    assert (b.template, b.commit, b.created_at.isoformat()) == ("Body of b", "abc12345",
                                                                "2023-05-01T12:00:00+00:00")
    assert b.metadata == {}


def test_missing_columns_are_named(library: PromptLibrary, tmp_path) -> None:
    path = _write(tmp_path, "c.csv", "title,body\nx,y\n")
    with pytest.raises(InvalidInput, match=r"no column for the prompt name .*'name' or 'act'.*--name-column"):
        ix.import_files(library, [path])
    with pytest.raises(InvalidInput, match="no column named 'nope'"):
        ix.import_files(library, [path], csv_options=ix.CsvOptions(name_column="nope"))


def test_rows_with_the_same_name_are_versions(library: PromptLibrary, tmp_path) -> None:
    path = _write(tmp_path, "v.csv", "name,prompt\nCoach,first\nOther,o\nCoach,second\nCoach,first\n")
    report = ix.import_files(library, [path])
    assert (report.prompts_created, report.versions_created) == (2, 4)
    assert [v.template for v in library.list_versions(
        library.get_prompt_by_name("Coach").prompt.id, oldest_first=True).items] == \
        ["first", "second", "first"]
    assert not ix.import_files(library, [path]).changed


def test_broken_rows_are_reported_with_lines(library: PromptLibrary, tmp_path) -> None:
    path = _write(tmp_path, "broken.csv",
                  'act,prompt\n"Good","fine"\n"Two\nlines","x"\nToo,many,cells\n'
                  'good,case-only duplicate\nEmpty,"  "\n')
    with pytest.raises(ix.ImportRejected) as caught:
        ix.import_files(library, [path])
    problems = caught.value.report.problems
    assert [(p.record, p.line, p.kind) for p in problems] == [
        (2, 3, "name"), (3, 5, "row"), (4, 6, "duplicate_name"), (5, 7, "template")]
    assert str(problems[2]).startswith("broken.csv: row 4 (line 6) 'good': a name differing only by")
    assert counts(library)["prompts"] == 0
    report = ix.import_files(library, [path], skip_invalid=True)
    assert report.prompts_created == 1 and report.skipped == 4
