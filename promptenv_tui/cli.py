"""The command line: starts the console, and scriptable commands over the same domain API.

Exit codes: 0 ok, 1 error, 2 usage, 3 conflict, 4 not found.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from promptenv_tui.domain import (
    Conflict,
    InvalidInput,
    NotFound,
    PromptEnvError,
    PromptLibrary,
    default_actor,
)

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFLICT, EXIT_NOT_FOUND = 0, 1, 2, 3, 4


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promptenv",
        description="Release LLM prompts: browse versions and decide which one each environment "
        "serves. With no command, opens the console.",
    )
    parser.add_argument("--db", metavar="URL", default=os.environ.get("PROMPTENV_DATABASE_URL"),
                        help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB "
                        "(default: $PROMPTENV_DATABASE_URL, else a SQLite file in your data folder)")
    parser.add_argument("--workspace", default=os.environ.get("PROMPTENV_WORKSPACE", "default"))
    parser.add_argument("--user", default=None, help="who you are in the history (default: login name)")
    parser.add_argument("--read-only", action="store_true", help="change nothing")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("tui", help="open the console (the default)")
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="bring the database schema up to this promptenv's")
    return parser


def open_library(args: argparse.Namespace, url: str | None = None) -> PromptLibrary:
    return PromptLibrary(url or args.db, workspace=args.workspace,
                         actor=args.user or default_actor(), read_only=args.read_only)


def run_tui(library: PromptLibrary) -> int:
    from promptenv_tui.tui.app import PromptEnvApp

    PromptEnvApp(library).run()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command in (None, "tui"):
            return run_tui(open_library(args))
        if args.command == "db" and args.db_command == "upgrade":
            from promptenv_tui.domain.db import Database

            database = Database(args.db)
            try:
                before, after = database.upgrade()
            finally:
                database.close()
            print(f"schema {before or 'none'} -> {after}" if before != after else f"schema already at {after}")
            return EXIT_OK
    except PromptEnvError as exc:
        print(f"promptenv: {exc}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        return 130
    parser.print_usage(sys.stderr)
    return EXIT_USAGE


def exit_code(exc: PromptEnvError) -> int:
    if isinstance(exc, Conflict):
        return EXIT_CONFLICT
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, InvalidInput):
        return EXIT_USAGE
    return EXIT_ERROR
