"""Spec section 3: setting a version's environments (operation 17), and the moves made by
create_version, assign_environment and clear_environment. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from domain_support import assert_invariants, move_rows, owners_by_name, refused
from promptenv_tui.domain import Conflict, InvalidInput, NotFound, PromptLibrary, Version


@dataclass
class Greeting:
    prompt_id: str
    v1: Version
    v2: Version
    v3: Version


@pytest.fixture
def g(library: PromptLibrary) -> Greeting:
    v1 = library.create_prompt("Greeting", template="Hello {{name}} (1)").latest_version
    v2 = library.create_version("Greeting", "Hello {{name}} (2)").version
    v3 = library.create_version("Greeting", "Hello {{name}} (3)").version
    return Greeting(v1.prompt_id, v1, v2, v3)


def described(result) -> list[str]:
    return sorted(m.describe() for m in result.moves)


def move_rows_as_records(library):
    """The prompt's move records, oldest first, as the history returns them."""
    return list(reversed(library.history(prompt="Greeting").items))


# --- the normal cases ------------------------------------------------------------------------


def test_set_one_environment(library, g, url):
    result = library.set_version_environments(g.v1.id, ["staging"])
    assert result.changed
    assert result.version.environments == ("staging",)
    assert described(result) == ["staging: nobody → v1"]
    (move,) = result.moves
    assert (move.action, move.cause, move.actor) == ("assign", "set", "tester")
    assert (move.from_version_id, move.to_version_id) == (None, g.v1.id)
    assert owners_by_name(library, g.prompt_id) == {"staging": 1}
    owner = library.owners(g.prompt_id)[0]
    assert owner.version_id == g.v1.id and owner.by == "tester"
    assert_invariants(url)


def test_add_one_environment_keeps_the_others(library, g, url):
    library.set_version_environments(g.v1.id, ["staging"])
    result = library.set_version_environments(g.v1.id, ["staging", "development"])
    assert described(result) == ["development: nobody → v1"]
    # environments come back in registry order, whatever the input order
    assert result.version.environments == ("development", "staging")
    assert owners_by_name(library, g.prompt_id) == {"development": 1, "staging": 1}
    assert_invariants(url)


def test_replace_the_set(library, g, url):
    library.set_version_environments(g.v1.id, ["staging"])
    result = library.set_version_environments(g.v1.id, ["development"])
    assert described(result) == ["development: nobody → v1", "staging: v1 → nobody"]
    assert {m.action for m in result.moves} == {"assign", "clear"}
    assert owners_by_name(library, g.prompt_id) == {"development": 1}
    assert_invariants(url)


def test_several_environments_on_one_version(library, g, url):
    result = library.set_version_environments(
        g.v2.id, ["development", "staging", "production"], confirm_protected=True)
    assert result.version.environments == ("development", "staging", "production")
    assert len(result.moves) == 3
    assert len({m.batch for m in result.moves}) == 1, "one call, one batch"
    assert owners_by_name(library, g.prompt_id) == {"development": 2, "staging": 2, "production": 2}
    assert_invariants(url)


def test_moving_takes_the_environment_from_the_previous_owner(library, g, url):
    library.set_version_environments(g.v1.id, ["development", "staging"])
    result = library.set_version_environments(g.v2.id, ["staging"])
    assert described(result) == ["staging: v1 → v2"]
    (move,) = result.moves
    assert move.action == "move"
    assert (move.from_version_id, move.from_version_number) == (g.v1.id, 1)
    assert (move.to_version_id, move.to_version_number) == (g.v2.id, 2)
    assert library.get_version(g.v1.id).environments == ("development",)
    assert library.get_version(g.v2.id).environments == ("staging",)
    assert_invariants(url)


def test_moving_an_environment_back_to_an_older_version(library, g, url):
    library.set_version_environments(g.v1.id, ["staging"])
    library.set_version_environments(g.v3.id, ["staging"])
    result = library.set_version_environments(g.v1.id, ["staging"])
    assert described(result) == ["staging: v3 → v1"]
    assert owners_by_name(library, g.prompt_id) == {"staging": 1}
    assert [m.describe() for m in move_rows_as_records(library)] == [
        "staging: nobody → v1", "staging: v1 → v3", "staging: v3 → v1"]
    assert_invariants(url)



def test_clear_everything_with_an_empty_set(library, g, url):
    library.set_version_environments(g.v1.id, ["development", "staging"])
    result = library.set_version_environments(g.v1.id, [])
    assert described(result) == ["development: v1 → nobody", "staging: v1 → nobody"]
    assert result.version.environments == ()
    assert library.owners(g.prompt_id) == ()
    assert_invariants(url)


def test_an_empty_set_on_a_version_without_environments_records_nothing(library, g):
    library.set_version_environments(g.v1.id, ["staging"])
    before = len(move_rows(library))
    result = library.set_version_environments(g.v2.id, set())
    assert not result.changed
    assert len(move_rows(library)) == before
    assert owners_by_name(library, g.prompt_id) == {"staging": 1}


def test_names_are_trimmed_and_matched_ignoring_case(library, g):
    result = library.set_version_environments(g.v1.id, ["  STAGING ", "Development"])
    assert result.version.environments == ("development", "staging")
    assert {m.environment_name for m in result.moves} == {"development", "staging"}


def test_duplicates_collapse(library, g):
    result = library.set_version_environments(g.v1.id, ["staging", "Staging", " staging", "staging"])
    assert described(result) == ["staging: nobody → v1"]
    assert len(move_rows(library)) == 1


def test_the_same_set_changes_and_records_nothing(library, g):
    library.set_version_environments(g.v1.id, ["staging", "development"])
    rows = move_rows(library)
    owner_before = library.owners(g.prompt_id)
    again = library.set_version_environments(g.v1.id, ["Development", "staging", "staging"])
    assert not again.changed and again.moves == ()
    assert move_rows(library) == rows
    assert library.owners(g.prompt_id) == owner_before  # not even 'since' is touched


# --- refusals: nothing changes -----------------------------------------------------------------


def test_none_is_refused_and_clears_nothing(library, g):
    library.set_version_environments(g.v1.id, ["staging"])
    with refused(library, InvalidInput, match="empty set"):
        library.set_version_environments(g.v1.id, None)
    assert owners_by_name(library, g.prompt_id) == {"staging": 1}


def test_one_string_instead_of_a_set_is_refused(library, g):
    with refused(library, InvalidInput):
        library.set_version_environments(g.v1.id, "staging")


@pytest.mark.parametrize("bad", ["latest", "LATEST", "v3", "V12", "v0"])
def test_reserved_names_leave_everything_untouched(library, g, bad):
    library.set_version_environments(g.v1.id, ["development"])
    with refused(library, InvalidInput, match="reserved"):
        library.set_version_environments(g.v2.id, ["staging", bad])


@pytest.mark.parametrize("bad", ["", "   ", "pro duction", "prod!", "prød", "a" * 151, None, 7])
def test_malformed_names_leave_everything_untouched(library, g, bad):
    library.set_version_environments(g.v1.id, ["development"])
    with refused(library, InvalidInput):
        library.set_version_environments(g.v1.id, ["staging", bad])


def test_unregistered_names_leave_everything_untouched(library, g):
    library.set_version_environments(g.v1.id, ["development"])
    with refused(library, NotFound) as info:
        library.set_version_environments(g.v2.id, ["development", "staging", "qa"])
    message = str(info.value)
    assert "'qa'" in message and "not registered" in message
    assert "registered: development, production, staging" in message
    assert owners_by_name(library, g.prompt_id) == {"development": 1}


def test_an_unknown_version_is_not_found(library, g):
    with refused(library, NotFound, reason="version_missing"):
        library.set_version_environments("00000000-0000-7000-8000-000000000000", ["staging"])


def test_a_version_of_another_workspace_is_not_found(library, g, make_library, workspace):
    other = make_library(workspace=workspace + "-other")
    foreign = other.create_prompt("Greeting", template="x").latest_version
    with refused(library, NotFound, reason="version_missing"):
        library.set_version_environments(foreign.id, ["staging"])
    assert other.get_version(foreign.id).environments == ()


# --- expected owners -----------------------------------------------------------------------------


def test_stale_expected_owner_is_a_conflict_that_says_who_moved_what(library, g, make_library, url):
    bob = make_library(actor="release-bot")
    library.set_version_environments(g.v1.id, ["staging"])
    seen = {"staging": g.v1.id}  # what alice's screen shows
    bob.set_version_environments(g.v2.id, ["staging"])
    with refused(library, Conflict, reason="stale_owner") as info:
        library.set_version_environments(g.v3.id, ["staging"], expected_owners=seen)
    message = str(info.value)
    assert "staging moved to v2 by release-bot" in message
    assert "nothing was changed" in message
    assert owners_by_name(library, g.prompt_id) == {"staging": 2}
    # refreshed, alice decides again and it works
    result = library.set_version_environments(g.v3.id, ["staging"], expected_owners={"staging": g.v2.id})
    assert described(result) == ["staging: v2 → v3"]
    assert_invariants(url)


def test_expected_nobody_but_someone_owns_it(library, g, make_library):
    make_library(actor="bob").set_version_environments(g.v2.id, ["staging"])
    with refused(library, Conflict, reason="stale_owner", match="staging moved to v2 by bob"):
        library.set_version_environments(g.v1.id, ["staging"], expected_owners={"staging": None})


@pytest.mark.parametrize("name", ["latest", "v3", "", "pro duction"])
def test_expected_owner_under_a_malformed_or_reserved_name_is_invalid(library, g, name):
    with refused(library, InvalidInput):
        library.set_version_environments(g.v1.id, ["staging"], expected_owners={name: None})


def test_expected_owner_but_it_was_cleared(library, g, make_library):
    library.set_version_environments(g.v1.id, ["staging"])
    make_library(actor="bob").set_version_environments(g.v1.id, [])
    with refused(library, Conflict, reason="stale_owner", match="staging was cleared by bob at "):
        library.set_version_environments(g.v2.id, ["staging"], expected_owners={"staging": g.v1.id})
    # Clearing it too: the same news, who and when.
    with refused(library, Conflict, reason="stale_owner", match="staging was cleared by bob at "):
        library.clear_environment(g.prompt_id, "staging", expected_owner=g.v1.id)


def test_any_stale_expected_owner_refuses_the_whole_call(library, g, make_library):
    library.set_version_environments(g.v1.id, ["development", "staging"])
    make_library(actor="bob").set_version_environments(g.v2.id, ["development"])
    with refused(library, Conflict, reason="stale_owner", match="development moved to v2"):
        library.set_version_environments(
            g.v3.id, ["development", "staging"],
            expected_owners={"staging": g.v1.id, "development": g.v1.id})
    assert owners_by_name(library, g.prompt_id) == {"development": 2, "staging": 1}


def test_correct_expected_owners_let_the_move_through(library, g):
    library.set_version_environments(g.v1.id, ["staging"])
    result = library.set_version_environments(
        g.v2.id, ["staging", "development"],
        expected_owners={"Staging": g.v1.id, "development": None})
    assert described(result) == ["development: nobody → v2", "staging: v1 → v2"]


def test_expected_owner_of_an_unregistered_environment_is_not_found(library, g):
    with refused(library, NotFound):
        library.set_version_environments(g.v1.id, ["staging"], expected_owners={"qa": None})


# --- protected environments -----------------------------------------------------------------------


def test_moving_into_a_protected_environment_needs_confirmation(library, g):
    with refused(library, Conflict, reason="protected_environment", match="production"):
        library.set_version_environments(g.v1.id, ["staging", "production"])
    result = library.set_version_environments(g.v1.id, ["staging", "production"],
                                              confirm_protected=True)
    assert result.version.environments == ("staging", "production")


def test_moving_out_of_a_protected_environment_needs_confirmation(library, g):
    library.set_version_environments(g.v1.id, ["production"], confirm_protected=True)
    with refused(library, Conflict, reason="protected_environment", match="production"):
        library.set_version_environments(g.v1.id, [])
    with refused(library, Conflict, reason="protected_environment", match="production"):
        library.set_version_environments(g.v2.id, ["production"])  # out of v1, into v2
    result = library.set_version_environments(g.v2.id, ["production"], confirm_protected=True)
    assert described(result) == ["production: v1 → v2"]


def test_leaving_a_protected_environment_alone_needs_no_confirmation(library, g):
    library.set_version_environments(g.v1.id, ["production"], confirm_protected=True)
    result = library.set_version_environments(g.v1.id, ["production", "staging"])
    assert described(result) == ["staging: nobody → v1"]


def test_a_newly_protected_environment_is_guarded(library, g):
    library.update_environment("staging", protected=True)
    with refused(library, Conflict, reason="protected_environment", match="staging"):
        library.set_version_environments(g.v1.id, ["staging"])


# --- assign_environment and clear_environment --------------------------------------------------


def test_assign_environment_adds_one_and_moves_it(library, g, url):
    library.set_version_environments(g.v1.id, ["development", "staging"])
    result = library.assign_environment(g.v2.id, "Staging")
    assert described(result) == ["staging: v1 → v2"]
    result = library.assign_environment(g.v2.id, "development")
    assert result.version.environments == ("development", "staging")
    assert not library.assign_environment(g.v2.id, "development").changed
    assert {m.cause for m in result.moves} == {"assign"}
    assert_invariants(url)


def test_assign_environment_refusals(library, g, make_library):
    library.set_version_environments(g.v1.id, ["staging"])
    with refused(library, InvalidInput, match="reserved"):
        library.assign_environment(g.v2.id, "latest")
    with refused(library, NotFound):
        library.assign_environment(g.v2.id, "qa")
    with refused(library, NotFound, reason="version_missing"):
        library.assign_environment("no-such-version", "staging")
    with refused(library, Conflict, reason="protected_environment"):
        library.assign_environment(g.v2.id, "production")
    make_library(actor="bob").assign_environment(g.v3.id, "staging")
    with refused(library, Conflict, reason="stale_owner", match="bob"):
        library.assign_environment(g.v2.id, "staging", expected_owners={"staging": g.v1.id})


def test_clear_environment(library, g, url):
    library.set_version_environments(g.v1.id, ["development", "staging"])
    records = library.clear_environment(g.prompt_id, "STAGING", expected_owner=g.v1.id)
    assert [m.describe() for m in records] == ["staging: v1 → nobody"]
    assert [(m.action, m.cause) for m in records] == [("clear", "clear")]
    assert owners_by_name(library, g.prompt_id) == {"development": 1}
    assert library.clear_environment(g.prompt_id, "staging") == ()  # nobody owns it: no record
    assert len(move_rows(library)) == 3
    assert_invariants(url)


def test_clear_environment_refusals(library, g, make_library):
    library.set_version_environments(g.v1.id, ["staging", "production"], confirm_protected=True)
    with refused(library, Conflict, reason="protected_environment", match="production"):
        library.clear_environment(g.prompt_id, "production")
    with refused(library, NotFound):
        library.clear_environment(g.prompt_id, "qa")
    with refused(library, InvalidInput):
        library.clear_environment(g.prompt_id, "v2")
    with refused(library, NotFound, reason="prompt_missing"):
        library.clear_environment("no-such-prompt", "staging")
    make_library(actor="bob").set_version_environments(g.v2.id, ["staging"])
    with refused(library, Conflict, reason="stale_owner", match="staging moved to v2 by bob"):
        library.clear_environment(g.prompt_id, "staging", expected_owner=g.v1.id)
    with refused(library, Conflict, reason="stale_owner"):
        library.clear_environment(g.prompt_id, "development", expected_owner=g.v1.id)
    records = library.clear_environment(g.prompt_id, "production", confirm_protected=True)
    assert [m.describe() for m in records] == ["production: v1 → nobody"]


# --- create_version carrying environments ---------------------------------------------------------


def test_create_version_moves_its_environments_in_the_same_call(library, g, url):
    library.set_version_environments(g.v1.id, ["development", "staging"])
    result = library.create_version("greeting", "Hello (4)", environments=["staging"],
                                    reason="ship it")
    v4 = result.version
    assert v4.number == 4 and v4.environments == ("staging",)
    assert described(result) == ["staging: v1 → v4"]
    (move,) = result.moves
    assert (move.cause, move.reason, move.to_version_id) == ("new_version", "ship it", v4.id)
    assert owners_by_name(library, g.prompt_id) == {"development": 1, "staging": 4}
    assert_invariants(url)


def test_create_version_of_a_new_prompt_with_environments(library, url):
    result = library.create_version("Fresh", "Hi", environments=["development", "staging"])
    assert result.version.number == 1
    assert described(result) == ["development: nobody → v1", "staging: nobody → v1"]
    assert_invariants(url)


def test_create_version_refusals_create_nothing(library, g, make_library):
    library.set_version_environments(g.v1.id, ["staging"])
    with refused(library, Conflict, reason="protected_environment"):
        library.create_version("Greeting", "Hello (4)", environments=["production"])
    with refused(library, NotFound):
        library.create_version("Greeting", "Hello (4)", environments=["qa"])
    with refused(library, InvalidInput):
        library.create_version("Greeting", "Hello (4)", environments=["latest"])
    with refused(library, NotFound):  # the prompt it would create is not created either
        library.create_version("Brand new", "Hi", environments=["qa"])
    with refused(library, Conflict, reason="protected_environment"):
        library.create_version("Brand new", "Hi", environments=["production"])
    make_library(actor="bob").set_version_environments(g.v2.id, ["staging"])
    with refused(library, Conflict, reason="stale_owner", match="bob"):
        library.create_version("Greeting", "Hello (4)", environments=["staging"],
                               expected_owners={"staging": g.v1.id})
    # the counter did not move: the next version is v4
    assert library.create_version("Greeting", "Hello (4)").version.number == 4


def test_move_records_are_in_the_table_when_the_call_returns(library, g):
    result = library.set_version_environments(g.v2.id, ["development", "staging"], reason="why not")
    rows = move_rows(library)
    assert [r.id for r in rows] == sorted(m.id for m in result.moves)
    for row in rows:
        assert row.prompt_name == "Greeting" and row.reason == "why not"
        assert (row.to_version_id, row.to_version_number) == (g.v2.id, 2)
        assert row.from_version_number is None and row.actor == "tester"
