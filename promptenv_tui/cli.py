"""The command line: starts the console, and scriptable commands over the same domain API.

Exit codes: 0 ok, 1 error, 2 usage (or invalid input), 3 conflict, 4 not found.

Every command that prints takes ``--json``. Errors go to stderr as one line ``promptenv: ...``.
``get`` prints the template alone, byte for byte (what a deploy script calls). Only the console
(no command, ``tui``, ``demo``) imports Textual, so the other commands start quickly.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NoReturn

from promptenv_tui.domain import (
    Conflict,
    InvalidInput,
    NotFound,
    PromptEnvError,
    PromptLibrary,
    default_actor,
)

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFLICT, EXIT_NOT_FOUND = 0, 1, 2, 3, 4
_COMMIT = re.compile(r"^[A-Za-z0-9]{8}$")
_NUMBER = re.compile(r"^(?:[vV][0-9]{1,9}|[0-9]{1,7})$")

EPILOG = """\
VERSION is vN (or N), a commit (8 letters or digits) or 'latest'.
exit codes: 0 ok, 1 error, 2 usage or invalid input, 3 conflict (for example a protected
environment without --yes, or a clash with another change), 4 not found."""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line of stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"promptenv: {message} (see '{self.prog} --help')\n")


def _common(*, user: bool = True) -> argparse.ArgumentParser:
    """Flags accepted after the command too (``promptenv get X --db URL --json``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--workspace", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    if user:
        common.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                        help=argparse.SUPPRESS)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON instead of text")
    return common


def _move_flags() -> argparse.ArgumentParser:
    flags = argparse.ArgumentParser(add_help=False)
    flags.add_argument("--yes", "--confirm", dest="yes", action="store_true",
                       help="confirm moving into or out of a protected environment")
    flags.add_argument("--reason", help="why (kept in the history)")
    return flags


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="promptenv",
        description="Release LLM prompts: browse versions and decide which one each environment "
        "serves. With no command, opens the console.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", metavar="URL", default=os.environ.get("PROMPTENV_DATABASE_URL"),
                        help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
                        "(default: $PROMPTENV_DATABASE_URL, else a SQLite file in your data folder)")
    parser.add_argument("--workspace", default=os.environ.get("PROMPTENV_WORKSPACE", "default"))
    parser.add_argument("--user", default=None, help="who you are in the history (default: login name)")
    parser.add_argument("--read-only", action="store_true", help="change nothing")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    common, moves = _common(), _move_flags()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help: str, *parents: argparse.ArgumentParser,
            base: argparse.ArgumentParser = common) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, parents=[base, *parents],
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)

    add("tui", "open the console (the default)")

    demo = add("demo", "open the console on the demo database (built on first use)")
    demo.add_argument("--reset", action="store_true", help="rebuild the demo database from scratch")
    demo.add_argument("--no-open", action="store_true",
                      help="only build the demo database (if needed) and print its path")

    imp = add("import", "import promptenv.v1 JSON (plain or .gz) or CSV files, in one transaction")
    imp.add_argument("files", nargs="+", metavar="FILE", help="files to import ('-' reads stdin)")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="import the valid records and list the ones skipped (default: nothing "
                     "is imported when any record is invalid)")
    imp.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    imp.add_argument("--format", choices=("json", "csv"),
                     help="the files' format (default: from the name, else from the content)")
    imp.add_argument("--name-column", metavar="C", help="CSV: the prompt name (default: name, act)")
    imp.add_argument("--text-column", metavar="C", help="CSV: the template (default: template, prompt)")
    imp.add_argument("--commit-column", metavar="C", help="CSV: the version's commit")
    imp.add_argument("--created-at-column", metavar="C", help="CSV: when the version was written")
    imp.add_argument("--delimiter", default=",", help="CSV: the delimiter (default ',')")
    imp.add_argument("--yes", "--confirm", dest="yes", action="store_true",
                     help="let the file lift an environment's protection")
    imp.add_argument("--reason", help="kept in the history of the moves the import makes")

    exp = add("export", "write prompts, versions, environments and ownership as promptenv.v1")
    exp.add_argument("--prompt", action="append", metavar="NAME",
                     help="only this prompt (repeat for more)")
    exp.add_argument("-o", "--output", metavar="FILE",
                     help="write to FILE (gzip-compressed when it ends in .gz); default: stdout")

    prompts = add("prompts", "list prompts")
    prompts.add_argument("--search", help="part of the name")
    prompts.add_argument("--env", help="only prompts this environment serves")
    prompts.add_argument("--tag")

    prompt = add("prompt", "rename, describe, tag or delete a prompt")
    prompt_sub = prompt.add_subparsers(dest="prompt_command", metavar="ACTION", required=True)
    edit = prompt_sub.add_parser("update", help="rename, describe or tag a prompt",
                                 parents=[common])
    edit.add_argument("name")
    edit.add_argument("--name", dest="new_name", metavar="NEW_NAME")
    edit.add_argument("--description", help="'' clears it")
    edit.add_argument("--tag", dest="tags", action="append", metavar="TAG",
                      help="the prompt's tags afterwards (repeat for more)")
    edit.add_argument("--no-tags", action="store_true", help="remove every tag")
    remove = prompt_sub.add_parser("delete", help="delete a prompt and its versions (the history "
                                   "stays)", parents=[common, moves])
    remove.add_argument("name")

    env = add("env", "the environment registry")
    env_sub = env.add_subparsers(dest="env_command", metavar="ACTION", required=True)
    env_sub.add_parser("list", help="list environments", parents=[common])
    create = env_sub.add_parser("create", help="register an environment", parents=[common])
    create.add_argument("name")
    create.add_argument("--description")
    create.add_argument("--color", metavar="#RRGGBB")
    create.add_argument("--position", type=int)
    create.add_argument("--protected", action="store_true",
                        help="moves into or out of it need --yes")
    update = env_sub.add_parser("update", help="rename, describe, colour, reorder, protect",
                                parents=[common])
    update.add_argument("name")
    update.add_argument("--name", dest="new_name", metavar="NEW_NAME")
    update.add_argument("--description")
    update.add_argument("--color", metavar="#RRGGBB")
    update.add_argument("--position", type=int)
    guard = update.add_mutually_exclusive_group()
    guard.add_argument("--protected", dest="protected", action="store_true", default=None)
    guard.add_argument("--unprotected", dest="protected", action="store_false",
                       help="lift protection (needs --yes)")
    update.add_argument("--yes", "--confirm", dest="yes", action="store_true")
    delete = env_sub.add_parser("delete", help="delete an environment", parents=[common, moves])
    delete.add_argument("name")
    delete.add_argument("--force", action="store_true",
                        help="also when versions own it (each ownership cleared is recorded)")

    set_ = add("set", "make a version own exactly these environments (others move to it)", moves)
    set_.add_argument("prompt")
    set_.add_argument("version", metavar="VERSION")
    set_.add_argument("environments", nargs="*", metavar="ENV")
    set_.add_argument("--clear", action="store_true",
                      help="with no ENV: take every environment from the version")

    assign = add("assign", "give one more environment to a version", moves)
    assign.add_argument("prompt")
    assign.add_argument("version", metavar="VERSION")
    assign.add_argument("environment", metavar="ENV")

    unassign = add("unassign", "take an environment of a prompt from whichever version owns it",
                   moves)
    unassign.add_argument("prompt")
    unassign.add_argument("environment", metavar="ENV")

    get = add("get", "print a version's template alone, exactly as stored")
    get.add_argument("prompt")
    which = get.add_mutually_exclusive_group()
    which.add_argument("--env", help="the version this environment serves")
    which.add_argument("--version", metavar="vN", help="this version number, or latest")
    which.add_argument("--commit", help="the version with this commit")

    versions = add("versions", "list a prompt's versions, newest first")
    versions.add_argument("prompt")

    # Here --user filters by who made the move; who you are goes before the command.
    history = add("history", "the history of moves, newest first", base=_common(user=False))
    history.add_argument("--prompt")
    history.add_argument("--env")
    history.add_argument("--user", dest="actor", metavar="USER", help="moves made by this user")
    history.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")

    db = add("db", "database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="bring the database schema up to this promptenv's",
                      parents=[common])
    return parser


# =============================================================================================
# running
# =============================================================================================


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2, already explained on stderr)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        handler = COMMANDS.get(args.command or "tui")
        return handler(args)
    except PromptEnvError as exc:
        report = getattr(exc, "report", None)
        if report is not None:
            _print_rejected(args, report)
        message = str(exc)
        if getattr(exc, "reason", None) == "protected_environment":
            message += " (pass --yes to confirm)"
        elif getattr(exc, "reason", None) == "environment_in_use":
            message = message.replace("delete with force", "delete with --force")
        _error(message)
        return exit_code(exc)
    except KeyboardInterrupt:
        _error("interrupted; nothing more was changed")
        return 130
    except BrokenPipeError:
        # The reader went away (``promptenv history | head``): not an error of ours.
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        # Writing the answer failed (a full disk behind '> file', say); the database is untouched
        # or already committed, and the message says which stream failed.
        _error(f"cannot write the output: {exc.strerror or exc}")
        _silence_stdout()
        return EXIT_ERROR


def _silence_stdout() -> None:
    """After a failed write to stdout, Python's own flush at exit would fail again (and print
    a traceback): point stdout at /dev/null."""
    try:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    except OSError:
        pass


def exit_code(exc: PromptEnvError) -> int:
    if isinstance(exc, Conflict):
        return EXIT_CONFLICT
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, InvalidInput):
        return EXIT_USAGE
    return EXIT_ERROR


def _error(message: str) -> None:
    line = " ".join(message.split()) if "\n" in message else message
    print(f"promptenv: {line}", file=sys.stderr)


def open_library(args: argparse.Namespace, url: str | None = None, *,
                 create: bool = False) -> PromptLibrary:
    """Script commands never create a database or workspace on the way (a mistyped --db or
    --workspace is 'not found', exit 4); the console, the demo, an import (not a dry run) and
    'db upgrade' may."""
    return PromptLibrary(url or args.db, workspace=args.workspace,
                         actor=args.user or default_actor(), read_only=args.read_only,
                         create=create)


def run_tui(library: PromptLibrary) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InvalidInput("the console needs a terminal; from a script, give a command "
                           "(see 'promptenv --help')")
    from promptenv_tui.tui.app import PromptEnvApp

    PromptEnvApp(library).run()
    return EXIT_OK


def _cmd_tui(args: argparse.Namespace) -> int:
    return run_tui(open_library(args, create=True))


def _cmd_demo(args: argparse.Namespace) -> int:
    from promptenv_tui.demo import build_demo, demo_path

    path = demo_path()
    if args.read_only and (args.reset or not path.exists()):
        raise InvalidInput("the demo database has to be built first; run 'promptenv demo' "
                           "without --read-only")
    if args.reset or not path.exists():
        if not args.json and sys.stderr.isatty():
            print(f"building the demo database {path} …", file=sys.stderr)
        summary = build_demo(path)
        built = True
    else:
        summary, built = None, False
        if not args.read_only:
            # The demo is ours: bring a demo built by an older promptenv up to date on the way.
            from promptenv_tui.domain.db import Database

            database = Database(f"sqlite:///{path}")
            try:
                database.upgrade()
            finally:
                database.close()
    if args.no_open:
        if args.json:
            _print_json({"path": str(path), "built": built,
                         **(dataclasses.asdict(summary) if summary else {})})
        else:
            print(path)
        return EXIT_OK
    with open_library(args, f"sqlite:///{path}", create=True) as library:
        return run_tui(library)


def _cmd_db(args: argparse.Namespace) -> int:
    from promptenv_tui.domain.db import Database

    if args.read_only:
        raise InvalidInput("'db upgrade' changes the schema; it cannot run with --read-only")
    database = Database(args.db)
    try:
        before, after = database.upgrade()
    finally:
        database.close()
    if args.json:
        _print_json({"before": before, "after": after, "changed": before != after})
    else:
        print(f"schema {before or 'none'} -> {after}" if before != after
              else f"schema already at {after}")
    return EXIT_OK


# --- import / export ----------------------------------------------------------------------------


class _ProgressBar:
    """A one-line progress bar on a terminal's stderr."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.drawn = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        text = f"\r{stage:<8} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}"
        self.drawn = max(self.drawn, len(text))
        self.stream.write(text)
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.stream.flush()
            self.drawn = 0


def _cmd_import(args: argparse.Namespace) -> int:
    from promptenv_tui.domain import interchange as ix

    options = ix.CsvOptions(name_column=args.name_column, text_column=args.text_column,
                            commit_column=args.commit_column,
                            created_at_column=args.created_at_column, delimiter=args.delimiter)
    sources = []
    for name in args.files:
        if name == "-":
            sources.append(ix.read_bytes(sys.stdin.buffer.read(), "<stdin>", format=args.format,
                                         csv_options=options))
        else:
            sources.append(ix.read_file(name, format=args.format, csv_options=options))
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() and not args.json else None
    try:
        report = _run_import(args, lambda library: ix.import_sources(
            library, sources, skip_invalid=args.skip_invalid, dry_run=args.dry_run,
            confirm_protected=args.yes, reason=args.reason, progress=bar))
    finally:
        if bar:
            bar.close()
    # A dry run that found invalid records fails as the import itself would (unless invalid
    # records are to be skipped), so a CI step can check a file with --dry-run.
    status = EXIT_USAGE if report.dry_run and report.problems and not args.skip_invalid \
        else EXIT_OK
    if args.json:
        _print_json(report.as_dict())
        return status
    for warning in report.warnings:
        print(f"promptenv: warning: {warning}", file=sys.stderr)
    label = "invalid" if report.dry_run else "skipped"
    for problem in report.problems:
        print(f"{label}: {problem}", file=sys.stderr if status else sys.stdout)
    print(("dry run: " if report.dry_run else "") + report.summary())
    return status


def _run_import(args: argparse.Namespace, run):
    """``run(library)`` on the database, which an import may create; a dry run creates nothing
    (a database or workspace that does not exist yet is checked as the empty one it would be),
    and a failed import into a SQLite file it created leaves no file behind."""
    from promptenv_tui.domain.db import normalise_url

    if args.dry_run:
        with open_library(args) as library:
            try:
                library.open()
            except NotFound:
                pass
            else:
                return run(library)
        import tempfile

        with tempfile.TemporaryDirectory(prefix="promptenv-dry-run-") as scratch, \
                PromptLibrary(f"sqlite:///{scratch}/empty.db", workspace=args.workspace,
                              actor=args.user or default_actor()) as library:
            return run(library)
    url = normalise_url(args.db)
    new_file = None
    if url.get_backend_name() == "sqlite" and not os.path.exists(url.database):
        new_file = url.database
    try:
        with open_library(args, create=True) as library:
            return run(library)
    except BaseException:
        if new_file:
            for suffix in ("", "-wal", "-shm", "-journal"):
                try:
                    os.unlink(new_file + suffix)
                except OSError:
                    pass
        raise


def _print_rejected(args: argparse.Namespace, report) -> None:
    if getattr(args, "json", False):
        _print_json(report.as_dict())
        return
    for problem in report.problems:
        print(f"invalid: {problem}", file=sys.stderr)


def _cmd_export(args: argparse.Namespace) -> int:
    from promptenv_tui.domain import interchange as ix

    with open_library(args) as library:
        doc = ix.export(library, args.prompt)
    if args.output:
        ix.write_document(doc, args.output)
        n_versions = sum(len(p["versions"]) for p in doc["prompts"])
        if args.json:
            _print_json({"path": args.output, "prompts": len(doc["prompts"]),
                         "versions": n_versions, "environments": len(doc["environments"])})
        else:
            print(f"exported {len(doc['prompts']):,} prompts, {n_versions:,} versions and "
                  f"{len(doc['environments'])} environments to {args.output}")
        return EXIT_OK
    _write_stdout(ix.dumps(doc).encode("utf-8"))
    return EXIT_OK


# --- environments -------------------------------------------------------------------------------


def _cmd_env(args: argparse.Namespace) -> int:
    with open_library(args) as library:
        if args.env_command == "list":
            envs = library.list_environments()
            if args.json:
                _print_json(envs)
            else:
                for e in envs:
                    print(_env_line(e))
            return EXIT_OK
        if args.env_command == "create":
            env = library.create_environment(args.name, description=args.description,
                                             color=args.color, position=args.position,
                                             protected=args.protected)
            _print_env(args, env, "created")
            return EXIT_OK
        if args.env_command == "update":
            from promptenv_tui.domain import UNSET

            changes = {k: v for k, v in (
                ("new_name", args.new_name), ("description", args.description),
                ("color", args.color), ("position", args.position), ("protected", args.protected),
            ) if v is not None}
            if not changes:
                raise InvalidInput("nothing to update; give --name, --description, --color, "
                                   "--position, --protected or --unprotected")
            env = library.update_environment(args.name, confirm_protected=args.yes,
                                             **{k: changes.get(k, UNSET) for k in changes})
            _print_env(args, env, "updated")
            return EXIT_OK
        deleted = library.delete_environment(args.name, force=args.force,
                                             confirm_protected=args.yes, reason=args.reason)
        if args.json:
            _print_json(deleted)
        else:
            print(f"deleted environment {deleted.environment.name}")
            for move in deleted.cleared:
                print(_move_line(move))
        return EXIT_OK


def _env_line(e) -> str:
    flag = "protected" if e.protected else ""
    served = f"{e.prompt_count:,} prompt{'s' if e.prompt_count != 1 else ''}"
    return f"{e.name:<16} {e.color or '-':<8} {flag:<9} {served:<12} {e.description or ''}".rstrip()


def _print_env(args, env, verb: str) -> None:
    if args.json:
        _print_json(env)
    else:
        print(f"{verb}: {_env_line(env)}")


# --- moves --------------------------------------------------------------------------------------


def resolve_version(library: PromptLibrary, prompt: str, spec: str):
    """VERSION: ``latest``, ``vN`` (or a bare number shorter than a commit), or a commit."""
    text = spec.strip()
    if text.lower() == "latest":
        return library.retrieve_version(prompt)
    if _NUMBER.match(text):
        return library.retrieve_version(prompt, version=text)
    if _COMMIT.match(text):
        return library.retrieve_version(prompt, commit=text)
    raise InvalidInput(f"version {text!r} is not vN, a commit (8 letters or digits) or 'latest'")


def _print_moves(args, result, version) -> None:
    if args.json:
        _print_json({"version": version, "moves": result})
        return
    if not result:
        envs = ", ".join(version.environments) or "no environment"
        print(f"no change: {version.prompt_name} {version.label} owns {envs}")
        return
    for move in result:
        print(_move_line(move))


def _cmd_set(args: argparse.Namespace) -> int:
    if not args.environments and not args.clear:
        raise InvalidInput("give the environments the version should own, or --clear to take "
                           "them all from it")
    if args.environments and args.clear:
        raise InvalidInput("give environments or --clear, not both")
    with open_library(args) as library:
        version = resolve_version(library, args.prompt, args.version)
        result = library.set_version_environments(version.id, args.environments,
                                                  confirm_protected=args.yes, reason=args.reason)
    _print_moves(args, result.moves, result.version)
    return EXIT_OK


def _cmd_assign(args: argparse.Namespace) -> int:
    with open_library(args) as library:
        version = resolve_version(library, args.prompt, args.version)
        result = library.assign_environment(version.id, args.environment,
                                            confirm_protected=args.yes, reason=args.reason)
    _print_moves(args, result.moves, result.version)
    return EXIT_OK


def _cmd_unassign(args: argparse.Namespace) -> int:
    with open_library(args) as library:
        prompt = library.get_prompt_by_name(args.prompt).prompt
        moves = library.clear_environment(prompt.id, args.environment,
                                          confirm_protected=args.yes, reason=args.reason)
    if args.json:
        _print_json({"moves": moves})
    elif not moves:
        print(f"no change: no version of {prompt.name} is in {args.environment}")
    else:
        for move in moves:
            print(_move_line(move))
    return EXIT_OK


# --- reading ------------------------------------------------------------------------------------


def _cmd_get(args: argparse.Namespace) -> int:
    with open_library(args) as library:
        number = args.version
        if number is not None:
            number = number.strip()
            if number.lower() == "latest":
                number = None
            elif not _NUMBER.match(number):
                raise InvalidInput(f"--version {args.version!r} is not a version number; use v3 "
                                   "or latest")
        version = library.retrieve_version(args.prompt, environment=args.env,
                                           version=number, commit=args.commit)
    if args.json:
        _print_json(version)
    else:
        _write_stdout(version.template.encode("utf-8", "surrogatepass"))
    return EXIT_OK


def _cmd_versions(args: argparse.Namespace) -> int:
    with open_library(args) as library:
        prompt = library.get_prompt_by_name(args.prompt).prompt
        items, page = [], 1
        while True:
            got = library.list_versions(prompt.id, page=page, size=500)
            items.extend(got.items)
            if page >= got.pages:
                break
            page += 1
    if args.json:
        _print_json(items)
        return EXIT_OK
    for v in items:
        envs = ",".join(v.environments) or "-"
        note = (v.change_description or "").splitlines()[0] if v.change_description else ""
        print(f"{v.label:<5} {v.commit}  {_when(v.created_at)}  {v.created_by:<14} {envs:<24} "
              f"{note}".rstrip())
    return EXIT_OK


def _cmd_prompts(args: argparse.Namespace) -> int:
    with open_library(args) as library:
        items, page = [], 1
        while True:
            got = library.list_prompts(page=page, size=1000, search=args.search, tag=args.tag,
                                       environment=args.env)
            items.extend(got.items)
            if page >= got.pages:
                break
            page += 1
    if args.json:
        _print_json(items)
        return EXIT_OK
    if not items and sys.stderr.isatty():
        print("no prompts match", file=sys.stderr)
    for p in items:
        owners = ", ".join(f"{o.environment}=v{o.version_number}" for o in p.owners) or "-"
        latest = p.latest_version.label if p.latest_version else "-"
        print(f"{p.name}\t{latest}\t{owners}")
    return EXIT_OK


def _cmd_history(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise InvalidInput("--limit must be 1 or more")
    with open_library(args) as library:
        items, page = [], 1
        while len(items) < args.limit:
            size = min(1000, args.limit)
            got = library.history(prompt=args.prompt, environment=args.env, actor=args.actor,
                                  page=page, size=size)
            items.extend(got.items)
            if page >= got.pages:
                break
            page += 1
    items = items[: args.limit]
    if args.json:
        _print_json(items)
        return EXIT_OK
    if not items and sys.stderr.isatty():
        print("no moves match (names and users match exactly, ignoring case)", file=sys.stderr)
    for move in items:
        print(_move_line(move, with_time=True))
    return EXIT_OK


# =============================================================================================
# output
# =============================================================================================


def _when(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%MZ")


def _move_line(move, *, with_time: bool = False) -> str:
    head = f"{_when(move.at)}  {move.actor:<14} " if with_time else ""
    why = f"  ({move.reason})" if move.reason else ""
    return f"{head}{move.prompt_name}  {move.describe()}  [{move.cause}]{why}"


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for derived in ("label", "variables"):  # properties worth having in scripts
            if derived not in out and isinstance(getattr(type(value), derived, None), property):
                out[derived] = jsonable(getattr(value, derived))
        return out
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _print_json(value: Any) -> None:
    _write_stdout((json.dumps(jsonable(value), ensure_ascii=False, indent=2) + "\n").encode())


def _write_stdout(data: bytes) -> None:
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(data.decode("utf-8", "surrogatepass"))
    else:
        buffer.write(data)
        buffer.flush()


def _cmd_prompt(args: argparse.Namespace) -> int:
    from promptenv_tui.domain import UNSET

    with open_library(args) as library:
        found = library.get_prompt_by_name(args.name).prompt
        if args.prompt_command == "delete":
            result = library.delete_prompt(found.id, reason=args.reason,
                                           confirm_protected=args.yes)
            if args.json:
                _print_json({"deleted": found, "moves": result.moves})
            else:
                print(f"deleted {found.name} ({found.version_count} versions)")
                for move in result.moves:
                    if move.environment_name:
                        print(_move_line(move))
            return EXIT_OK
        if args.tags and args.no_tags:
            raise InvalidInput("give --tag or --no-tags, not both")
        if args.new_name is None and args.description is None and not args.tags \
                and not args.no_tags:
            raise InvalidInput("nothing to update; give --name, --description, --tag or "
                               "--no-tags")
        tags = [] if args.no_tags else (args.tags if args.tags else UNSET)
        updated = library.update_prompt(
            found.id,
            name=args.new_name if args.new_name is not None else UNSET,
            description=args.description if args.description is not None else UNSET,
            tags=tags,
        )
    if args.json:
        _print_json(updated)
    else:
        print(f"updated {updated.name}: description {updated.description or '-'}; "
              f"tags {', '.join(updated.tags) or '-'}")
    return EXIT_OK


COMMANDS = {
    "tui": _cmd_tui,
    "prompt": _cmd_prompt,
    "demo": _cmd_demo,
    "db": _cmd_db,
    "import": _cmd_import,
    "export": _cmd_export,
    "prompts": _cmd_prompts,
    "env": _cmd_env,
    "set": _cmd_set,
    "assign": _cmd_assign,
    "unassign": _cmd_unassign,
    "get": _cmd_get,
    "versions": _cmd_versions,
    "history": _cmd_history,
}
