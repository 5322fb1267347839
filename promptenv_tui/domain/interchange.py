"""Import and export: the ``promptenv.v1`` interchange format (JSON, plain or gzip) and CSV.

Import, in two phases:

1. **Check** (no database): every record of every input is checked with the domain's own rules
   (``rules.py``: names, templates, commits, environment names, ...) plus what only a file can
   get wrong: names that differ only by letter case, two versions of one prompt with the same
   commit, one environment listed on two versions of one prompt. Every problem is kept with its
   place (file, record number, CSV line, version, name) and a reason a person can act on.
2. **Plan and write**, in ONE write transaction: the prompts named are looked up (and locked),
   each version of the input is matched to a version in the database (by commit; by identical
   text when the input has no commit), and what is new is inserted in batches. Then the checks
   that need the database (a commit that already names another text, a template structure that
   differs, an environment that is neither registered nor defined by the file) are made.

By default nothing at all is written when any record is invalid (:class:`ImportRejected`, which
carries the full report). With ``skip_invalid=True`` the valid records are imported and the report
lists what was skipped. An exception while writing (a progress callback raising, a lost
connection, Ctrl-C) rolls the whole import back.

Re-importing the same input changes nothing; a newer input adds only what is new. Existing
prompts keep their description and tags (an import adds, it does not overwrite); versions are
immutable so a matched version is left as it is.

Environments: the document's ``environments`` are created in the registry when missing; for those
that exist, the description, colour, position and protection the document gives are applied.
Protection is never lifted by an import unless ``confirm_protected=True`` (a warning says so).
The ``environments`` listed on a version become ownership: that version owns them afterwards, the
previous owner (if any) losing them, each change a move record with cause ``import``. Importing
into a ``protected`` environment needs no extra confirmation: running the import is itself the
explicit act (the move records say ``import`` and name the file). Environments the input does not
name for a prompt are left as they are: an import never clears an ownership. A version may only
name an environment that is registered or defined in the document.

Export writes the registry (by position) and the prompts (by name, compared ignoring case), each
with its versions oldest first and the environments each version owns. Export, import into an empty
database, export again: the same document.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from uuid6 import uuid7

from . import rules
from .db import RetryTransaction
from .errors import InvalidInput, NotFound, StorageError
from .schema import environments as E
from .schema import moves as M
from .schema import ownerships as O
from .schema import prompts as P
from .schema import versions as V

FORMAT = "promptenv.v1"
WRITE_CHUNK = 200
"""Prompts written per batch; the progress callback is called after each batch."""
_IN_CHUNK = 500

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; stage is ``checking`` or ``writing``."""


# =============================================================================================
# results
# =============================================================================================


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason one record cannot be imported, with its place."""

    source: str
    record: int
    """1-based: the prompt record in a JSON document, the data row in a CSV file."""
    name: str | None
    reason: str
    kind: str
    """A short code: ``name``, ``duplicate_name``, ``template``, ``commit``, ``duplicate_commit``,
    ``environment``, ``commit_clash``, ``structure``, ``created_at``, ``row``, ..."""
    what: str = "record"
    """``record`` (a prompt), ``row`` (a CSV row) or ``environment`` (a registry entry)."""
    line: int | None = None
    version: int | None = None
    """1-based position of the version inside the record (JSON)."""

    @property
    def place(self) -> str:
        text = f"{self.what} {self.record}"
        if self.line is not None:
            text += f" (line {self.line})"
        if self.version is not None:
            text += f" version {self.version}"
        return text

    def __str__(self) -> str:
        name = f" '{rules.shorten(self.name, 50)}'" if self.name else ""
        return f"{self.source}: {self.place}{name}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "what": self.what, "record": self.record, "line": self.line,
                "version": self.version, "name": self.name, "kind": self.kind, "reason": self.reason}


@dataclass(slots=True)
class ImportReport:
    sources: list[str]
    records: int = 0
    """Prompt records (JSON) and rows (CSV) read."""
    problems: list[Problem] = field(default_factory=list)
    imported: bool = False
    """True when the import was written (possibly skipping invalid records)."""
    dry_run: bool = False
    prompts_created: int = 0
    prompts_updated: int = 0
    """Existing prompts that received new versions."""
    prompts_unchanged: int = 0
    versions_created: int = 0
    versions_unchanged: int = 0
    """Versions of the input that the database already had (matched by commit or text)."""
    environments_created: list[str] = field(default_factory=list)
    environments_updated: list[str] = field(default_factory=list)
    environments_removed: list[str] = field(default_factory=list)
    """Default environments of a brand-new workspace that the document does not name (the
    document's registry replaces them, so that export, import, export gives the same document)."""
    moves: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        """Records (and environment entries) with at least one problem."""
        return len({(p.source, p.what, p.record) for p in self.problems})

    @property
    def invalid_records(self) -> int:
        return len({(p.source, p.record) for p in self.problems if p.what != "environment"})

    @property
    def valid(self) -> int:
        return self.records - self.invalid_records

    @property
    def skipped(self) -> int:
        return self.invalid if self.imported else 0

    @property
    def changed(self) -> bool:
        return bool(self.prompts_created or self.versions_created or self.environments_created
                    or self.environments_updated or self.environments_removed or self.moves)

    def problem_kinds(self) -> dict[str, int]:
        """How many invalid records per kind of reason (a record counts once per kind)."""
        seen = {(p.source, p.what, p.record, p.kind) for p in self.problems}
        counts: dict[str, int] = {}
        for *_, kind in sorted(seen, key=lambda s: s[3]):
            counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported" if self.imported else "nothing imported"
        parts = [
            f"{self.records:,} records read, {self.valid:,} valid, {self.invalid:,} invalid",
        ]
        if self.imported or self.dry_run:
            parts.append(
                f"{verb}: {self.prompts_created:,} new prompts, {self.prompts_updated:,} updated, "
                f"{self.prompts_unchanged:,} unchanged; {self.versions_created:,} new versions, "
                f"{self.versions_unchanged:,} already present; "
                f"{len(self.environments_created)} environments created, "
                f"{len(self.environments_updated)} updated"
                + (f", {len(self.environments_removed)} removed" if self.environments_removed
                   else "")
                + f"; {self.moves:,} moves"
            )
            if self.skipped:
                parts.append(f"skipped {self.skipped:,} invalid")
        return "; ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources, "records": self.records, "valid": self.valid,
            "invalid": self.invalid, "skipped": self.skipped, "imported": self.imported,
            "dry_run": self.dry_run, "prompts_created": self.prompts_created,
            "prompts_updated": self.prompts_updated, "prompts_unchanged": self.prompts_unchanged,
            "versions_created": self.versions_created,
            "versions_unchanged": self.versions_unchanged,
            "environments_created": self.environments_created,
            "environments_updated": self.environments_updated,
            "environments_removed": self.environments_removed, "moves": self.moves,
            "problem_kinds": self.problem_kinds(), "warnings": self.warnings,
            "problems": [p.as_dict() for p in self.problems],
        }


KIND_LABELS = {
    "name": "invalid name",
    "duplicate_name": "duplicate name",
    "duplicate_commit": "duplicate commit",
    "duplicate_environment": "environment listed twice",
    "commit_clash": "commit naming another text",
    "environment": "invalid or unknown environment",
    "row": "broken CSV row",
    "record": "malformed record",
    "limit": "too many environments",
}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, f"invalid {kind.replace('_', ' ')}")


class ImportRejected(InvalidInput):
    """Some records are invalid and ``skip_invalid`` was not given: nothing was written.
    ``report`` lists every problem."""

    def __init__(self, report: ImportReport) -> None:
        kinds = ", ".join(f"{n} {kind_label(k)}" for k, n in report.problem_kinds().items())
        super().__init__(
            f"nothing imported: {report.invalid:,} of {report.records:,} records are invalid "
            f"({kinds}); fix them or import the rest with --skip-invalid",
            reason="invalid_records",
        )
        self.report = report


# =============================================================================================
# reading inputs
# =============================================================================================


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """Which CSV columns mean what. Unnamed columns are looked up by their usual headers; every
    other column is kept as version metadata (empty cells left out)."""

    name_column: str | None = None
    """Default: ``name``, else ``act``."""
    text_column: str | None = None
    """Default: ``template``, else ``prompt``."""
    commit_column: str | None = None
    created_at_column: str | None = None
    type_column: str | None = None
    delimiter: str = ","


@dataclass(slots=True)
class _Version:
    index: int
    template: str
    type: str
    metadata: dict[str, Any]
    change_description: str | None
    tags: list[str]
    commit: str | None
    created_at: datetime | None
    created_by: str | None
    environments: list[str]


@dataclass(slots=True)
class _Record:
    source: str
    what: str
    number: int
    line: int | None
    raw_name: str | None
    name: str | None = None
    key: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    structure: str = "text"
    structure_given: bool = False
    versions: list[_Version] = field(default_factory=list)
    raw_versions: list[Any] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, reason: str, kind: str, version: int | None = None) -> None:
        self.problems.append(Problem(self.source, self.number, self.name or self.raw_name, reason,
                                     kind, self.what, self.line, version))


@dataclass(slots=True)
class _EnvSpec:
    source: str
    number: int
    name: str
    fields: dict[str, Any]


@dataclass(slots=True)
class Source:
    """One input, read and checked (no database involved yet)."""

    name: str
    kind: str
    records: list[_Record] = field(default_factory=list)
    environments: list[_EnvSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Problems of environment entries."""


def read_file(path: str | Path, *, format: str | None = None,
              csv_options: CsvOptions | None = None, name: str | None = None) -> Source:
    """Read and check one file: JSON (``promptenv.v1``, plain or gzip) or CSV. A file that cannot
    be read at all (missing, not JSON, not the format) raises :class:`InvalidInput`."""
    path = Path(path)
    label = name or path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"file {str(path)!r} does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {str(path)!r}: {exc.strerror}") from None
    return read_bytes(data, label, format=format or _format_from_name(path.name),
                      csv_options=csv_options)


def read_bytes(data: bytes, source: str, *, format: str | None = None,
               csv_options: CsvOptions | None = None) -> Source:
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InvalidInput(f"{source}: the gzip data is damaged ({exc})") from None
    if format is None:
        format = "json" if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") else "csv"
    if format not in ("json", "csv"):
        raise InvalidInput(f"format {format!r} is not one of: json, csv")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    if format == "csv":
        return parse_csv(text, source, csv_options or CsvOptions())
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"{source}: not valid JSON ({exc})") from None
    return parse_document(doc, source)


def _format_from_name(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith((".csv", ".csv.gz")):
        return "csv"
    if lower.endswith((".json", ".json.gz")):
        return "json"
    return None


def parse_document(doc: Any, source: str = "<document>") -> Source:
    """Check a ``promptenv.v1`` document (already parsed from JSON)."""
    if not isinstance(doc, dict):
        raise InvalidInput(f"{source}: a promptenv.v1 document is a JSON object, "
                           f"not {type(doc).__name__}")
    if doc.get("format") != FORMAT:
        raise InvalidInput(f"{source}: not a {FORMAT} document (its 'format' is "
                           f"{rules.shorten(repr(doc.get('format')))}, expected '{FORMAT}')")
    prompts = doc.get("prompts") or []
    envs = doc.get("environments") or []
    if not isinstance(prompts, list):
        raise InvalidInput(f"{source}: 'prompts' must be a list")
    if not isinstance(envs, list):
        raise InvalidInput(f"{source}: 'environments' must be a list")
    out = Source(source, "json")
    _check_env_specs(out, envs)
    first_by_key: dict[str, _Record] = {}
    for number, raw in enumerate(prompts, 1):
        record = _check_json_record(source, number, raw)
        if record.key is not None:
            first = first_by_key.setdefault(record.key, record)
            if first is not record:
                same = "the same name as" if first.name == record.name else \
                    f"a name differing only by letter case from '{rules.shorten(first.name or '', 50)}' in"
                record.problem(f"{same} record {first.number}; prompt names are unique ignoring "
                               "case", "duplicate_name")
        out.records.append(record)
    return out


def _check_env_specs(out: Source, envs: list[Any]) -> None:
    seen: dict[str, int] = {}
    for number, raw in enumerate(envs, 1):
        def bad(reason: str, kind: str = "environment", name: str | None = None) -> None:
            out.problems.append(Problem(out.name, number, name, reason, kind, "environment"))

        if not isinstance(raw, dict):
            bad("an environment entry must be an object with at least a name")
            continue
        raw_name = raw.get("name")
        try:
            name = rules.clean_env_name(raw_name)
        except InvalidInput as exc:
            bad(str(exc), name=raw_name if isinstance(raw_name, str) else None)
            continue
        fields: dict[str, Any] = {}
        errors = []
        for key, clean in (
            ("description", lambda v: rules.clean_optional_text(v, "description",
                                                                rules.ENV_DESCRIPTION_MAX)),
            ("color", rules.clean_color),
            ("position", _clean_position),
            ("protected", _clean_bool),
        ):
            if key in raw:
                try:
                    fields[key] = clean(raw[key])
                except InvalidInput as exc:
                    errors.append((str(exc), key))
        for reason, kind in errors:
            bad(reason, kind, name=name)
        first = seen.setdefault(rules.name_key(name), number)
        if first != number:
            bad(f"environment {number} has the same name as environment {first} (names ignore "
                "case)", "duplicate_environment", name)
            continue
        if not errors:
            out.environments.append(_EnvSpec(out.name, number, name, fields))


def _clean_position(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(f"position {value!r} must be a whole number from 0")
    return value


def _clean_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"protected must be true or false, not {value!r}")
    return value


def _clean_created_at(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"created_at must be an ISO 8601 date and time, not {value!r}")
    try:
        ts = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"created_at {rules.shorten(value)!r} is not an ISO 8601 date and "
                           "time (for example 2024-05-01T14:02:00+00:00)") from None
    return ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)


def _check_name(record: _Record, raw_name: Any) -> None:
    try:
        record.name = rules.clean_prompt_name(raw_name)
        record.key = rules.name_key(record.name)
    except InvalidInput as exc:
        record.problem(str(exc), "name")


def _check_json_record(source: str, number: int, raw: Any) -> _Record:
    if not isinstance(raw, dict):
        record = _Record(source, "record", number, None, None)
        record.problem(f"a prompt record must be an object, not {type(raw).__name__}", "record")
        return record
    raw_name = raw.get("name")
    record = _Record(source, "record", number, None,
                     raw_name if isinstance(raw_name, str) else None)
    _check_name(record, raw_name)
    try:
        record.description = rules.clean_optional_text(raw.get("description"), "description",
                                                       rules.PROMPT_DESCRIPTION_MAX)
    except InvalidInput as exc:
        record.problem(str(exc), "description")
    try:
        record.tags = rules.clean_tags(raw.get("tags"))
    except InvalidInput as exc:
        record.problem(str(exc), "tags")
    if raw.get("template_structure") is not None:
        try:
            record.structure = rules.clean_structure(raw["template_structure"])
            record.structure_given = True
        except InvalidInput as exc:
            record.problem(str(exc), "structure")
    versions = raw.get("versions") or []
    if not isinstance(versions, list):
        record.problem("'versions' must be a list of versions, oldest first", "record")
        versions = []
    record.raw_versions = versions
    _check_versions(record)
    return record


def _check_versions(record: _Record) -> None:
    """(Re)check the record's versions against its template structure."""
    record.versions = []
    commits: dict[str, int] = {}
    owner_of_env: dict[str, int] = {}
    for index, raw in enumerate(record.raw_versions, 1):
        if not isinstance(raw, dict):
            record.problem("a version must be an object with at least a template", "record", index)
            continue
        errors: list[tuple[str, str]] = []

        def clean(kind: str, fn: Callable[[], Any], default: Any = None) -> Any:
            try:
                return fn()
            except InvalidInput as exc:
                errors.append((str(exc), kind))
                return default

        if "template" not in raw:
            errors.append(("the version has no template", "template"))
            template = None
        else:
            template = clean("template", lambda: rules.clean_template(raw["template"], record.structure))
        type_ = clean("type", lambda: rules.clean_type(raw.get("type")))
        metadata = clean("metadata", lambda: rules.clean_metadata(raw.get("metadata")), {})
        change = clean("change_description", lambda: rules.clean_optional_text(
            raw.get("change_description"), "change description", rules.CHANGE_DESCRIPTION_MAX))
        tags = clean("tags", lambda: rules.clean_tags(raw.get("tags")), [])
        commit = None
        if raw.get("commit") is not None:
            commit = clean("commit", lambda: rules.clean_commit(raw["commit"]))
        created_at = clean("created_at", lambda: _clean_created_at(raw.get("created_at")))
        created_by = None
        if raw.get("created_by") is not None:
            created_by = clean("created_by", lambda: rules.clean_actor(raw["created_by"]))
        envs: list[str] = []
        raw_envs = raw.get("environments")
        if raw_envs is not None:
            if not isinstance(raw_envs, list):
                errors.append(("'environments' must be a list of environment names", "environment"))
            else:
                seen: set[str] = set()
                for env in raw_envs:
                    name = clean("environment", lambda env=env: rules.clean_env_name(env))
                    if name is not None and rules.name_key(name) not in seen:
                        seen.add(rules.name_key(name))
                        envs.append(name)
        if commit is not None:
            first = commits.setdefault(commit, index)
            if first != index:
                errors.append((f"commit '{commit}' is also the commit of version {first}; a "
                               "prompt's commits are unique", "duplicate_commit"))
        for env in envs:
            first = owner_of_env.setdefault(rules.name_key(env), index)
            if first != index:
                errors.append((f"environment '{env}' is also listed on version {first}; one "
                               "version of a prompt owns an environment", "duplicate_environment"))
        for reason, kind in errors:
            record.problem(reason, kind, index if record.what == "record" else None)
        if not errors:
            record.versions.append(_Version(index, template, type_, metadata, change, tags, commit,
                                            created_at, created_by, envs))


def parse_csv(text: str, source: str, options: CsvOptions | None = None) -> Source:
    """Check a CSV file: one row is one version; rows with the same name are successive versions
    of one prompt (in row order); names that differ only by letter case are an error."""
    options = options or CsvOptions()
    if len(options.delimiter) != 1:
        raise InvalidInput(f"the CSV delimiter must be one character, not {options.delimiter!r}")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=options.delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(f"{source}: the CSV file is empty; it needs a header row") from None
    except csv.Error as exc:
        raise InvalidInput(f"{source}: line 1: {exc}") from None
    header = [h.strip() for h in header]
    lowered = {h.lower(): i for i, h in reversed(list(enumerate(header)))}

    def column(given: str | None, defaults: Sequence[str], what: str, option: str) -> int | None:
        if given is not None:
            if given.strip().lower() not in lowered:
                raise InvalidInput(f"{source}: no column named {given!r} for the {what}; columns: "
                                   f"{', '.join(header) or 'none'}")
            return lowered[given.strip().lower()]
        for name in defaults:
            if name in lowered:
                return lowered[name]
        if not defaults:
            return None
        raise InvalidInput(
            f"{source}: no column for the prompt {what} (looked for "
            f"{' or '.join(repr(d) for d in defaults)}; columns: {', '.join(header) or 'none'}); "
            f"name it with {option}"
        )

    name_col = column(options.name_column, ("name", "act"), "name", "--name-column")
    text_col = column(options.text_column, ("template", "prompt"), "text", "--text-column")
    commit_col = column(options.commit_column, (), "commit", "")
    created_col = column(options.created_at_column, (), "created_at", "")
    type_col = column(options.type_column, (), "type", "")
    if name_col == text_col:
        raise InvalidInput(f"{source}: the name and the text cannot both come from column "
                           f"{header[name_col]!r}")
    used = {c for c in (name_col, text_col, commit_col, created_col, type_col) if c is not None}
    extra = [(i, h or f"column {i + 1}") for i, h in enumerate(header) if i not in used]

    out = Source(source, "csv")
    first_by_key: dict[str, _Record] = {}
    number, line = 0, reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            record = _Record(source, "row", number, line, None)
            record.problem(f"the CSV cannot be read from here on: {exc}", "row")
            out.records.append(record)
            break
        start, line = line, reader.line_num + 1
        if not row or all(not cell.strip() for cell in row):
            continue
        number += 1
        raw_name = row[name_col] if name_col < len(row) else None
        record = _Record(source, "row", number, start, raw_name)
        if len(row) != len(header):
            record.problem(f"the row has {len(row)} cells but the header has {len(header)} (an "
                           "unbalanced quote or a stray delimiter?)", "row")
            out.records.append(record)
            continue
        _check_name(record, raw_name)
        version: dict[str, Any] = {"template": row[text_col]}
        if commit_col is not None and row[commit_col].strip():
            version["commit"] = row[commit_col]
        if created_col is not None and row[created_col].strip():
            version["created_at"] = row[created_col]
        if type_col is not None and row[type_col].strip():
            version["type"] = row[type_col].strip()
        metadata = {h: row[i] for i, h in extra if row[i].strip()}
        if metadata:
            version["metadata"] = metadata
        record.raw_versions = [version]
        _check_versions(record)
        if record.key is not None:
            first = first_by_key.setdefault(record.key, record)
            if first.name != record.name:
                record.problem(f"a name differing only by letter case from "
                               f"'{rules.shorten(first.name or '', 50)}' in row {first.number} "
                               f"(line {first.line}); prompt names are unique ignoring case (rows "
                               "with exactly the same name are versions of one prompt)",
                               "duplicate_name")
        out.records.append(record)
    return out


# =============================================================================================
# import
# =============================================================================================


def import_files(
    library,
    paths: Iterable[str | Path],
    *,
    format: str | None = None,
    csv_options: CsvOptions | None = None,
    **kwargs: Any,
) -> ImportReport:
    """Read and check every file, then import them all in one transaction (see
    :func:`import_sources` for the keyword arguments)."""
    sources = [read_file(p, format=format, csv_options=csv_options) for p in paths]
    return import_sources(library, sources, **kwargs)


def import_document(library, doc: Mapping[str, Any], *, source: str = "<document>",
                    **kwargs: Any) -> ImportReport:
    return import_sources(library, [parse_document(doc, source)], **kwargs)


def import_sources(
    library,
    sources: Sequence[Source],
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    confirm_protected: bool = False,
    reason: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import checked sources into ``library``'s workspace, in one transaction.

    Raises :class:`ImportRejected` (nothing written) when any record is invalid and
    ``skip_invalid`` is false. ``dry_run`` checks everything, the database included, and writes
    nothing. ``progress(stage, done, total)`` is called while checking and writing; whatever it
    raises aborts the import and rolls it back."""
    reason = rules.clean_optional_text(reason, "reason", rules.REASON_MAX)
    if reason is None:
        reason = rules.shorten("import of " + ", ".join(s.name for s in sources), rules.REASON_MAX)
    static = [p for s in sources for p in s.problems] + \
        [p for s in sources for r in s.records for p in r.problems]
    total = sum(len(s.records) for s in sources)

    def make_report() -> ImportReport:
        return ImportReport([s.name for s in sources], records=total, problems=list(static),
                            dry_run=dry_run)

    def plan_only(conn: Connection, ws: int) -> ImportReport:
        report = make_report()
        _Importer(library, conn, ws, sources, report, progress, confirm_protected, reason).plan()
        return report

    if dry_run or (static and not skip_invalid):
        report = library._read(plan_only)
        if report.problems and not skip_invalid and not dry_run:
            raise ImportRejected(report)
        return report

    def write(conn: Connection, ws: int) -> ImportReport:
        report = make_report()
        importer = _Importer(library, conn, ws, sources, report, progress, confirm_protected,
                             reason, lock=True)
        importer.plan()
        if report.problems and not skip_invalid:
            raise ImportRejected(report)
        importer.write()
        report.imported = True
        return report

    return library._write(write)


@dataclass(slots=True)
class _StoredVersion:
    id: str
    number: int
    commit: str
    template: str
    type: str
    matched: bool = False


@dataclass(slots=True)
class _PromptState:
    id: str
    name: str
    key: str
    structure: str
    counter: int
    existing: bool
    versions: list[_StoredVersion]
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    created_at: datetime | None = None
    """New prompts: when their oldest version was written (the file's history, not today)."""
    updated_at: datetime | None = None
    """New prompts: when their newest version was written."""
    new_versions: list[dict[str, Any]] = field(default_factory=list)
    touched: bool = False


@dataclass(slots=True)
class _EnvState:
    id: str
    name: str
    key: str
    description: str | None
    color: str | None
    protected: bool
    position: int
    new: bool = False
    changed: bool = False
    seeded: bool = False
    """One of the defaults a new workspace starts with, never edited since."""


class _Importer:
    """The database half of an import: plan against the current state, then write in batches."""

    def __init__(self, library, conn: Connection, ws: int, sources: Sequence[Source],
                 report: ImportReport, progress: Progress | None, confirm_protected: bool,
                 reason: str | None, *, lock: bool = False) -> None:
        self.lib, self.conn, self.ws = library, conn, ws
        self.sources, self.report, self.progress = sources, report, progress
        self.confirm_protected, self.reason, self.lock = confirm_protected, reason, lock
        self.prompts: dict[str, _PromptState] = {}
        self.envs: dict[str, _EnvState] = {}
        self.env_order: list[str] = []
        self.dropped_envs: list[_EnvState] = []
        self.owners: dict[tuple[str, str], tuple[str, int]] = {}
        """Desired ownership: (prompt id, environment key) -> (version id, number)."""
        self.ts = datetime.now(timezone.utc)

    # --- plan -----------------------------------------------------------------------------------

    def plan(self) -> None:
        self._load_registry()
        self._plan_environments()
        self._load_prompts()
        done, total = 0, self.report.records
        for source in self.sources:
            for record in source.records:
                if not record.problems:
                    # A copy: a retried transaction plans again from the record as it was read.
                    planned = copy.copy(record)
                    planned.problems = []
                    self._plan_record(planned)
                    self.report.problems.extend(planned.problems)
                done += 1
                if self.progress and (done % 250 == 0 or done == total):
                    self.progress("checking", done, total)
        states = list(self.prompts.values())
        self.report.prompts_created = sum(1 for s in states if not s.existing and s.touched)
        self.report.prompts_updated = sum(1 for s in states if s.existing and s.new_versions)
        self.report.prompts_unchanged = sum(1 for s in states if s.existing and s.touched
                                            and not s.new_versions)
        self.report.versions_created = sum(len(s.new_versions) for s in states)
        self._plan_owners()

    def _load_registry(self) -> None:
        rows = self.conn.execute(
            sa.select(E).where(E.c.workspace_id == self.ws).order_by(E.c.position, E.c.name_key)
        ).all()
        defaults = {rules.name_key(d[0]): d for d in rules.DEFAULT_ENVIRONMENTS}
        for r in rows:
            default = defaults.get(r.name_key)
            seeded = default is not None and r.created_at == r.updated_at and \
                (r.name, r.description, r.color, bool(r.protected)) == default
            self.envs[r.name_key] = _EnvState(r.id, r.name, r.name_key, r.description, r.color,
                                              bool(r.protected), r.position, seeded=seeded)
            self.env_order.append(r.name_key)

    def _fresh_workspace(self) -> bool:
        """No prompt and no move yet: nothing has been done in this workspace."""
        for table in (P, M):
            if self.conn.execute(sa.select(table.c.id).where(table.c.workspace_id == self.ws)
                                 .limit(1)).first() is not None:
                return False
        return True

    def _plan_environments(self) -> None:
        specs = [spec for s in self.sources for spec in s.environments]
        named = {rules.name_key(spec.name) for spec in specs}
        unnamed_seeds = [k for k in self.env_order if self.envs[k].seeded and k not in named]
        # A document whose environments hold positions 0..n-1 describes a whole registry (an
        # export does); a brand-new workspace takes it instead of the defaults it started with.
        positions = sorted(-1 if spec.fields.get("position") is None else spec.fields["position"]
                           for spec in specs)
        whole = positions == list(range(len(specs)))
        if specs and whole and unnamed_seeds and self._fresh_workspace():
            for key in unnamed_seeds:
                env = self.envs.pop(key)
                self.env_order.remove(key)
                self.dropped_envs.append(env)
                self.report.environments_removed.append(env.name)
        positioned: list[tuple[int, str]] = []
        for spec in specs:
            key = rules.name_key(spec.name)
            env = self.envs.get(key)
            if env is None:
                if len(self.envs) >= rules.ENVIRONMENTS_MAX:
                    self.report.problems.append(Problem(
                        spec.source, spec.number, spec.name,
                        f"the workspace already has {rules.ENVIRONMENTS_MAX} environments, the "
                        "most it may have", "limit", "environment"))
                    continue
                env = _EnvState(str(uuid7()), spec.name, key, spec.fields.get("description"),
                                spec.fields.get("color"), bool(spec.fields.get("protected", False)),
                                len(self.env_order), new=True)
                self.envs[key] = env
                self.env_order.append(key)
                self.report.environments_created.append(spec.name)
            else:
                for attr in ("description", "color"):
                    if attr in spec.fields and spec.fields[attr] != getattr(env, attr):
                        setattr(env, attr, spec.fields[attr])
                        env.changed = True
                if "protected" in spec.fields and spec.fields["protected"] != env.protected:
                    if spec.fields["protected"] or self.confirm_protected:
                        env.protected = spec.fields["protected"]
                        env.changed = True
                    else:
                        self.report.warnings.append(
                            f"{spec.source}: environment '{env.name}' stays protected (the file "
                            "says unprotected; lifting protection needs confirmation)")
            if spec.fields.get("position") is not None:
                positioned.append((spec.fields["position"], key))
        for position, key in sorted(positioned):
            self.env_order.remove(key)
            self.env_order.insert(min(position, len(self.env_order)), key)
        for position, key in enumerate(self.env_order):
            env = self.envs[key]
            if env.position != position:
                env.position = position
                env.changed = env.changed or not env.new
        self.report.environments_updated = [self.envs[k].name for k in self.env_order
                                            if self.envs[k].changed and not self.envs[k].new]

    def _load_prompts(self) -> None:
        keys = sorted({r.key for s in self.sources for r in s.records
                       if r.key is not None and not r.problems})
        rows = []
        for chunk in _chunks(keys, _IN_CHUNK):
            query = sa.select(P.c.id, P.c.name, P.c.name_key, P.c.template_structure,
                              P.c.version_counter).where(P.c.workspace_id == self.ws,
                                                         P.c.name_key.in_(chunk))
            rows.extend(self.conn.execute(query).all())
        if self.lock and rows and not self.lib.db.is_sqlite:
            # Fixed lock order (by id), as the domain's other writers do.
            ids = sorted(r.id for r in rows)
            for chunk in _chunks(ids, _IN_CHUNK):
                self.conn.execute(sa.select(P.c.id).where(P.c.id.in_(chunk)).order_by(P.c.id)
                                  .with_for_update()).all()
            rows = []
            for chunk in _chunks(ids, _IN_CHUNK):
                rows.extend(self.conn.execute(
                    sa.select(P.c.id, P.c.name, P.c.name_key, P.c.template_structure,
                              P.c.version_counter).where(P.c.id.in_(chunk))).all())
        for r in rows:
            self.prompts[r.name_key] = _PromptState(r.id, r.name, r.name_key, r.template_structure,
                                                    r.version_counter, True, [])
        by_id = {s.id: s for s in self.prompts.values()}
        for chunk in _chunks(list(by_id), _IN_CHUNK):
            for v in self.conn.execute(
                sa.select(V.c.id, V.c.prompt_id, V.c.version_number, V.c.commit, V.c.template,
                          V.c.type).where(V.c.prompt_id.in_(chunk))
                .order_by(V.c.prompt_id, V.c.version_number)
            ):
                by_id[v.prompt_id].versions.append(
                    _StoredVersion(v.id, v.version_number, v.commit, v.template, v.type))

    def _plan_record(self, record: _Record) -> None:
        state = self.prompts.get(record.key)
        if state is not None and state.structure != record.structure:
            if record.structure_given:
                record.problem(f"prompt '{state.name}' holds {state.structure} templates in the "
                               f"database; this record says {record.structure}", "structure")
                return
            record.structure = state.structure
            before = len(record.problems)
            _check_versions(record)
            if len(record.problems) > before:
                return
        # Environments named by versions must be registered or defined by the document.
        for version in record.versions:
            for env in version.environments:
                if rules.name_key(env) not in self.envs:
                    known = ", ".join(self.envs[k].name for k in self.env_order) or "none"
                    record.problem(f"environment '{env}' is neither registered nor defined in the "
                                   f"file; registered: {known}", "environment",
                                   version.index if record.what == "record" else None)
        if record.problems:
            return
        if state is None:
            state = _PromptState(str(uuid7()), record.name, record.key, record.structure, 0, False,
                                 [], record.description, record.tags)
        # Match each version of the record to a stored (or already planned) one.
        planned: list[tuple[_Version, _StoredVersion | None]] = []
        taken = {v.commit for v in state.versions}
        claimed: set[int] = set()
        # A version the file names by commit matches that commit; failing that (the stored text
        # came from a file without commits, say), an unclaimed stored version with the same text
        # whose own commit the record does not name.
        record_commits = {v.commit for v in record.versions if v.commit is not None}
        for version in record.versions:
            match = None
            if version.commit is not None:
                match = next((v for v in state.versions if v.commit == version.commit), None)
                if match is not None and (match.template != version.template
                                          or match.type != version.type):
                    record.problem(
                        f"commit '{version.commit}' is already v{match.number} of prompt "
                        f"'{state.name}' with a different {'template' if match.template != version.template else 'type'}; "
                        "a commit names one text", "commit_clash",
                        version.index if record.what == "record" else None)
                    continue
            if match is None:
                match = next((v for v in state.versions if not v.matched and id(v) not in claimed
                              and v.commit not in record_commits
                              and v.template == version.template and v.type == version.type), None)
            if match is not None:
                claimed.add(id(match))
            planned.append((version, match))
        if record.problems:
            return
        explicit = {v.commit for v, m in planned if m is None and v.commit is not None}
        taken |= explicit
        state.touched = True
        self.prompts[record.key] = state
        for version, match in planned:
            if match is not None:
                match.matched = True
                self.report.versions_unchanged += 1
                target = (match.id, match.number)
            else:
                vid = uuid7()
                commit = version.commit
                if commit is None:
                    while vid.hex[-8:] in taken:
                        vid = uuid7()
                    commit = vid.hex[-8:]
                    taken.add(commit)
                state.counter += 1
                created_at = version.created_at or self.ts
                row = dict(id=str(vid), prompt_id=state.id, workspace_id=self.ws, commit=commit,
                           version_number=state.counter, template=version.template,
                           type=version.type, metadata=version.metadata,
                           change_description=version.change_description, tags=version.tags,
                           created_at=created_at, created_by=version.created_by or self.lib.actor)
                state.new_versions.append(row)
                stored = _StoredVersion(row["id"], state.counter, commit, version.template,
                                        version.type, matched=True)
                state.versions.append(stored)
                if state.created_at is None or created_at < state.created_at:
                    state.created_at = created_at
                if state.updated_at is None or created_at > state.updated_at:
                    state.updated_at = created_at
                target = (stored.id, stored.number)
            for env in version.environments:
                self.owners[(state.id, rules.name_key(env))] = target

    def _plan_owners(self) -> None:
        existing = [s.id for s in self.prompts.values() if s.existing]
        wanted_prompts = {pid for pid, _ in self.owners}
        current: dict[tuple[str, str], tuple[str, int]] = {}
        env_key_by_id = {e.id: k for k, e in self.envs.items()}
        for chunk in _chunks([p for p in existing if p in wanted_prompts], _IN_CHUNK):
            for r in self.conn.execute(
                sa.select(O.c.prompt_id, O.c.environment_id, O.c.version_id, V.c.version_number)
                .join(V, V.c.id == O.c.version_id).where(O.c.prompt_id.in_(chunk))
            ):
                current[(r.prompt_id, env_key_by_id[r.environment_id])] = (r.version_id,
                                                                          r.version_number)
        self.changes = [(pid, key, current.get((pid, key)), target)
                        for (pid, key), target in self.owners.items()
                        if current.get((pid, key), (None,))[0] != target[0]]
        self.report.moves = len(self.changes)

    # --- write ----------------------------------------------------------------------------------

    def write(self) -> None:
        conn, lib, ts = self.conn, self.lib, self.ts
        # 1. the registry
        if self.dropped_envs:
            conn.execute(sa.delete(E).where(E.c.id.in_([e.id for e in self.dropped_envs])))
        new_envs = [e for e in self.envs.values() if e.new]
        if new_envs:
            conn.execute(sa.insert(E), [
                dict(id=e.id, workspace_id=self.ws, name=e.name, name_key=e.key,
                     description=e.description, color=e.color, position=e.position,
                     protected=e.protected, created_at=ts, created_by=lib.actor, updated_at=ts,
                     updated_by=lib.actor) for e in new_envs])
        for e in self.envs.values():
            if e.changed and not e.new:
                conn.execute(sa.update(E).where(E.c.id == e.id).values(
                    description=e.description, color=e.color, protected=e.protected,
                    position=e.position, updated_at=ts, updated_by=lib.actor))
        # 2. prompts and versions, in batches
        states = [s for s in self.prompts.values() if s.touched and (s.new_versions or not s.existing)]
        total, done = len(states), 0
        for chunk in _chunks(states, WRITE_CHUNK):
            fresh = [s for s in chunk if not s.existing]
            if fresh:
                try:
                    conn.execute(sa.insert(P), [
                        dict(id=s.id, workspace_id=self.ws, name=s.name, name_key=s.key,
                             description=s.description, tags=s.tags,
                             template_structure=s.structure, version_counter=s.counter,
                             created_at=s.created_at or ts, created_by=lib.actor,
                             updated_at=s.updated_at or ts, updated_by=lib.actor) for s in fresh])
                except IntegrityError:
                    # Someone created one of these prompts meanwhile: plan again from the start.
                    raise RetryTransaction() from None
            grown = [s for s in chunk if s.existing]
            if grown:
                conn.execute(
                    sa.update(P).where(P.c.id == sa.bindparam("b_id")).values(
                        version_counter=sa.bindparam("b_counter"), updated_at=ts,
                        updated_by=lib.actor),
                    [{"b_id": s.id, "b_counter": s.counter} for s in grown])
            rows = [row for s in chunk for row in s.new_versions]
            if rows:
                conn.execute(sa.insert(V), rows)
            done += len(chunk)
            if self.progress:
                self.progress("writing", done, total)
        # 3. ownership, each change a move record
        if self.changes:
            self._write_owner_changes(self.changes, cause="import", reason=self.reason, at=ts,
                                      actor=lib.actor, batch=str(uuid7()))

    def _write_owner_changes(self, changes, *, cause: str, reason: str | None, at: datetime,
                             actor: str, batch: str) -> None:
        by_id = {s.id: s for s in self.prompts.values()}
        write_owner_changes(
            self.lib, self.conn, self.ws,
            [(by_id[pid], self.envs[key], before, after) for pid, key, before, after in changes],
            cause=cause, reason=reason, at=at, actor=actor, batch=batch)


def write_owner_changes(library, conn: Connection, ws: int, changes, *, cause: str,
                        reason: str | None, at: datetime, actor: str, batch: str) -> int:
    """Apply ownership changes in batches and record each as a move (one ``batch``).

    ``changes`` holds ``(prompt, environment, before, after)`` where prompt has ``id``, ``name``
    and ``key``; environment has ``id`` and ``name``; before and after are ``(version id,
    number)`` or ``None`` (``after`` None clears). Used by import and by the demo builder (which
    replays a past history with its own times and actors)."""
    inserts, updates, deletes, records = [], [], [], []
    for prompt, env, before, after in changes:
        who = SimpleNamespace(id=prompt.id, name=prompt.name, name_key=prompt.key)
        if after is None:
            if before is None:
                continue
            deletes.append((prompt.id, env.id))
            action = "clear"
        elif before is None:
            inserts.append(dict(prompt_id=prompt.id, environment_id=env.id, version_id=after[0],
                                workspace_id=ws, since=at, by=actor))
            action = "assign"
        else:
            updates.append({"b_prompt": prompt.id, "b_env": env.id, "b_version": after[0]})
            action = "move"
        row = library._move_row(ws, batch, action, cause, who, env.id, env.name, before, after,
                                reason, at)
        row["actor"] = actor
        records.append(row)
    if inserts:
        conn.execute(sa.insert(O), inserts)
    if updates:
        conn.execute(
            sa.update(O).where(O.c.prompt_id == sa.bindparam("b_prompt"),
                               O.c.environment_id == sa.bindparam("b_env"))
            .values(version_id=sa.bindparam("b_version"), since=at, by=actor), updates)
    for prompt_id, env_id in deletes:
        conn.execute(sa.delete(O).where(O.c.prompt_id == prompt_id, O.c.environment_id == env_id))
    library._record(conn, records)
    return len(records)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# =============================================================================================
# export
# =============================================================================================


def export(library, prompt_names: Iterable[str] | None = None) -> dict[str, Any]:
    """The workspace (or the named prompts) as a ``promptenv.v1`` document, in a deterministic
    order: environments by position, prompts by name (ignoring case), versions oldest first."""
    wanted = None
    if prompt_names is not None:
        if isinstance(prompt_names, str):
            prompt_names = [prompt_names]
        wanted = {rules.name_key(rules.clean_prompt_name(n)): n for n in prompt_names}

    def run(conn: Connection, ws: int) -> dict[str, Any]:
        env_rows = conn.execute(sa.select(E).where(E.c.workspace_id == ws)
                                .order_by(E.c.position, E.c.name_key)).all()
        env_by_id = {r.id: r for r in env_rows}
        rank = {r.id: i for i, r in enumerate(env_rows)}
        query = sa.select(P).where(P.c.workspace_id == ws)
        prompt_rows = []
        if wanted is not None:
            for chunk in _chunks(sorted(wanted), _IN_CHUNK):
                prompt_rows.extend(conn.execute(query.where(P.c.name_key.in_(chunk))).all())
            missing = sorted(set(wanted) - {r.name_key for r in prompt_rows})
            if missing:
                raise NotFound(
                    f"no prompt named {', '.join(repr(rules.shorten(wanted[k])) for k in missing)} "
                    f"in workspace '{library.workspace}'; nothing exported")
        else:
            prompt_rows = conn.execute(query).all()
        prompt_rows.sort(key=lambda r: (r.name_key, r.name))
        ids = [r.id for r in prompt_rows]
        versions: dict[str, list[Any]] = {}
        owned: dict[str, list[str]] = {}
        vquery = sa.select(V).where(V.c.workspace_id == ws)
        oquery = sa.select(O.c.version_id, O.c.environment_id).where(O.c.workspace_id == ws)
        chunks = [None] if wanted is None else list(_chunks(ids, _IN_CHUNK))
        for chunk in chunks:
            vq = vquery if chunk is None else vquery.where(V.c.prompt_id.in_(chunk))
            oq = oquery if chunk is None else oquery.where(O.c.prompt_id.in_(chunk))
            for v in conn.execute(vq):
                versions.setdefault(v.prompt_id, []).append(v)
            for o in conn.execute(oq):
                owned.setdefault(o.version_id, []).append(o.environment_id)
        prompts = []
        for p in prompt_rows:
            items = []
            for v in sorted(versions.get(p.id, ()), key=lambda v: v.version_number):
                envs = sorted(owned.get(v.id, ()), key=rank.__getitem__)
                items.append({
                    "commit": v.commit,
                    "template": v.template,
                    "type": v.type,
                    "metadata": v.metadata or {},
                    "change_description": v.change_description,
                    "tags": list(v.tags or ()),
                    "created_at": v.created_at.isoformat(),
                    "created_by": v.created_by,
                    "environments": [env_by_id[e].name for e in envs],
                })
            prompts.append({
                "name": p.name,
                "description": p.description,
                "tags": list(p.tags or ()),
                "template_structure": p.template_structure,
                "versions": items,
            })
        return {
            "format": FORMAT,
            "environments": [
                {"name": r.name, "description": r.description, "color": r.color,
                 "position": r.position, "protected": bool(r.protected)} for r in env_rows
            ],
            "prompts": prompts,
        }

    return library._read(run)


def dumps(doc: Mapping[str, Any]) -> str:
    """The document as JSON text: UTF-8 friendly, indented, one trailing newline."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def write_document(doc: Mapping[str, Any], path: str | Path) -> None:
    """Write the document to a file, gzip-compressed when the name ends in ``.gz``.

    A regular file is replaced only once the new one is completely written (a full disk leaves
    the old backup whole); a symbolic link is followed, and a device or pipe is written into."""
    given = Path(path)
    data = dumps(doc).encode("utf-8")
    if given.name.lower().endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    target = Path(os.path.realpath(given))
    tmp = None
    try:
        if target.exists() and not target.is_file():
            with open(target, "wb") as out:
                out.write(data)
            return
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(data)
        if target.exists():
            shutil.copymode(target, tmp)
        tmp.replace(target)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        error = NotFound if isinstance(exc, FileNotFoundError) else StorageError
        raise error(f"cannot write {str(given)!r}: {exc.strerror or exc}") from None
