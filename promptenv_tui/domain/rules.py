"""Validation and normalisation rules of the spec, in plain Python (no database here)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .errors import InvalidInput

ENV_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,150}$")
RESERVED_ENV_RE = re.compile(r"^(latest|v[0-9]+)$", re.IGNORECASE)
COMMIT_RE = re.compile(r"^[A-Za-z0-9]{8}$")
COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
VERSION_NUMBER_RE = re.compile(r"^[vV]?([0-9]{1,9})$")

PROMPT_NAME_MAX = 255
PROMPT_DESCRIPTION_MAX = 255
ENV_DESCRIPTION_MAX = 500
ENVIRONMENTS_MAX = 100
CHANGE_DESCRIPTION_MAX = 2000
TEMPLATE_MAX_BYTES = 16 * 1024 * 1024
METADATA_MAX_BYTES = 1024 * 1024
TAG_MAX = 100
TAGS_MAX = 50
ACTOR_MAX = 100
REASON_MAX = 1000
BATCH_MAX = 1000
PAGE_SIZE_MAX = 1000
PAGE_MAX = 2**31 - 1  # (page - 1) * size stays well inside the databases' 64-bit OFFSET
VERSION_NUMBER_MAX = 2**31 - 1  # the column is a 32-bit integer on both backends

TEMPLATE_STRUCTURES = ("text", "chat")
TEMPLATE_TYPES = ("mustache", "jinja2")
DEFAULT_ENVIRONMENTS = (
    ("development", "Where new versions are tried first.", "#4C8BF5", False),
    ("staging", "Release candidates, checked before production.", "#E8A33D", False),
    ("production", "What users are served.", "#19A979", True),
)

# Control characters are refused in names; in templates they are allowed (tabs, CR, LF are text).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Half of a UTF-16 pair: Python strings can hold one, UTF-8 (and so no database) cannot.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def name_key(name: str) -> str:
    """The comparison key of a name: NFC, then case-folded (then NFC again, folding can denormalise).

    Computed in Python so that SQLite and PostgreSQL agree on what counts as the same name,
    non-ASCII letters included.
    """
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text, got {type(value).__name__}")
    if _SURROGATE.search(value):
        raise InvalidInput(f"{what} is not valid Unicode text (it holds a lone surrogate, which "
                           "no database stores); check how it was decoded")
    return value


def clean_prompt_name(name: Any) -> str:
    name = unicodedata.normalize("NFC", _text(name, "prompt name").strip())
    if not name:
        raise InvalidInput("prompt name is blank; give it 1 to 255 characters")
    if len(name) > PROMPT_NAME_MAX:
        raise InvalidInput(
            f"prompt name is {len(name)} characters long; the limit is {PROMPT_NAME_MAX}"
        )
    if _CONTROL.search(name):
        raise InvalidInput(
            f"prompt name {shorten(name)!r} contains a control character (such as a line break "
            "or tab); use plain text on one line"
        )
    return name


def clean_id(value: Any, what: str) -> str:
    """An id as given by a caller (its form is not checked: an id that matches nothing is
    simply not found); a blank one is invalid."""
    cleaned = _text(value, what).strip()
    if not cleaned:
        raise InvalidInput(f"{what} is blank; give the id of an existing {what.split()[0]}")
    return cleaned


def clean_filter(value: Any, what: str) -> str | None:
    """A search or filter text: trimmed and NFC-normalised, like the names it is compared with;
    blank is no filter."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", _text(value, what).strip())
    return value or None


def clean_time(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise InvalidInput(f"'{what}' must be a date and time, got {type(value).__name__}")
    if value.tzinfo is None:
        raise InvalidInput(f"'{what}' needs a time zone")
    return value


def clean_optional_text(value: Any, what: str, limit: int) -> str | None:
    if value is None:
        return None
    value = _text(value, what)
    if len(value) > limit:
        raise InvalidInput(f"{what} is {len(value)} characters long; the limit is {limit}")
    return value if value.strip() else None


def clean_tags(tags: Iterable[Any] | None) -> list[str]:
    if tags is None:
        return []
    if isinstance(tags, str):
        raise InvalidInput("tags must be a list of words, not one string")
    seen: dict[str, str] = {}
    for tag in tags:
        tag = unicodedata.normalize("NFC", _text(tag, "tag").strip())
        if not tag:
            raise InvalidInput("a tag is blank")
        if len(tag) > TAG_MAX:
            raise InvalidInput(f"tag {shorten(tag)!r} is longer than {TAG_MAX} characters")
        if _CONTROL.search(tag):
            raise InvalidInput(f"tag {shorten(tag)!r} contains a control character")
        seen.setdefault(tag, tag)
    if len(seen) > TAGS_MAX:
        raise InvalidInput(f"{len(seen)} tags given; at most {TAGS_MAX} are allowed")
    return list(seen)


def clean_structure(value: Any) -> str:
    if value not in TEMPLATE_STRUCTURES:
        raise InvalidInput(f"template structure {value!r} is not one of: text, chat")
    return value


def clean_type(value: Any) -> str:
    if value is None:
        return "mustache"
    if value not in TEMPLATE_TYPES:
        raise InvalidInput(f"template type {value!r} is not one of: mustache, jinja2")
    return value


def clean_template(template: Any, structure: str) -> str:
    template = _text(template, "template")
    if not template.strip():
        raise InvalidInput("template is blank; a version needs some text")
    size = len(template.encode("utf-8", "surrogatepass"))
    if size > TEMPLATE_MAX_BYTES:
        raise InvalidInput(
            f"template is {size:,} bytes; the limit is {TEMPLATE_MAX_BYTES:,} bytes"
        )
    if "\x00" in template:
        raise InvalidInput("template contains a NUL character, which no database stores")
    if structure == "chat":
        validate_chat(template)
    return template


def validate_chat(template: str) -> list[dict[str, Any]]:
    """A chat template is a JSON array of ``{role, content}`` messages."""
    try:
        messages = json.loads(template)
    except ValueError as exc:
        raise InvalidInput(
            f"chat template is not valid JSON ({exc}); expected an array of "
            '{"role": ..., "content": ...} messages'
        ) from None
    if not isinstance(messages, list) or not messages:
        raise InvalidInput("chat template must be a non-empty JSON array of messages")
    for i, message in enumerate(messages, 1):
        if not isinstance(message, dict):
            raise InvalidInput(f"chat message {i} is not an object with role and content")
        role, content = message.get("role"), message.get("content")
        if not isinstance(role, str) or not role.strip():
            raise InvalidInput(f"chat message {i} has no role (system, user, assistant, ...)")
        if not isinstance(content, (str, list)):
            raise InvalidInput(f"chat message {i} ({role}) has no text content")
    return messages


def clean_metadata(metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise InvalidInput("metadata must be a JSON object (a mapping of keys to values)")
    try:
        encoded = json.dumps(metadata, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"metadata cannot be stored as JSON: {exc}") from None
    if _SURROGATE.search(encoded):
        raise InvalidInput("metadata is not valid Unicode text (it holds a lone surrogate)")
    if "\\u0000" in encoded:
        raise InvalidInput("metadata contains a NUL character, which no database stores")
    if len(encoded.encode()) > METADATA_MAX_BYTES:
        raise InvalidInput(f"metadata is larger than {METADATA_MAX_BYTES:,} bytes of JSON")
    # What the database will hand back (keys as text, tuples as lists), and not the caller's
    # object: the version returned must not change when the caller's dict does.
    return json.loads(encoded)


def clean_commit(commit: Any) -> str:
    commit = _text(commit, "commit").strip()
    if not COMMIT_RE.match(commit):
        raise InvalidInput(
            f"commit {shorten(commit)!r} is not 8 letters or digits (for example 'a1b2c3d4')"
        )
    return commit


def clean_env_name(name: Any) -> str:
    """Trim and check an environment name's form (not whether it is registered)."""
    if name is None:
        raise InvalidInput("an environment name is missing")
    name = _text(name, "environment name").strip()
    if not name:
        raise InvalidInput("an environment name is blank")
    if RESERVED_ENV_RE.match(name):
        raise InvalidInput(
            f"'{name}' is reserved (it selects a version) and cannot name an environment"
        )
    if not ENV_NAME_RE.match(name):
        raise InvalidInput(
            f"environment name {shorten(name)!r} may use only ASCII letters, digits, '-' and '_' "
            "(1 to 150 characters)"
        )
    return name


def clean_color(color: Any) -> str | None:
    if color is None:
        return None
    color = _text(color, "colour").strip()
    if not COLOR_RE.match(color):
        raise InvalidInput(f"colour {shorten(color)!r} is not of the form #RRGGBB")
    return color.upper()


def clean_actor(actor: Any) -> str:
    actor = unicodedata.normalize("NFC", _text(actor, "user name").strip())
    if not actor or len(actor) > ACTOR_MAX or _CONTROL.search(actor):
        raise InvalidInput(f"user name {shorten(actor)!r} must be 1 to {ACTOR_MAX} plain characters")
    return actor


def parse_version_number(value: Any) -> int:
    """``v3``, ``V3``, ``3`` or the integer 3 -> 3; anything else is invalid."""
    if isinstance(value, bool):
        raise InvalidInput(f"{value!r} is not a version number; use v3 or 3")
    if isinstance(value, int):
        if not 1 <= value <= VERSION_NUMBER_MAX:
            raise InvalidInput(f"version number {value} must be from 1 to {VERSION_NUMBER_MAX:,}")
        return value
    if isinstance(value, str):
        match = VERSION_NUMBER_RE.match(value.strip())
        if match and int(match.group(1)) >= 1:
            return int(match.group(1))
    raise InvalidInput(f"{shorten(str(value))!r} is not a version number; use v3 or 3")


def clean_page(page: Any, size: Any) -> tuple[int, int]:
    if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= PAGE_MAX:
        raise InvalidInput(f"page {page!r} must be a whole number from 1 to {PAGE_MAX:,}")
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= PAGE_SIZE_MAX:
        raise InvalidInput(f"page size {size!r} must be a whole number from 1 to {PAGE_SIZE_MAX}")
    return page, size


def clean_batch(ids: Iterable[Any], what: str) -> list[str]:
    if isinstance(ids, str):
        ids = [ids]
    out = list(dict.fromkeys(_text(i, what).strip() for i in ids))
    if not 1 <= len(out) <= BATCH_MAX:
        raise InvalidInput(f"give 1 to {BATCH_MAX} {what}s, not {len(out)}")
    return out


def shorten(text: str, limit: int = 60) -> str:
    text = _CONTROL.sub(" ", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- variables --------------------------------------------------------------------------------

_MUSTACHE_TAG = re.compile(r"\{\{\{\s*([^{}]+?)\s*\}\}\}|\{\{\s*([#^/&>!]?)\s*([^{}]*?)\s*\}\}")


def _mustache_variables(text: str) -> list[str]:
    names: dict[str, None] = {}
    for triple, sigil, name in _MUSTACHE_TAG.findall(text):
        if triple:
            names.setdefault(triple.strip(), None)
        elif sigil in ("!", "/", ">"):
            continue
        elif name:
            names.setdefault(name.strip(), None)
    return list(names)


def _jinja_variables(text: str) -> list[str]:
    import jinja2
    from jinja2 import meta, nodes

    try:
        ast = jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError:
        # A template that jinja cannot parse still shows the {{ name }} it plainly refers to.
        return _mustache_variables(text)
    found = meta.find_undeclared_variables(ast)
    # In order of first appearance (the tree is walked in document order), as a reader expects.
    names: dict[str, None] = {}
    for node in ast.find_all(nodes.Name):
        if node.name in found:
            names.setdefault(node.name, None)
    return list(names)


def template_variables(template: str, template_type: str, structure: str = "text") -> list[str]:
    """The variables a template refers to, in order of first appearance."""
    texts = [template]
    if structure == "chat":
        try:
            messages = json.loads(template)
            texts = []
            for message in messages:
                content = message.get("content") if isinstance(message, dict) else None
                if isinstance(content, str):
                    texts.append(content)
                elif isinstance(content, list):
                    texts.extend(
                        part.get("text", "") for part in content if isinstance(part, dict)
                    )
        except (ValueError, AttributeError):
            pass
    finder = _jinja_variables if template_type == "jinja2" else _mustache_variables
    names: dict[str, None] = {}
    for text in texts:
        for name in finder(text):
            names.setdefault(name, None)
    return list(names)
