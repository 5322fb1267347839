"""Import and export of promptenv.v1 on both backends: round trip, idempotence, newer files,
environments and ownership."""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

import pytest

from promptenv_tui.domain import NotFound, PromptLibrary
from promptenv_tui.domain import interchange as ix
from promptenv_tui.domain.invariants import check_invariants

from interchange_support import counts, doc, prompt, version


def _rich_doc() -> dict:
    chat = json.dumps([{"role": "system", "content": "You are {{persona}}."},
                       {"role": "user", "content": "{{question}}"}])
    return doc(
        prompt("Support reply", version("Hello {{name}},\r\n\tthanks for writing.", commit="aaaa0001",
                                        created_at="2024-01-02T10:00:00+02:00", created_by="maya",
                                        metadata={"z": 1, "a": {"y": [1, 2], "b": None}},
                                        environments=["production"]),
               version("Hi {{name}} 👋\nThanks!", commit="aaaa0002", tags=["short"],
                       change_description="friendlier", created_at="2024-02-01T09:30:00Z",
                       environments=["staging", "qa"]),
               description="Replies to support tickets", tags=["support", "email"]),
        prompt("Chat helper", version(chat, type="jinja2", commit="bbbb0001",
                                      environments=["development"]),
               template_structure="chat"),
        prompt("Empty prompt"),
        environments=[
            {"name": "development", "description": "dev", "color": "#112233", "position": 0,
             "protected": False},
            {"name": "qa", "description": "Quality checks", "color": "#ABCDEF", "position": 1,
             "protected": False},
            {"name": "staging", "position": 2},
            {"name": "production", "position": 3, "protected": True},
        ],
    )


def test_round_trip_export_import_export(make_library, workspace) -> None:
    first = make_library("alice")
    report = ix.import_document(first, _rich_doc(), source="rich.json")
    assert report.imported and report.problems == []
    assert (report.prompts_created, report.versions_created) == (3, 3)
    assert report.environments_created == ["qa"]
    assert report.moves == 4
    exported = ix.export(first)

    # Import the export into an empty workspace, export again: the same document.
    second = make_library("bob", workspace=workspace + "-copy")
    ix.import_document(second, exported, source="export.json")
    assert ix.export(second) == exported
    assert ix.dumps(ix.export(second)) == ix.dumps(exported)

    names = [p["name"] for p in exported["prompts"]]
    assert names == ["Chat helper", "Empty prompt", "Support reply"]
    assert [e["name"] for e in exported["environments"]] == ["development", "qa", "staging", "production"]
    support = exported["prompts"][2]
    v1, v2 = support["versions"]
    assert v1["template"] == "Hello {{name}},\r\n\tthanks for writing."
    assert v1["created_at"] == "2024-01-02T08:00:00+00:00" and v1["created_by"] == "maya"
    assert v1["metadata"] == {"a": {"b": None, "y": [1, 2]}, "z": 1}
    assert list(v1["metadata"]) == ["z", "a"]  # as written, on both backends
    assert v1["environments"] == ["production"] and v2["environments"] == ["qa", "staging"]
    assert v2["created_by"] == "alice"  # not given: the importing user
    assert support["tags"] == ["support", "email"]
    assert exported["prompts"][0]["template_structure"] == "chat"
    assert exported["prompts"][0]["versions"][0]["type"] == "jinja2"
    assert exported["prompts"][1]["versions"] == []


def test_versions_keep_commit_and_created_at(library: PromptLibrary) -> None:
    ix.import_document(library, _rich_doc())
    v1 = library.retrieve_version("Support reply", version="v1")
    assert v1.commit == "aaaa0001"
    assert v1.created_at == datetime(2024, 1, 2, 8, 0, tzinfo=timezone.utc)
    assert v1.created_by == "maya"
    assert library.retrieve_version("Support reply", environment="production").id == v1.id
    assert library.retrieve_version("Support reply", commit="aaaa0002").number == 2


def test_reimport_changes_nothing(library: PromptLibrary, url: str) -> None:
    ix.import_document(library, _rich_doc())
    before = counts(library)
    exported = ix.export(library)
    again = ix.import_document(library, _rich_doc())
    assert again.imported and not again.changed
    assert (again.prompts_unchanged, again.versions_unchanged, again.moves) == (3, 3, 0)
    assert counts(library) == before
    assert ix.export(library) == exported
    assert check_invariants(url) == []


def test_reimport_without_commits_matches_by_text(library: PromptLibrary) -> None:
    plain = doc(prompt("Summariser", version("Summarise: {{text}}"), version("TL;DR {{text}}"),
                       version("Summarise: {{text}}")))
    ix.import_document(library, plain)
    assert counts(library)["versions"] == 3
    again = ix.import_document(library, plain)
    assert not again.changed and again.versions_unchanged == 3
    newer = doc(prompt("Summariser", version("Summarise: {{text}}"), version("TL;DR {{text}}"),
                       version("Summarise: {{text}}"), version("Summarise in {{n}} bullets: {{text}}")))
    report = ix.import_document(library, newer)
    assert (report.versions_created, report.versions_unchanged, report.prompts_updated) == (1, 3, 1)
    latest = library.retrieve_version("Summariser")
    assert (latest.number, latest.template) == (4, "Summarise in {{n}} bullets: {{text}}")


def test_newer_file_adds_only_what_is_new(library: PromptLibrary, url: str) -> None:
    ix.import_document(library, _rich_doc())
    moved = library.retrieve_version("Support reply", version="v2")
    library.set_version_environments(moved.id, ["staging", "qa", "development"])
    newer = _rich_doc()
    newer["prompts"][0]["versions"][1]["environments"] = ["qa"]
    newer["prompts"][0]["versions"].append(
        version("Hi {{name}}, v3", commit="aaaa0003", environments=["staging"]))
    newer["prompts"].append(prompt("Brand new", version("New {{x}}", commit="cccc0001")))
    before = counts(library)
    report = ix.import_document(library, newer, source="newer.json")
    assert (report.prompts_created, report.prompts_updated, report.prompts_unchanged) == (1, 1, 2)
    assert (report.versions_created, report.versions_unchanged) == (2, 3)
    assert report.moves == 1  # staging: v2 -> v3; development is not named, so it stays
    after = counts(library)
    assert after["prompts"] == before["prompts"] + 1 and after["versions"] == before["versions"] + 2
    v3 = library.retrieve_version("Support reply", environment="staging")
    assert (v3.number, v3.commit) == (3, "aaaa0003")
    assert library.retrieve_version("Support reply", environment="development").number == 2
    move = library.history(prompt="Support reply", environment="staging", size=1).items[0]
    assert (move.cause, move.action, move.from_version_number, move.to_version_number) == \
        ("import", "move", 2, 3)
    assert move.reason == "import of newer.json"
    assert check_invariants(url) == []


def test_import_moves_protected_environment_without_confirmation(library: PromptLibrary) -> None:
    library.create_prompt("Greeter", template="Hello")
    v1 = library.retrieve_version("Greeter")
    library.set_version_environments(v1.id, ["production"], confirm_protected=True)
    newer = doc(prompt("Greeter", version("Hello"), version("Hello there", environments=["production"])))
    report = ix.import_document(library, newer)
    assert report.moves == 1
    assert library.retrieve_version("Greeter", environment="production").template == "Hello there"
    record = library.history(prompt="Greeter", size=1).items[0]
    assert (record.cause, record.environment_name, record.actor) == ("import", "production", "tester")


def test_import_never_lifts_protection_without_confirmation(library: PromptLibrary) -> None:
    loose = doc(environments=[{"name": "production", "protected": False, "description": "Live"}])
    report = ix.import_document(library, loose)
    assert report.warnings and "stays protected" in report.warnings[0]
    production = library.get_environment("production")
    assert production.protected and production.description == "Live"
    ix.import_document(library, loose, confirm_protected=True)
    assert not library.get_environment("production").protected


def test_environment_positions_follow_the_document(library: PromptLibrary) -> None:
    ix.import_document(library, doc(environments=[
        {"name": "canary", "position": 2}, {"name": "eu-prod", "color": "#00ff00"}]))
    names = [e.name for e in library.list_environments()]
    assert names == ["development", "staging", "canary", "production", "eu-prod"]
    assert library.get_environment("eu-prod").color == "#00FF00"
    again = ix.import_document(library, doc(environments=[
        {"name": "canary", "position": 2}, {"name": "eu-prod", "color": "#00ff00"}]))
    assert not again.changed


def test_gzip_and_plain_files(library: PromptLibrary, tmp_path) -> None:
    ix.import_document(library, _rich_doc())
    exported = ix.export(library)
    ix.write_document(exported, tmp_path / "out.json.gz")
    ix.write_document(exported, tmp_path / "out.json")
    with gzip.open(tmp_path / "out.json.gz", "rt", encoding="utf-8") as fh:
        assert json.load(fh) == exported
    assert json.loads((tmp_path / "out.json").read_text("utf-8")) == exported
    report = ix.import_files(library, [tmp_path / "out.json.gz", tmp_path / "out.json"])
    assert report.imported and not report.changed and report.records == 6


def test_export_selected_prompts(library: PromptLibrary) -> None:
    ix.import_document(library, _rich_doc())
    part = ix.export(library, ["support REPLY"])
    assert [p["name"] for p in part["prompts"]] == ["Support reply"]
    assert len(part["environments"]) == 4
    with pytest.raises(NotFound, match="no prompt named 'Nope'"):
        ix.export(library, ["Nope", "Chat helper"])


def test_export_is_the_same_on_both_backends(library: PromptLibrary, tmp_path) -> None:
    ix.import_document(library, _rich_doc())
    exported = ix.export(library)
    with PromptLibrary(f"sqlite:///{tmp_path / 'other.db'}", actor="x") as other:
        ix.import_document(other, exported)
        assert ix.export(other) == exported


def test_chat_templates_are_checked_as_chat(library: PromptLibrary) -> None:
    bad = doc(prompt("Chatty", version("not json"), template_structure="chat"))
    with pytest.raises(ix.ImportRejected) as caught:
        ix.import_document(library, bad)
    assert caught.value.report.problems[0].kind == "template"
    assert "chat template is not valid JSON" in caught.value.report.problems[0].reason
    # A record without a structure follows the existing prompt's.
    library.create_prompt("Chatty", template_structure="chat",
                          template='[{"role": "user", "content": "hi"}]')
    with pytest.raises(ix.ImportRejected, match="1 invalid template"):
        ix.import_document(library, doc(prompt("Chatty", version("plain text"))))
    structure = doc(prompt("Chatty", version("plain text"), template_structure="text"))
    with pytest.raises(ix.ImportRejected) as caught:
        ix.import_document(library, structure)
    assert caught.value.report.problems[0].kind == "structure"


def test_new_prompts_take_their_dates_from_the_versions(library: PromptLibrary) -> None:
    ix.import_document(library, _rich_doc())
    prompt = library.get_prompt_by_name("Support reply").prompt
    assert prompt.created_at == datetime(2024, 1, 2, 8, 0, tzinfo=timezone.utc)
    assert prompt.updated_at == datetime(2024, 2, 1, 9, 30, tzinfo=timezone.utc)
    assert [p.name for p in library.list_prompts(sort="updated").items][-1] == "Support reply"


def test_round_trip_with_a_renamed_and_a_deleted_default_environment(make_library,
                                                                     workspace) -> None:
    first = make_library("alice")
    ix.import_document(first, _rich_doc(), source="rich.json")
    first.update_environment("production", new_name="prod", confirm_protected=True)
    first.delete_environment("development", force=True)
    exported = ix.export(first)
    assert [e["name"] for e in exported["environments"]] == ["qa", "staging", "prod"]

    # A workspace where nothing was done yet takes the whole registry of the document...
    second = make_library("bob", workspace=workspace + "-copy")
    report = ix.import_document(second, exported, source="export.json")
    assert report.environments_removed == ["development", "production"]
    assert ix.dumps(ix.export(second)) == ix.dumps(exported)
    # ...and importing it again changes nothing.
    again = ix.import_document(second, exported, source="export.json")
    assert not again.changed and again.environments_removed == []

    # A workspace already in use keeps its environments: only what the file names is touched.
    third = make_library("carol", workspace=workspace + "-used")
    third.create_prompt("Already here", template="x")
    report = ix.import_document(third, exported, source="export.json")
    assert report.environments_removed == []
    assert [e.name for e in third.list_environments()] == [
        "qa", "staging", "prod", "development", "production"]


def test_a_commit_missing_from_the_database_matches_identical_text(library: PromptLibrary) -> None:
    # The same prompts came in first from a file without commits (a CSV, say).
    ix.import_document(library, doc(prompt("Linux Terminal", version("act as a terminal"))))
    history = doc(prompt("Linux Terminal",
                         version("act as a terminal", commit="c0000001"),
                         version("act as a shell", commit="c0000002"),
                         version("act as a terminal", commit="c0000003")))
    report = ix.import_document(library, history)
    assert (report.versions_unchanged, report.versions_created) == (1, 2)
    versions = library.list_versions(library.get_prompt_by_name("Linux Terminal").prompt.id).items
    assert [(v.number, v.template) for v in reversed(versions)] == [
        (1, "act as a terminal"), (2, "act as a shell"), (3, "act as a terminal")]
    again = ix.import_document(library, history)
    assert not again.changed and again.versions_unchanged == 3
