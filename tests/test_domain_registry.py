"""Operation 18: the workspace's environment registry."""

from __future__ import annotations

import pytest

from domain_support import assert_invariants, move_rows, owners_by_name, refused
from promptenv_tui.domain import Conflict, InvalidInput, NotFound


def registry(library) -> list[tuple]:
    return [(e.name, e.position, e.protected) for e in library.list_environments()]


def test_a_new_workspace_starts_with_three_environments(library):
    envs = library.list_environments()
    assert registry(library) == [("development", 0, False), ("staging", 1, False),
                                 ("production", 2, True)]
    assert all(e.color and e.color.startswith("#") and e.description for e in envs)
    assert all(e.prompt_count == 0 for e in envs)


def test_list_counts_the_prompts_each_environment_serves(library):
    library.create_version("A", "x", environments=["staging"])
    library.create_version("B", "x", environments=["staging", "development"])
    library.create_version("B", "y", environments=["staging"])
    counts = {e.name: e.prompt_count for e in library.list_environments()}
    assert counts == {"development": 1, "staging": 2, "production": 0}
    assert library.get_environment("STAGING").prompt_count == 2


def test_create_environment(library):
    qa = library.create_environment(" qa_1 ", description="  Quality  ", color="#a1b2c3", protected=True)
    assert (qa.name, qa.description, qa.color, qa.position, qa.protected) == (
        "qa_1", "  Quality  ", "#A1B2C3", 3, True)
    assert qa.created_by == qa.updated_by == "tester"
    first = library.create_environment("canary", position=0)
    assert first.position == 0
    assert [n for n, _, _ in registry(library)] == ["canary", "development", "staging", "production", "qa_1"]
    assert [p for _, p, _ in registry(library)] == [0, 1, 2, 3, 4]
    assert library.create_environment("last", position=99).position == 5


@pytest.mark.parametrize("kwargs,error", [
    (dict(name="latest"), InvalidInput), (dict(name="Latest"), InvalidInput),
    (dict(name="v1"), InvalidInput), (dict(name="V42"), InvalidInput),
    (dict(name="with space"), InvalidInput), (dict(name="dot.ted"), InvalidInput),
    (dict(name=""), InvalidInput), (dict(name="qa", color="red"), InvalidInput),
    (dict(name="qa", color="#12345"), InvalidInput), (dict(name="qa", position=-1), InvalidInput),
    (dict(name="qa", position=True), InvalidInput), (dict(name="qa", position="1"), InvalidInput),
    (dict(name="Staging"), Conflict),
])
def test_create_environment_refusals(library, kwargs, error):
    with refused(library, error, reason="duplicate_name" if error is Conflict else None):
        library.create_environment(**kwargs)


def test_names_that_only_look_reserved_are_fine(library):
    for name in ("v", "vx", "v1a", "latest2", "1", "release-v1"):
        library.create_environment(name)


def test_get_environment_errors(library):
    with pytest.raises(NotFound, match="registered: development, production, staging"):
        library.get_environment("qa")
    with pytest.raises(InvalidInput):
        library.get_environment("v2")


def test_rename_keeps_every_ownership(library, url):
    v = library.create_version("P", "x", environments=["staging"]).version
    renamed = library.update_environment("staging", new_name="pre-prod")
    assert renamed.name == "pre-prod" and renamed.position == 1
    assert owners_by_name(library, v.prompt_id) == {"pre-prod": 1}
    assert library.get_version(v.id).environments == ("pre-prod",)
    assert library.retrieve_version("P", environment="PRE-PROD").id == v.id
    with pytest.raises(NotFound):
        library.retrieve_version("P", environment="staging")
    # a move after the rename names the environment by its new name; the old record keeps the old
    v2 = library.create_version("P", "y", environments=["pre-prod"]).version
    assert [m.environment_name for m in reversed(library.history().items)] == ["staging", "pre-prod"]
    assert owners_by_name(library, v2.prompt_id) == {"pre-prod": 2}
    # a case-only rename of itself is allowed
    assert library.update_environment("pre-prod", new_name="Pre-Prod").name == "Pre-Prod"
    assert_invariants(url)


def test_update_environment_fields(library):
    env = library.update_environment("development", description="Try here", color="#000000")
    assert (env.description, env.color) == ("Try here", "#000000")
    env = library.update_environment("development", description=None, color=None)
    assert (env.description, env.color) == (None, None)
    assert library.update_environment("staging", protected=True).protected
    library.update_environment("production", position=0)
    assert registry(library) == [("production", 0, True), ("development", 1, False), ("staging", 2, True)]
    library.update_environment("production", position=50)
    assert [n for n, _, _ in registry(library)] == ["development", "staging", "production"]


def test_update_environment_refusals(library):
    for kwargs in (dict(new_name="latest"), dict(new_name="v9"), dict(new_name="a b"),
                   dict(description="d" * 501), dict(color="#zzzzzz"), dict(position=-2)):
        with refused(library, InvalidInput):
            library.update_environment("staging", **kwargs)
    with refused(library, Conflict, reason="duplicate_name"):
        library.update_environment("staging", new_name="PRODUCTION")
    with refused(library, NotFound):
        library.update_environment("qa", description="x")
    with refused(library, Conflict, reason="protected_environment", match="production"):
        library.update_environment("production", protected=False)
    assert not library.update_environment("production", protected=False, confirm_protected=True).protected


def test_delete_an_unused_environment(library):
    library.create_environment("qa", position=1)
    deleted = library.delete_environment("QA")
    assert deleted.environment.name == "qa" and deleted.cleared == ()
    assert registry(library) == [("development", 0, False), ("staging", 1, False), ("production", 2, True)]
    with refused(library, NotFound):
        library.delete_environment("qa")


def test_deleting_an_environment_in_use_is_a_conflict_unless_forced(library, url):
    a = library.create_version("Alpha", "x", environments=["staging", "development"]).version
    b = library.create_version("Beta", "x", environments=["staging"]).version
    with refused(library, Conflict, reason="environment_in_use") as info:
        library.delete_environment("staging")
    assert "Alpha" in str(info.value) and "Beta" in str(info.value) and "force" in str(info.value)
    deleted = library.delete_environment("staging", force=True, reason="retired")
    assert sorted((m.prompt_name, m.describe()) for m in deleted.cleared) == [
        ("Alpha", "staging: v1 → nobody"), ("Beta", "staging: v1 → nobody")]
    assert {(m.cause, m.action, m.reason) for m in deleted.cleared} == {
        ("environment_deleted", "clear", "retired")}
    assert owners_by_name(library, a.prompt_id) == {"development": 1}
    assert library.owners(b.prompt_id) == ()
    assert [e.name for e in library.list_environments()] == ["development", "production"]
    with refused(library, NotFound):
        library.set_version_environments(a.id, ["staging"])
    # the history keeps the records, findable by the deleted name
    assert library.history(environment="staging").total == 4
    assert len(move_rows(library)) == 5
    assert_invariants(url)


def test_deleting_a_protected_environment_needs_confirmation(library):
    with refused(library, Conflict, reason="protected_environment", match="production"):
        library.delete_environment("production")
    library.create_version("P", "x", environments=["production"], confirm_protected=True)
    with refused(library, Conflict, reason="protected_environment"):
        library.delete_environment("production", force=True)
    deleted = library.delete_environment("production", force=True, confirm_protected=True)
    assert [m.describe() for m in deleted.cleared] == ["production: v1 → nobody"]


def test_a_recreated_environment_is_a_new_one(library, url):
    v = library.create_version("P", "x", environments=["staging"]).version
    library.delete_environment("staging", force=True)
    staging = library.create_environment("staging")
    assert staging.prompt_count == 0 and staging.position == 2
    assert library.get_version(v.id).environments == ()
    library.set_version_environments(v.id, ["staging"])
    assert library.history(environment="staging").total == 3
    assert_invariants(url)
