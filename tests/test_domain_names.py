"""Names and limits (spec section 1): case-insensitive uniqueness through a key computed in Python
(NFC, then casefold) that SQLite and PostgreSQL agree on, trimming, control characters, every
length limit at and over the limit, templates stored byte for byte, chat templates validated."""

from __future__ import annotations

import json
import unicodedata

import pytest
import sqlalchemy as sa

from domain_support import assert_invariants, refused
from promptenv_tui.domain import Conflict, InvalidInput, NotFound, PromptLibrary, name_key

# --- case-insensitive uniqueness ---------------------------------------------------------------

CASE_PAIRS = [
    ("Greeting", "GREETING"),
    ("Straße", "STRASSE"),
    ("İstanbul", "i\u0307stanbul"),
    ("ΣΊΣΥΦΟΣ", "σίσυφος"),
    ("Café", "CAFE\u0301"),  # composed and decomposed é
    ("ǅemal", "ǆEMAL"),
    ("ﬃ", "FFI"),
]


@pytest.mark.parametrize("first,second", CASE_PAIRS)
def test_prompt_names_that_differ_only_in_case_clash(library, first, second):
    assert name_key(first) == name_key(second)
    library.create_prompt(first, template="x")
    with refused(library, Conflict, reason="duplicate_name", match="names ignore case"):
        library.create_prompt(second, template="y")
    with refused(library, Conflict, reason="duplicate_name"):
        library.create_prompt(f"  {second}\u00a0 ", template="y")
    # the clashing name finds the prompt; a version created under it lands there
    assert library.get_prompt_by_name(second).prompt.name == unicodedata.normalize("NFC", first)
    assert library.create_version(second, "v2").version.number == 2
    other = library.create_prompt("Other").prompt
    with refused(library, Conflict, reason="duplicate_name"):
        library.update_prompt(other.id, name=second)


@pytest.mark.parametrize("a,b", [("resume", "résumé"), ("Strasse", "Straßen"), ("I", "ı"),
                                 ("σ1", "σ2")])
def test_names_that_differ_in_more_than_case_do_not_clash(library, a, b):
    library.create_prompt(a)
    library.create_prompt(b)
    assert {p.name for p in library.list_prompts().items} == {a, b}


def test_names_are_stored_as_written_after_trimming_and_nfc(library):
    p = library.create_prompt(" \t Cafe\u0301  Crème ").prompt
    assert p.name == "Café  Crème"
    assert unicodedata.is_normalized("NFC", p.name)
    with library.db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT name, name_key FROM prompts WHERE id = :i"), {"i": p.id}).one()
    assert tuple(row) == ("Café  Crème", "café  crème")


def test_environment_names_clash_ignoring_case(library):
    library.create_environment("QA-1")
    for clash in ("qa-1", "Qa-1", " QA-1 "):
        with refused(library, Conflict, reason="duplicate_name"):
            library.create_environment(clash)
    with refused(library, Conflict, reason="duplicate_name"):
        library.create_environment("PRODUCTION")
    with refused(library, Conflict, reason="duplicate_name"):
        library.update_environment("qa-1", new_name="Staging")
    assert library.get_environment(" qa-1").name == "QA-1"


def test_workspace_names_ignore_case(url, workspace, make_library):
    a = make_library(workspace=workspace.upper())
    pid = a.create_prompt("Shared").prompt.id
    b = make_library(workspace=workspace.lower())
    assert b.get_prompt(pid).prompt.name == "Shared"


# --- control characters and blanks ------------------------------------------------------------

CONTROL = ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("ch", CONTROL, ids=[repr(c) for c in CONTROL])
def test_control_characters_in_names_are_refused(library, ch):
    pid = library.create_prompt("Fine").prompt.id
    with refused(library, InvalidInput):
        library.create_prompt(f"bad{ch}name")
    with refused(library, InvalidInput):
        library.update_prompt(pid, name=f"bad{ch}name")
    with refused(library, InvalidInput):
        library.create_version(f"bad{ch}name", "x")
    with refused(library, InvalidInput):
        library.create_environment(f"bad{ch}name")
    with refused(library, InvalidInput):
        library.create_prompt("Tagged", tags=[f"t{ch}t"])


@pytest.mark.parametrize("blank", ["", " ", "\u3000", "\t \n"])
def test_blank_names_are_refused(library, blank):
    with refused(library, InvalidInput):
        library.create_prompt(blank)
    with refused(library, InvalidInput):
        library.create_environment(blank)


def test_lone_surrogates_are_invalid_input_not_a_crash(library):
    """Text a database cannot store is refused with a message, never a UnicodeEncodeError."""
    library.create_prompt("Fine", template="x")
    for call in (lambda: library.create_prompt("bad\ud800"),
                 lambda: library.create_prompt("Ok", description="\udfff"),
                 lambda: library.create_prompt("Ok", tags=["\ud83d"]),
                 lambda: library.create_version("Fine", "x\ud800y"),
                 lambda: library.create_version("Fine", "x", change_description="\ud800"),
                 lambda: library.create_version("Fine", "x", metadata={"k": "\ud800"}),
                 lambda: library.create_version("Fine", "x", metadata={"\ud800": 1}),
                 lambda: library.create_environment("qa", description="\ud800")):
        with refused(library, InvalidInput):
            call()


# --- lengths at and over each limit -------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "n" * 255,
    "é" * 255,
    "😀" * 255,                  # astral characters count as one each
    "e\u0301" * 255,             # 510 code points that NFC makes 255 characters
    "\ufb03" * 255,              # 'ﬃ' folds to 'ffi': the key is three times as long as the name
    "ΐ" * 255,
    " " + "n" * 255 + " ",       # surrounding spaces do not count
], ids=["ascii", "accented", "emoji", "decomposed", "ligature", "greek", "spaces"])
def test_a_prompt_name_of_255_characters_is_fine(library, url, name):
    p = library.create_prompt(name, template="x").prompt
    assert len(p.name) == 255
    assert library.get_prompt_by_name(name).prompt.id == p.id
    upper = unicodedata.normalize("NFC", name.strip().upper())
    if len(upper) <= 255:  # 'ﬃ'.upper() is 'FFI': too long to be a name itself
        assert library.get_prompt_by_name(upper).prompt.id == p.id
    # a rename and a move record keep the full name too
    v = library.create_version(name, "y", environments=["staging"]).version
    assert library.history(prompt=p.id).items[0].prompt_name == p.name
    assert v.prompt_name == p.name
    assert_invariants(url)


@pytest.mark.parametrize("name", ["n" * 256, "😀" * 256, "e\u0301" * 256])
def test_a_prompt_name_of_256_characters_is_refused(library, name):
    with refused(library, InvalidInput, match="255"):
        library.create_prompt(name)
    with refused(library, InvalidInput, match="255"):
        library.create_version(name, "x")


def test_prompt_description_limit(library):
    assert library.create_prompt("A", description="d" * 255).prompt.description == "d" * 255
    assert library.create_prompt("B", description="😀" * 255).prompt.description == "😀" * 255
    with refused(library, InvalidInput, match="255"):
        library.create_prompt("C", description="d" * 256)
    pid = library.create_prompt("D").prompt.id
    with refused(library, InvalidInput, match="255"):
        library.update_prompt(pid, description="d" * 256)


def test_environment_name_limit(library):
    name = "e" * 150
    assert library.create_environment(name).name == name
    g = library.create_version("P", "x", environments=[name.upper()]).version
    assert g.environments == (name,)
    with refused(library, InvalidInput, match="150"):
        library.create_environment("e" * 151)
    with refused(library, InvalidInput):
        library.update_environment(name, new_name="f" * 151)


def test_environment_description_limit(library):
    assert library.create_environment("qa", description="d" * 500).description == "d" * 500
    assert library.update_environment("qa", description="ü" * 500).description == "ü" * 500
    with refused(library, InvalidInput, match="500"):
        library.create_environment("qa2", description="d" * 501)
    with refused(library, InvalidInput, match="500"):
        library.update_environment("qa", description="d" * 501)


def test_at_most_100_environments_per_workspace(library, make_library, workspace):
    for i in range(97):  # a new workspace has three
        library.create_environment(f"env-{i:03}")
    envs = library.list_environments()
    assert len(envs) == 100 and [e.position for e in envs] == list(range(100))
    with refused(library, Conflict, reason="limit_reached", match="100"):
        library.create_environment("one-too-many")
    # another workspace has its own hundred
    assert make_library(workspace=workspace + "-2").create_environment("qa").position == 3
    library.delete_environment("env-000")
    assert library.create_environment("one-more").position == 99


# --- templates byte for byte ----------------------------------------------------------------------


def big_template() -> str:
    line = "Line\twith tab, CRLF and emoji 😀🎉 — ünïcödé {{var}} \\ ' \" %_\r\n"
    text = "\ufeff" + line * (4 * 1024 * 1024 // len(line.encode()) + 1) + "no newline at end \r"
    assert len(text.encode()) > 4 * 1024 * 1024
    return text


def test_a_4_mib_template_is_stored_byte_for_byte(library):
    template = big_template()
    v = library.create_version("Big", template).version
    assert library.get_version(v.id).template == template
    assert library.list_versions(v.prompt_id).items[0].template.encode() == template.encode()
    with library.db.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT template FROM versions WHERE id = :i"), {"i": v.id}).scalar()
        length = conn.execute(sa.text(
            "SELECT octet_length(template) FROM versions WHERE id = :i" if library.backend == "postgresql"
            else "SELECT length(CAST(template AS BLOB)) FROM versions WHERE id = :i"), {"i": v.id}).scalar()
    assert stored.encode() == template.encode()
    assert length == len(template.encode())
    assert library.restore_version(v.id).template == template


@pytest.mark.parametrize("template", [
    "a\r\nb", "a\rb", "\tindented\t", "  leading and trailing  \n\n", "😀", "\u00a0x\u200b",
    "{{#items}}{{.}}{{/items}}", "x" + "\u0301" * 3, "tab\there\r\n\r\n",
])
def test_small_templates_round_trip_exactly(library, template):
    v = library.create_version("P", template).version
    assert library.get_version(v.id).template == template


def test_a_template_over_the_size_limit_is_refused(library):
    from promptenv_tui.domain import rules
    with refused(library, InvalidInput, match="bytes"):
        library.create_version("P", "x" * (rules.TEMPLATE_MAX_BYTES + 1))


# --- chat templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("template", [
    "not json", "{}", '{"role": "user", "content": "x"}', "[]", '["hello"]',
    '[{"content": "x"}]', '[{"role": "", "content": "x"}]', '[{"role": 3, "content": "x"}]',
    '[{"role": "user"}]', '[{"role": "user", "content": 42}]', '[{"role": "user", "content": null}]',
    '[{"role": "user", "content": "ok"}, 7]',
])
def test_chat_templates_are_validated(library, template):
    with refused(library, InvalidInput, match="chat"):
        library.create_prompt("Chat", template_structure="chat", template=template)
    library.create_prompt("Existing", template_structure="chat")
    with refused(library, InvalidInput, match="chat"):
        library.create_version("Existing", template)


def test_valid_chat_templates(library):
    messages = [
        {"role": "system", "content": "You are {{persona}}.\r\n\tBe brief 😀"},
        {"role": "user", "content": [{"type": "text", "text": "Hi {{name}}"}]},
        {"role": "assistant", "content": ""},
    ]
    template = json.dumps(messages, ensure_ascii=False, indent="\t")
    v = library.create_prompt("Chat", template_structure="chat", template=template).latest_version
    assert library.get_version(v.id).template == template  # the text, not a re-encoding
    assert v.variables == ("persona", "name")


def test_a_text_prompt_does_not_validate_json(library):
    assert library.create_prompt("Text", template="[not json").latest_version.template == "[not json"


def test_prompt_names_with_sql_and_like_characters(library):
    for name in ("100% done", "under_score", "back\\slash", "quote'd \"x\"", "semi; DROP TABLE prompts"):
        library.create_prompt(name)
    assert library.get_prompt_by_name("SEMI; drop table PROMPTS").prompt.name == "semi; DROP TABLE prompts"
    assert [p.name for p in library.list_prompts(search="%").items] == ["100% done"]
    assert [p.name for p in library.list_prompts(search="\\").items] == ["back\\slash"]
    with pytest.raises(NotFound):
        library.get_prompt_by_name("100_ done")


def test_library_refuses_bad_workspace_and_actor_names(url):
    for kwargs in (dict(workspace=""), dict(workspace="a\nb"), dict(actor="a\tb"), dict(actor="x" * 101)):
        with pytest.raises(InvalidInput):
            PromptLibrary(url, **kwargs)
