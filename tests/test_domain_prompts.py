"""Operations 1, 2, 5, 6, 7 and 8 of the spec: list, create, get, update and delete prompts."""

from __future__ import annotations

import time
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from domain_support import assert_invariants, move_rows, refused
from promptenv_tui.domain import Conflict, InvalidInput, NotFound, Page, PromptLibrary

UNKNOWN_ID = "00000000-0000-7000-8000-000000000000"


# --- 2. create prompt ---------------------------------------------------------------------------


def test_create_prompt_without_a_template(library):
    detail = library.create_prompt("Greeting", description="Says hello", tags=["a", "b", "a"])
    p = detail.prompt
    assert (p.name, p.description, p.tags, p.template_structure) == (
        "Greeting", "Says hello", ("a", "b"), "text")
    assert p.version_count == 0 and p.latest_version is None and p.owners == ()
    assert detail.latest_version is None
    assert p.created_by == p.updated_by == "tester"
    assert p.created_at.tzinfo is not None
    assert uuid.UUID(p.id).version == 7


def test_create_prompt_with_a_template_creates_v1_in_the_same_call(library):
    detail = library.create_prompt("Greeting", template="Hello {{name}}", type="mustache",
                                   metadata={"model": "gpt"}, change_description="first",
                                   commit="abcd1234")
    v1 = detail.latest_version
    assert (v1.number, v1.commit, v1.template, v1.change_description) == (
        1, "abcd1234", "Hello {{name}}", "first")
    assert v1.metadata == {"model": "gpt"} and v1.variables == ("name",)
    assert detail.prompt.version_count == 1
    assert detail.prompt.latest_version.id == v1.id
    assert move_rows(library) == []  # a version alone moves nothing


def test_create_chat_prompt(library):
    chat = '[{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi {{who}}"}]'
    detail = library.create_prompt("Chat", template_structure="chat", template=chat)
    assert detail.prompt.template_structure == "chat"
    assert detail.latest_version.template == chat
    assert detail.latest_version.variables == ("who",)


def test_create_prompt_duplicate_name_is_a_conflict(library):
    library.create_prompt("Greeting", template="x")
    for clash in ("Greeting", "greeting", "GREETING", "  gReEtInG  "):
        with refused(library, Conflict, reason="duplicate_name", match="already exists"):
            library.create_prompt(clash, template="y")


@pytest.mark.parametrize("kwargs", [
    dict(name=""),
    dict(name="   "),
    dict(name="a\nb"),
    dict(name="x", template_structure="yaml"),
    dict(name="x", template="   \n\t"),
    dict(name="x", template=""),
    dict(name="x", template="hi", type="handlebars"),
    dict(name="x", template="hi", metadata=["not", "a", "mapping"]),
    dict(name="x", template="hi", commit="short"),
    dict(name="x", template="hi", commit="abc-1234"),
    dict(name="x", template_structure="chat", template="not json"),
    dict(name="x", description="d" * 256),
    dict(name="x", tags="one-string"),
    dict(name="x", tags=[""]),
    dict(name=42),
])
def test_create_prompt_invalid_input_creates_nothing(library, kwargs):
    with refused(library, InvalidInput):
        library.create_prompt(**kwargs)


# --- 5. get prompt ------------------------------------------------------------------------------


def test_get_prompt_with_latest_version_and_resolved_environment(library):
    library.create_prompt("Greeting", template="one")
    v2 = library.create_version("Greeting", "two", environments=["staging"]).version
    v3 = library.create_version("Greeting", "three").version
    detail = library.get_prompt(v2.prompt_id)
    assert detail.latest_version.id == v3.id and detail.latest_version.template == "three"
    assert detail.prompt.latest_version.number == 3 and detail.prompt.version_count == 3
    assert [(o.environment, o.version_number) for o in detail.prompt.owners] == [("staging", 2)]
    assert detail.resolved is None
    resolved = library.get_prompt(v2.prompt_id, environment="Staging").resolved
    assert resolved.id == v2.id and resolved.environments == ("staging",)
    by_name = library.get_prompt_by_name("  GREETING ", environment="staging")
    assert by_name.prompt.id == v2.prompt_id and by_name.resolved.id == v2.id


def test_get_prompt_errors(library):
    pid = library.create_prompt("Greeting", template="one").prompt.id
    with pytest.raises(NotFound, match="does not exist"):
        library.get_prompt(UNKNOWN_ID)
    with pytest.raises(NotFound, match="no version of prompt 'Greeting' is in staging"):
        library.get_prompt(pid, environment="staging")
    with pytest.raises(NotFound, match="not registered"):
        library.get_prompt(pid, environment="qa")
    with pytest.raises(InvalidInput):
        library.get_prompt(pid, environment="latest")
    with pytest.raises(NotFound):
        library.get_prompt_by_name("Nope")


# --- 6. update prompt ---------------------------------------------------------------------------


def test_update_prompt(library):
    pid = library.create_prompt("Greeting", description="old", tags=["x"]).prompt.id
    p = library.update_prompt(pid, name="  Welcome ", description="new", tags=["y", "z"])
    assert (p.name, p.description, p.tags) == ("Welcome", "new", ("y", "z"))
    assert library.get_prompt_by_name("welcome").prompt.id == pid
    with pytest.raises(NotFound):
        library.get_prompt_by_name("Greeting")
    # unchanged fields stay; None clears the description
    p = library.update_prompt(pid, description=None)
    assert (p.name, p.description, p.tags) == ("Welcome", None, ("y", "z"))
    # a prompt may change only the case of its own name
    assert library.update_prompt(pid, name="WELCOME").name == "WELCOME"


def test_update_prompt_errors_change_nothing(library):
    pid = library.create_prompt("Greeting").prompt.id
    library.create_prompt("Farewell")
    with refused(library, Conflict, reason="duplicate_name"):
        library.update_prompt(pid, name="FAREWELL")
    with refused(library, NotFound, reason="prompt_missing"):
        library.update_prompt(UNKNOWN_ID, name="Other")
    for bad in (dict(name=""), dict(name="a\tb"), dict(description="d" * 256), dict(tags=[" "]),
                dict(name="n" * 256)):
        with refused(library, InvalidInput):
            library.update_prompt(pid, **bad)


# --- 7. delete prompt ---------------------------------------------------------------------------


def test_delete_prompt_removes_versions_and_ownerships_and_records_it(library, url):
    library.create_prompt("Greeting", template="one")
    v2 = library.create_version("Greeting", "two", environments=["development", "staging"]).version
    result = library.delete_prompt(v2.prompt_id, reason="obsolete")
    assert result.deleted == (v2.prompt_id,) and result.missing == ()
    assert sorted(m.describe() for m in result.moves) == [
        "development: v2 → nobody", "staging: v2 → nobody"]
    assert {(m.cause, m.reason, m.prompt_name) for m in result.moves} == {
        ("prompt_deleted", "obsolete", "Greeting")}
    with pytest.raises(NotFound):
        library.get_prompt(v2.prompt_id)
    with pytest.raises(NotFound):
        library.get_version(v2.id)
    ws = library._ws()
    with library.db.engine.connect() as conn:
        for table in ("versions", "ownerships"):
            left = conn.execute(sa.text(f"SELECT count(*) FROM {table} WHERE prompt_id = :p"),
                                {"p": v2.prompt_id}).scalar()
            assert left == 0, table
    history = library.history(prompt="Greeting")
    assert history.total == 4  # two assigns, two clears by the deletion
    # the name is free again, and the new prompt's history is its own
    library.create_prompt("Greeting", template="again")
    assert_invariants(url)
    assert ws == library._ws()


def test_delete_prompt_serving_a_protected_environment_needs_confirmation(library, url):
    v1 = library.create_prompt("Checkout", template="one").latest_version
    library.set_version_environments(v1.id, ["production", "staging"], confirm_protected=True)
    with refused(library, Conflict, reason="protected_environment", match="production"):
        library.delete_prompt(v1.prompt_id)
    with refused(library, Conflict, reason="protected_environment"):
        library.delete_prompts([v1.prompt_id])
    result = library.delete_prompt(v1.prompt_id, confirm_protected=True)
    assert sorted(m.describe() for m in result.moves) == ["production: v1 → nobody",
                                                          "staging: v1 → nobody"]
    assert_invariants(url)


def test_delete_prompt_without_owners_is_still_recorded(library):
    pid = library.create_prompt("Lonely", template="x").prompt.id
    (record,) = library.delete_prompt(pid).moves
    assert (record.cause, record.environment_name, record.prompt_name) == (
        "prompt_deleted", None, "Lonely")


def test_delete_unknown_prompt_is_not_found(library):
    library.create_prompt("Greeting", template="x")
    with refused(library, NotFound, reason="prompt_missing"):
        library.delete_prompt(UNKNOWN_ID)


# --- 8. delete prompts --------------------------------------------------------------------------


def test_delete_prompts_in_one_call_reports_unknown_ids(library, make_library, workspace):
    ids = [library.create_prompt(f"P{i}", template="x").prompt.id for i in range(3)]
    foreign = make_library(workspace=workspace + "-b").create_prompt("P0").prompt.id
    result = library.delete_prompts([ids[0], UNKNOWN_ID, ids[2], foreign, ids[0]])
    assert result.deleted == (ids[0], ids[2])
    assert result.missing == (UNKNOWN_ID, foreign)
    assert [p.name for p in library.list_prompts().items] == ["P1"]
    assert make_library(workspace=workspace + "-b").get_prompt(foreign).prompt.name == "P0"


def test_delete_prompts_batch_bounds(library):
    library.create_prompt("P", template="x")
    with refused(library, InvalidInput):
        library.delete_prompts([])
    with refused(library, InvalidInput):
        library.delete_prompts([f"id-{i}" for i in range(1001)])
    assert library.delete_prompts([f"id-{i}" for i in range(1000)]).missing[:1] == ("id-0",)


# --- 1. list prompts ----------------------------------------------------------------------------


@pytest.fixture
def catalogue(library: PromptLibrary) -> dict[str, str]:
    ids = {}
    for name, versions, tags in [("Alpha", 3, ["core"]), ("beta", 1, ["core", "x"]),
                                 ("Gamma", 2, []), ("Straße", 1, ["x"]), ("delta", 0, [])]:
        ids[name] = library.create_prompt(name, tags=tags).prompt.id
        for n in range(versions):
            time.sleep(0.002)
            library.create_version(name, f"{name} {n + 1}")
    library.set_version_environments(library.get_prompt(ids["Gamma"]).latest_version.id, ["staging"])
    library.set_version_environments(library.get_prompt(ids["beta"]).latest_version.id, ["staging"])
    return ids


def names(page: Page) -> list[str]:
    return [p.name for p in page.items]


def test_list_prompts_sorts(library, catalogue):
    assert names(library.list_prompts()) == ["Alpha", "beta", "delta", "Gamma", "Straße"]
    assert names(library.list_prompts(descending=True)) == ["Straße", "Gamma", "delta", "beta", "Alpha"]
    assert names(library.list_prompts(sort="created")) == ["delta", "Straße", "Gamma", "beta", "Alpha"]
    assert names(library.list_prompts(sort="created", descending=False))[0] == "Alpha"
    assert names(library.list_prompts(sort="version_count"))[:2] == ["Alpha", "Gamma"]
    assert names(library.list_prompts(sort="version_count"))[-1] == "delta"
    # updated: a new version touches its prompt
    library.create_version("Alpha", "Alpha 4")
    assert names(library.list_prompts(sort="updated"))[0] == "Alpha"


def test_list_prompts_items_carry_counts_latest_and_owners(library, catalogue):
    by_name = {p.name: p for p in library.list_prompts().items}
    assert by_name["Alpha"].version_count == 3 and by_name["Alpha"].latest_version.number == 3
    assert by_name["delta"].version_count == 0 and by_name["delta"].latest_version is None
    assert [(o.environment, o.version_number) for o in by_name["Gamma"].owners] == [("staging", 2)]
    assert by_name["Gamma"].owner_of("STAGING").version_number == 2
    assert by_name["Alpha"].owners == ()


def test_list_prompts_paging(library, catalogue):
    first = library.list_prompts(page=1, size=2)
    assert names(first) == ["Alpha", "beta"] and first.total == 5 and first.pages == 3
    assert names(library.list_prompts(page=3, size=2)) == ["Straße"]
    beyond = library.list_prompts(page=9, size=2)
    assert beyond.items == () and beyond.total == 5


def test_list_prompts_filters(library, catalogue):
    assert names(library.list_prompts(search="ALP")) == ["Alpha"]
    assert names(library.list_prompts(search="a")) == ["Alpha", "beta", "delta", "Gamma", "Straße"]
    assert names(library.list_prompts(search="STRASS")) == ["Straße"]  # case-folded, not lowered
    assert names(library.list_prompts(search="%")) == []  # wildcards are literal
    assert names(library.list_prompts(search="_")) == []
    assert names(library.list_prompts(tag="core")) == ["Alpha", "beta"]
    assert names(library.list_prompts(tag="x")) == ["beta", "Straße"]
    assert names(library.list_prompts(tag="none")) == []
    assert names(library.list_prompts(environment="Staging")) == ["beta", "Gamma"]
    assert names(library.list_prompts(environment="production")) == []
    both = library.list_prompts(environment="staging", tag="core", search="b")
    assert names(both) == ["beta"] and both.total == 1


def test_list_prompts_invalid_arguments(library, catalogue):
    for kwargs in (dict(page=0), dict(size=0), dict(size=1001), dict(page="1"),
                   dict(sort="colour"), dict(environment="latest")):
        with pytest.raises(InvalidInput):
            library.list_prompts(**kwargs)
    with pytest.raises(NotFound):
        library.list_prompts(environment="qa")


def test_the_tag_filter_and_search_compare_normalised_text(library):
    library.create_prompt("Café menu", tags=["caf\u00e9"])
    assert library.list_prompts(tag="cafe\u0301").total == 1  # NFD finds the NFC tag
    assert library.list_prompts(tag=" caf\u00e9 ").total == 1
    assert library.list_prompts(search="CAFE\u0301").total == 1


ODD_ARGUMENTS = [
    ("list_prompts", (), dict(page=2**63)),
    ("list_prompts", (), dict(search="\ud800")),
    ("list_prompts", (), dict(search=5)),
    ("list_prompts", (), dict(tag="\ud800")),
    ("list_prompts", (), dict(tag=5)),
    ("get_prompt", (5,), {}),
    ("get_prompt", ("\ud800",), {}),
    ("get_version", (5,), {}),
    ("get_version", ("\udfff",), {}),
    ("owners", (None,), {}),
    ("update_prompt", (5,), dict(description="x")),
    ("delete_prompt", (5,), {}),
    ("restore_version", (5,), {}),
    ("set_version_environments", (5, []), {}),
    ("assign_environment", ("\ud800", "staging"), {}),
    ("clear_environment", (5, "staging"), {}),
    ("history", (), dict(prompt=5)),
    ("history", (), dict(prompt="\ud800")),
    ("history", (), dict(actor=5)),
    ("history", (), dict(since="2024-01-01")),
    ("history", (), dict(page=2**63)),
]


@pytest.mark.parametrize("method, args, kwargs", ODD_ARGUMENTS,
                         ids=[f"{m}-{i}" for i, (m, _, _) in enumerate(ODD_ARGUMENTS)])
def test_arguments_of_the_wrong_kind_are_invalid_on_both_backends(library, method, args, kwargs):
    """Never a raw Python or driver error: a lone surrogate, a number where text belongs or a
    page past what a database can count is the caller's mistake, said as one."""
    v = library.create_version("P", "x").version
    with refused(library, InvalidInput):
        getattr(library, method)(*args, **kwargs)
    with refused(library, InvalidInput):
        library.get_version_by_number(v.prompt_id, 2**63)
    with refused(library, InvalidInput):
        library.list_versions(v.prompt_id, page=2**63)


def test_a_page_costs_at_most_three_queries_whatever_its_size(library):
    for i in range(30):
        v = library.create_prompt(f"P{i:02}", template="x").latest_version
        library.create_version(f"P{i:02}", "y")
        library.set_version_environments(v.id, ["development", "staging"])
    library.list_prompts()  # schema and workspace checks happen once, before counting
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    event.listen(library.db.engine, "before_cursor_execute", count)
    try:
        for size in (1, 5, 30, 100):
            statements.clear()
            page = library.list_prompts(size=size, environment="staging", search="p")
            assert len(page.items) == min(size, 30) and page.total == 30
            assert all(len(p.owners) == 2 for p in page.items)
            assert len(statements) <= 3, "\n\n".join(s[:150] for s in statements)
    finally:
        event.remove(library.db.engine, "before_cursor_execute", count)


# --- workspaces ---------------------------------------------------------------------------------


def test_nothing_crosses_workspaces(library, make_library, workspace, url):
    other = make_library(workspace=workspace + "-other", actor="bob")
    mine = library.create_prompt("Greeting", template="mine").latest_version
    theirs = other.create_prompt("Greeting", template="theirs").latest_version
    other.set_version_environments(theirs.id, ["staging"])
    assert names(library.list_prompts()) == ["Greeting"]
    assert library.get_prompt_by_name("Greeting").latest_version.id == mine.id
    assert library.get_prompt_by_name("Greeting").prompt.owners == ()
    for call in (lambda: library.get_version(theirs.id),
                 lambda: library.get_prompt(theirs.prompt_id),
                 lambda: library.update_prompt(theirs.prompt_id, name="Stolen"),
                 lambda: library.restore_version(theirs.id),
                 lambda: library.update_version_tags([theirs.id], ["t"]),
                 lambda: library.clear_environment(theirs.prompt_id, "staging")):
        with pytest.raises(NotFound):
            call()
    assert library.get_versions_by_ids([theirs.id, mine.id]) == (library.get_version(mine.id),)
    assert library.history().total == 0 and other.history().total == 1
    # a registry change in one workspace is not seen in the other
    library.create_environment("qa")
    assert [e.name for e in other.list_environments()] == ["development", "staging", "production"]
    assert_invariants(url)
