"""Operations 3, 4, 9, 10, 11, 12, 13, 14, 15 and 16 of the spec: versions."""

from __future__ import annotations

import re
import uuid

import pytest

from domain_support import refused
from promptenv_tui.domain import Conflict, InvalidInput, NotFound

UNKNOWN_ID = "00000000-0000-7000-8000-000000000000"


# --- 3. create version ----------------------------------------------------------------------------


def test_create_version_creates_the_prompt_when_missing(library):
    result = library.create_version("  New prompt ", "Hi {{who}}", change_description="first",
                                    tags=["t1"], metadata={"temperature": 0.2}, type="jinja2")
    v = result.version
    assert result.moves == ()
    assert (v.prompt_name, v.number, v.template, v.type) == ("New prompt", 1, "Hi {{who}}", "jinja2")
    assert (v.change_description, v.tags, v.metadata) == ("first", ("t1",), {"temperature": 0.2})
    assert v.variables == ("who",) and v.created_by == "tester"
    prompt = library.get_prompt(v.prompt_id).prompt
    assert prompt.template_structure == "text" and prompt.version_count == 1


def test_create_version_by_prompt_id_never_brings_a_deleted_prompt_back(library):
    created = library.create_prompt("Shown", description="kept", tags=["t"], template="one")
    prompt_id = created.prompt.id
    library.update_prompt(prompt_id, name="Renamed meanwhile")
    # By id: the prompt as it is now, whatever name the caller still shows.
    v2 = library.create_version("Shown", "two", prompt_id=prompt_id).version
    assert (v2.prompt_id, v2.prompt_name, v2.number) == (prompt_id, "Renamed meanwhile", 2)
    assert library.list_prompts(search="Shown").total == 0
    library.delete_prompt(prompt_id)
    with refused(library, NotFound, reason="prompt_missing"):
        library.create_version("Renamed meanwhile", "three", prompt_id=prompt_id)
    assert library.list_prompts().total == 0
    with refused(library, InvalidInput):
        library.create_version("Anything", "x", prompt_id="")


def test_version_numbers_and_default_commits(library):
    versions = [library.create_version("P", f"t{i}").version for i in range(1, 6)]
    assert [v.number for v in versions] == [1, 2, 3, 4, 5]
    for v in versions:
        assert uuid.UUID(v.id).version == 7
        assert re.fullmatch(r"[0-9a-f]{8}", v.commit)
        assert v.commit == uuid.UUID(v.id).hex[-8:]  # the tail of the version's UUID v7
    assert len({v.commit for v in versions}) == 5
    assert library.get_prompt(versions[0].prompt_id).prompt.latest_version.number == 5


def test_create_version_by_name_ignores_case(library):
    library.create_prompt("Greeting", template="one")
    assert library.create_version("GREETING", "two").version.number == 2


def test_create_version_chat_prompt_keeps_its_structure(library):
    library.create_prompt("Chat", template_structure="chat",
                          template='[{"role": "user", "content": "hi"}]')
    ok = library.create_version("Chat", '[{"role": "user", "content": "hello {{x}}"}]')
    assert ok.version.template_structure == "chat" and ok.version.variables == ("x",)
    with refused(library, InvalidInput, match="chat"):
        library.create_version("Chat", "plain text is not a chat")
    with refused(library, InvalidInput, match="fixed at creation"):
        library.create_version("Chat", "x", template_structure="text")


def test_create_version_with_a_new_chat_structure(library):
    v = library.create_version("Chat", '[{"role": "user", "content": "hi"}]',
                               template_structure="chat").version
    assert v.template_structure == "chat"


def test_duplicate_commit_in_one_prompt_is_a_conflict(library):
    library.create_version("P", "one", commit="Abcd1234")
    with refused(library, Conflict, reason="duplicate_commit", match="Abcd1234"):
        library.create_version("P", "two", commit="Abcd1234")
    assert library.create_version("P", "two").version.number == 2  # the counter did not move
    # another prompt may reuse it
    assert library.create_version("Q", "one", commit="Abcd1234").version.commit == "Abcd1234"


@pytest.mark.parametrize("kwargs", [
    dict(template=""), dict(template=" \r\n "), dict(template=None), dict(template="x\x00y"),
    dict(template="x", type="liquid"), dict(template="x", commit="1234567"),
    dict(template="x", commit="123456789"), dict(template="x", commit="12345_78"),
    dict(template="x", metadata={"bad": float("nan")}), dict(template="x", metadata="{}"),
    dict(template="x", change_description="c" * 2001), dict(template="x", tags=["a\nb"]),
    dict(template="x", environments="staging"), dict(template="x", template_structure="yaml"),
])
def test_create_version_invalid_input_changes_nothing(library, kwargs):
    library.create_version("P", "one")
    with refused(library, InvalidInput):
        library.create_version("P", **kwargs)
    with refused(library, InvalidInput):
        library.create_version("Not yet there", **kwargs)


def test_create_version_prompt_name_rules(library):
    with refused(library, InvalidInput):
        library.create_version("", "x")
    with refused(library, InvalidInput):
        library.create_version("a\x1bb", "x")


# --- 4. update versions' tags ---------------------------------------------------------------------


def test_update_version_tags_replace_and_merge(library):
    a = library.create_version("P", "one", tags=["old"]).version
    b = library.create_version("P", "two").version
    out = library.update_version_tags([b.id, a.id], ["new", "new", " x "])
    assert [(v.id, v.tags) for v in out] == [(b.id, ("new", "x")), (a.id, ("new", "x"))]
    out = library.update_version_tags([a.id], ["y", "new"], merge=True)
    assert out[0].tags == ("new", "x", "y")
    assert library.update_version_tags([a.id], []) [0].tags == ()
    # only the tags change: the version is otherwise immutable
    assert library.get_version(a.id).template == "one"


def test_update_version_tags_errors(library):
    a = library.create_version("P", "one", tags=["keep"]).version
    with refused(library, NotFound):
        library.update_version_tags([a.id, UNKNOWN_ID], ["t"])
    with refused(library, InvalidInput):
        library.update_version_tags([], ["t"])
    with refused(library, InvalidInput):
        library.update_version_tags([f"id{i}" for i in range(1001)], ["t"])
    with refused(library, InvalidInput):
        library.update_version_tags([a.id], ["t" * 101])
    assert library.get_version(a.id).tags == ("keep",)


# --- 9. get by commit, 13. get by commits -----------------------------------------------------


def test_get_version_by_commit(library):
    v = library.create_version("P", "one").version
    assert library.get_version_by_commit(v.commit) == v
    assert library.get_version_by_commit(f" {v.commit} ").id == v.id
    with pytest.raises(NotFound):
        library.get_version_by_commit("00000000")
    for bad in ("", "abc", "abcdefghi", "abc-defg"):
        with pytest.raises(InvalidInput):
            library.get_version_by_commit(bad)


def test_a_commit_shared_by_two_prompts_is_ambiguous(library):
    p = library.create_version("P", "one", commit="cafe0001").version
    q = library.create_version("Q", "one", commit="cafe0001").version
    with pytest.raises(Conflict, match="several prompts") as info:
        library.get_version_by_commit("cafe0001")
    assert info.value.reason == "ambiguous_commit"
    assert "P" in str(info.value) and "Q" in str(info.value)
    assert library.get_version_by_commit("cafe0001", prompt_name="q").id == q.id
    assert library.retrieve_version("P", commit="cafe0001").id == p.id
    with pytest.raises(Conflict) as info:
        library.get_versions_by_commits(["cafe0001"])
    assert info.value.reason == "ambiguous_commit"


def test_get_versions_by_commits_keeps_input_order_and_marks_missing(library):
    a = library.create_version("P", "one").version
    b = library.create_version("Q", "two").version
    out = library.get_versions_by_commits([b.commit, "deadbeef", a.commit])
    assert [c.commit for c in out] == [b.commit, "deadbeef", a.commit]
    assert [c.missing for c in out] == [False, True, False]
    assert out[0].version == b and out[2].version == a
    with pytest.raises(InvalidInput):
        library.get_versions_by_commits(["nope"])
    with pytest.raises(InvalidInput):
        library.get_versions_by_commits([])


def test_get_versions_by_commits_answers_a_commit_given_twice_twice(library):
    a = library.create_version("P", "one").version
    out = library.get_versions_by_commits([a.commit, "deadbeef", a.commit, "deadbeef"])
    assert [c.commit for c in out] == [a.commit, "deadbeef", a.commit, "deadbeef"]
    assert [c.version for c in out] == [a, None, a, None]
    with pytest.raises(InvalidInput):
        library.get_versions_by_commits(["deadbeef"] * 1001)


def test_metadata_comes_back_as_written_on_both_backends(library):
    """Numbers keep their form and keys their order (PostgreSQL's JSONB would give 1e16 back as
    10000000000000000, -0.0 as 0 and the keys sorted); what create returns is what get returns,
    and it does not change when the caller's dict does."""
    given = {"z": -0.0, "f": 1e16, "g": 1e300, "n": 12345678901234567890, "a": [1.5, {"y": 1, "b": 2}],
             "t": (1, 2), 7: "seven", "ß": "straße"}
    created = library.create_version("Meta", "x", metadata=given).version
    stored = library.get_version(created.id).metadata
    expected = {"z": -0.0, "f": 1e16, "g": 1e300, "n": 12345678901234567890,
                "a": [1.5, {"y": 1, "b": 2}], "t": [1, 2], "7": "seven", "ß": "straße"}
    assert stored == expected and created.metadata == expected
    assert list(stored) == list(expected) and list(stored["a"][1]) == ["y", "b"]
    assert repr(stored["z"]) == "-0.0" and isinstance(stored["f"], float)
    given["later"] = 1
    assert "later" not in created.metadata
    restored = library.restore_version(created.id)
    assert list(restored.metadata) == list(expected)


def test_variables_come_in_order_of_first_appearance(library):
    v = library.create_version("Letter", "Dear {{ name }}, your {{ e }}{% for x in items %}"
                               "{{ x }} {{ name }}{% endfor %} {{ zeta | upper }}",
                               type="jinja2").version
    assert v.variables == ("name", "e", "items", "zeta")
    m = library.create_version("Note", "{{#list}}{{item}}{{/list}} {{b}} {{{a}}} {{b}}").version
    assert m.variables == ("list", "item", "b", "a")


# --- 10. get version, 16. get versions by ids ------------------------------------------------------


def test_get_version(library):
    v = library.create_version("P", "one", environments=["staging"]).version
    got = library.get_version(v.id)
    assert got == v and got.environments == ("staging",)
    with pytest.raises(NotFound):
        library.get_version(UNKNOWN_ID)
    with pytest.raises(NotFound):
        library.get_version("not-even-a-uuid")


def test_get_versions_by_ids_leaves_out_unknown_and_keeps_order(library):
    a = library.create_version("P", "one").version
    b = library.create_version("P", "two").version
    assert [v.id for v in library.get_versions_by_ids([b.id, UNKNOWN_ID, a.id])] == [b.id, a.id]
    assert library.get_versions_by_ids([UNKNOWN_ID]) == ()
    with pytest.raises(InvalidInput):
        library.get_versions_by_ids([])


# --- 11. get by number ------------------------------------------------------------------------


def test_get_version_by_number(library):
    vs = [library.create_version("P", f"t{i}").version for i in range(1, 4)]
    pid = vs[0].prompt_id
    for selector in ("v2", "V2", "2", 2, " v2 "):
        assert library.get_version_by_number(pid, selector).id == vs[1].id
    assert library.get_version_by_number("p", "v3", by_name=True).id == vs[2].id
    with pytest.raises(NotFound, match="has no v4; it has v1 to v3"):
        library.get_version_by_number(pid, 4)
    with pytest.raises(NotFound):
        library.get_version_by_number(UNKNOWN_ID, 1)
    for bad in ("x", "v", "v0", "0", 0, -1, "-1", "2.0", 2.0, "", "vv2", "v 2", True, None):
        with pytest.raises(InvalidInput):
            library.get_version_by_number(pid, bad)


# --- 12. list versions ------------------------------------------------------------------------


def test_list_versions(library):
    library.create_version("P", "alpha one", change_description="first cut")
    library.create_version("P", "beta two", environments=["staging"])
    v3 = library.create_version("P", "gamma three", change_description="the 100% fix").version
    page = library.list_versions(v3.prompt_id)
    assert [v.number for v in page.items] == [3, 2, 1] and page.total == 3
    assert [v.environments for v in page.items] == [(), ("staging",), ()]
    assert [v.number for v in library.list_versions(v3.prompt_id, oldest_first=True).items] == [1, 2, 3]
    paged = library.list_versions(v3.prompt_id, page=2, size=2)
    assert [v.number for v in paged.items] == [1] and paged.total == 3 and paged.pages == 2
    assert [v.number for v in library.list_versions(v3.prompt_id, search="two").items] == [2]
    assert [v.number for v in library.list_versions(v3.prompt_id, search="cut").items] == [1]
    assert [v.number for v in library.list_versions(v3.prompt_id, search="100%").items] == [3]
    assert library.list_versions(v3.prompt_id, search="%").total == 1  # literal, not a wildcard
    assert library.list_versions(v3.prompt_id, search="nowhere").total == 0
    with pytest.raises(NotFound):
        library.list_versions(UNKNOWN_ID)
    with pytest.raises(InvalidInput):
        library.list_versions(v3.prompt_id, size=0)


def test_list_versions_search_agrees_on_both_backends(library):
    """Spec section 4: SQLite and PostgreSQL give the same answers. SQLite's LIKE ignores the
    case of ASCII letters only; the PostgreSQL query must do the same."""
    v = library.create_version("P", "Hello World, Élan").version
    found = {s: library.list_versions(v.prompt_id, search=s).total
             for s in ("World", "world", "WORLD", "Élan", "élan")}
    assert found == {"World": 1, "world": 1, "WORLD": 1, "Élan": 1, "élan": 0}


# --- 14. restore version ------------------------------------------------------------------------


def test_restore_version(library):
    v1 = library.create_version("P", "original {{x}}", type="jinja2", metadata={"m": [1, 2]},
                                tags=["gold"], environments=["staging"]).version
    library.create_version("P", "changed")
    restored = library.restore_version(v1.id)
    assert restored.number == 3 and restored.id != v1.id and restored.commit != v1.commit
    assert (restored.template, restored.type, restored.metadata) == ("original {{x}}", "jinja2", {"m": [1, 2]})
    assert restored.change_description == "Restored from v1"
    assert restored.tags == () and restored.environments == ()
    assert library.get_version(v1.id).environments == ("staging",)
    with refused(library, NotFound, reason="version_missing"):
        library.restore_version(UNKNOWN_ID)


# --- 15. retrieve version -------------------------------------------------------------------------


def test_retrieve_version(library):
    v1 = library.create_version("P", "one", commit="aaaa0001").version
    v2 = library.create_version("P", "two", environments=["staging"]).version
    v3 = library.create_version("P", "three").version
    assert library.retrieve_version("p").id == v3.id
    assert library.retrieve_version("P", commit="aaaa0001").id == v1.id
    assert library.retrieve_version("P", version="v2").id == v2.id
    assert library.retrieve_version("P", version=1).id == v1.id
    assert library.retrieve_version("P", environment="STAGING").id == v2.id
    for kwargs in (dict(commit="aaaa0001", version=1), dict(version=1, environment="staging"),
                   dict(commit="aaaa0001", environment="staging"),
                   dict(commit="aaaa0001", version=1, environment="staging")):
        with pytest.raises(InvalidInput, match="at most one"):
            library.retrieve_version("P", **kwargs)
    with pytest.raises(InvalidInput):
        library.retrieve_version("P", version="latest")
    with pytest.raises(NotFound):
        library.retrieve_version("Nope")
    with pytest.raises(NotFound):
        library.retrieve_version("P", version=9)
    with pytest.raises(NotFound):
        library.retrieve_version("P", commit="bbbb0001")
    with pytest.raises(NotFound, match="no version of prompt 'P' is in production"):
        library.retrieve_version("P", environment="production")
    with pytest.raises(NotFound):
        library.retrieve_version("P", environment="qa")
    library.create_prompt("Empty")
    with pytest.raises(NotFound, match="no versions yet"):
        library.retrieve_version("Empty")
