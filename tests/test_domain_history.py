"""Operation 19: the move history. Records are written with the change, keep names and version
numbers, survive renames and deletions, and can be filtered by prompt, environment, actor, time."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from domain_support import assert_invariants, move_rows
from promptenv_tui.domain import InvalidInput


def described(page) -> list[str]:
    return [f"{m.prompt_name} {m.describe()} by {m.actor}" for m in page.items]


def test_records_carry_everything_newest_first(library, make_library):
    v1 = library.create_prompt("Greeting", template="one").latest_version
    v2 = library.create_version("Greeting", "two", environments=["staging"]).version
    bob = make_library(actor="bob")
    bob.set_version_environments(v1.id, ["staging", "development"], reason="roll back")
    page = library.history()
    assert page.total == 3
    # one call, two records (one batch); then the older call's record
    assert sorted(described(page)[:2]) == [
        "Greeting development: nobody → v1 by bob", "Greeting staging: v2 → v1 by bob"]
    assert described(page)[2] == "Greeting staging: nobody → v2 by tester"
    newest, _, oldest = page.items
    assert newest.batch == page.items[1].batch != oldest.batch
    assert newest.id > oldest.id and newest.at >= oldest.at and newest.at.tzinfo is not None
    assert (oldest.cause, oldest.action, oldest.to_version_id) == ("new_version", "assign", v2.id)
    moved = next(m for m in page.items if m.environment_name == "staging" and m.actor == "bob")
    assert (moved.action, moved.cause, moved.reason) == ("move", "set", "roll back")
    assert (moved.from_version_id, moved.from_version_number) == (v2.id, 2)
    assert (moved.to_version_id, moved.to_version_number) == (v1.id, 1)
    assert moved.prompt_id == v1.prompt_id


def test_paging(library):
    v = library.create_version("P", "x").version
    for i in range(7):
        library.set_version_environments(v.id, ["staging"] if i % 2 == 0 else [])
    first = library.history(size=3)
    assert len(first.items) == 3 and first.total == 7 and first.pages == 3
    last = library.history(page=3, size=3)
    assert [m.describe() for m in last.items] == ["staging: nobody → v1"]
    assert library.history(page=4, size=3).items == ()
    for bad in (dict(page=0), dict(size=0), dict(size=1001)):
        with pytest.raises(InvalidInput):
            library.history(**bad)


def test_filter_by_prompt_id_and_name(library):
    a = library.create_version("Alpha", "x", environments=["staging"]).version
    library.create_version("Beta", "x", environments=["staging", "development"])
    assert library.history(prompt=a.prompt_id).total == 1
    assert library.history(prompt="alpha").total == 1
    assert library.history(prompt=" BETA ").total == 2
    assert library.history(prompt="Gamma").total == 0


def test_history_survives_a_rename_of_the_prompt(library, url):
    v1 = library.create_version("Old name", "x", environments=["staging"]).version
    library.update_prompt(v1.prompt_id, name="New name")
    library.create_version("New name", "y", environments=["staging"])
    records = library.history(prompt=v1.prompt_id).items
    assert [m.prompt_name for m in records] == ["New name", "Old name"]  # names as they were
    # filtering by the current name or the former one finds the whole history of the prompt
    assert library.history(prompt="new name").total == 2
    assert library.history(prompt="Old name").total == 2
    assert_invariants(url)


def test_history_survives_deleting_the_prompt(library, url):
    v = library.create_version("Doomed", "x", environments=["staging", "development"]).version
    library.delete_prompt(v.prompt_id, reason="cleanup")
    page = library.history(prompt="Doomed")
    assert page.total == 4
    assert [m.cause for m in page.items][:2] == ["prompt_deleted", "prompt_deleted"]
    assert {m.prompt_name for m in page.items} == {"Doomed"}
    assert {m.from_version_number for m in page.items[:2]} == {1}
    assert library.history(prompt=v.prompt_id).total == 4
    assert_invariants(url)


def test_filter_by_environment_current_former_and_deleted_names(library, url):
    v = library.create_version("P", "x", environments=["staging", "development"]).version
    library.update_environment("staging", new_name="preprod")
    library.set_version_environments(v.id, ["preprod"])  # clears development
    assert library.history(environment="PREPROD").total == 1  # the environment, whatever its name
    assert library.history(environment="staging").total == 1  # the records written under that name
    assert library.history(environment="development").total == 2
    library.delete_environment("development")
    assert library.history(environment="development").total == 2
    assert library.history(environment="production").total == 0
    assert library.history(environment="never-existed").total == 0
    assert_invariants(url)


def test_filter_by_actor(library, make_library):
    v = library.create_version("P", "x").version
    bob = make_library(actor="bob")
    library.set_version_environments(v.id, ["staging"])
    bob.set_version_environments(v.id, ["staging", "development"])
    bob.set_version_environments(v.id, [])
    assert library.history(actor="bob").total == 3
    assert library.history(actor=" tester ").total == 1
    assert library.history(actor="carol").total == 0
    assert bob.history(actor="bob", environment="development").total == 2
    assert library.history(actor="BOB").total == 3  # ignoring case, alike on both backends
    assert library.history(actor="bo").total == 0  # exact, not a substring


def test_records_after_a_move_id(library, make_library):
    v = library.create_version("P", "x").version
    library.set_version_environments(v.id, ["staging"])
    first = library.history().items[0].id
    bob = make_library(actor="bob")
    bob.set_version_environments(v.id, ["staging", "development"])
    bob.set_version_environments(v.id, [])
    newer = library.history(after_id=first)
    assert newer.total == 3 and all(m.id > first for m in newer.items)
    assert library.history(after_id=newer.items[0].id).total == 0
    for bad in ("3", 1.5, True):
        with pytest.raises(InvalidInput, match="after_id"):
            library.history(after_id=bad)


def test_filter_by_time(library):
    v = library.create_version("P", "x").version
    library.set_version_environments(v.id, ["staging"])
    time.sleep(0.05)
    middle = datetime.now(timezone.utc)
    time.sleep(0.05)
    library.set_version_environments(v.id, ["development"])
    assert library.history(since=middle).total == 2
    assert library.history(until=middle).total == 1
    assert library.history(since=middle - timedelta(hours=1), until=middle + timedelta(hours=1)).total == 3
    # another time zone names the same instant
    assert library.history(since=middle.astimezone(timezone(timedelta(hours=-5)))).total == 2
    with pytest.raises(InvalidInput, match="time zone"):
        library.history(since=datetime.now())


def test_every_change_is_one_record_and_nothing_else_is(library):
    v1 = library.create_version("P", "x").version
    v2 = library.create_version("P", "y").version
    library.set_version_environments(v1.id, ["staging", "development"])
    library.set_version_environments(v1.id, ["staging", "development"])  # no change
    library.set_version_environments(v2.id, ["staging"])
    library.update_prompt(v1.prompt_id, name="Q", description="d")  # not a move
    library.update_version_tags([v1.id], ["t"])  # not a move
    library.restore_version(v1.id)  # not a move
    assert [(r.action, r.environment_name) for r in move_rows(library)] == [
        ("assign", "development"), ("assign", "staging"), ("move", "staging")]


def test_change_marker_changes_with_every_kind_of_change(library, make_library):
    """One cheap query that differs after any change another console would need to show."""
    bob = make_library(actor="bob")
    seen = [library.change_marker()]

    def changed() -> bool:
        marker = library.change_marker()
        fresh = marker != seen[-1]
        seen.append(marker)
        return fresh

    assert library.change_marker() == seen[0]  # nothing happened: the same marker
    detail = bob.create_prompt("Greeting", template="one")
    assert changed()
    v2 = bob.create_version("Greeting", "two").version
    assert changed()
    bob.set_version_environments(v2.id, ["staging"])
    assert changed()
    assert seen[-1][0] == library.history().items[0].id  # the first item is the last move id
    time.sleep(0.01)
    bob.update_prompt(detail.prompt.id, description="says hello")
    assert changed()
    bob.create_environment("qa")
    assert changed()
    time.sleep(0.01)
    bob.update_environment("qa", description="the QA team")
    assert changed()
    bob.delete_environment("qa")
    assert changed()
    bob.delete_prompt(detail.prompt.id)
    assert changed()
    assert not changed()
    other = make_library(actor="bob", workspace="elsewhere")
    other.create_prompt("Elsewhere")
    assert not changed()  # another workspace's changes are not ours


def test_contains_match_finds_parts_of_names_ignoring_case(library, make_library):
    """For filter boxes: a piece of the prompt, environment or user name, any letter case."""
    router = library.create_version("Intent router", "x", environments=["staging"]).version
    library.create_version("Support reply", "x", environments=["development"])
    sofia = make_library(actor="sofia.marquez")
    sofia.set_version_environments(router.id, ["staging", "production"], confirm_protected=True)
    # exact stays the default (scripts rely on it)
    assert library.history(prompt="intent").total == 0
    assert library.history(actor="sofia").total == 0
    assert library.history(environment="prod").total == 0
    assert library.history(prompt="intent", match="contains").total == 2
    assert library.history(prompt="ROUTER", match="contains").total == 2
    assert library.history(prompt="r", match="contains").total == 3
    assert library.history(actor="Sofia", match="contains").total == 1
    assert library.history(actor="marq", environment="PROD", match="contains").total == 1
    assert library.history(environment="stag", match="contains").total == 1
    assert library.history(prompt="%", match="contains").total == 0  # wildcards are plain text
    assert library.history(prompt="_", match="contains").total == 0
    # the current name finds records written under a former one, and vice versa
    library.update_prompt(router.prompt_id, name="Classifier")
    library.update_environment("staging", new_name="preprod")
    assert library.history(prompt="classif", match="contains").total == 2
    assert library.history(prompt="intent", match="contains").total == 2
    assert library.history(environment="PREP", match="contains").total == 1
    with pytest.raises(InvalidInput):
        library.history(match="regex")
