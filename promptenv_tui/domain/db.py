"""Engines, connection settings, transactions with bounded retry, and the schema version check."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import platformdirs
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from .errors import Conflict, InvalidInput, NotFound, PromptEnvError, SchemaOutdated, StorageError

T = TypeVar("T")

SCHEMA_HEAD = "0003"
"""The Alembic revision this code expects (a test checks it is the migrations' head)."""

SQLITE_BUSY_TIMEOUT_MS = 10_000
WRITE_ATTEMPTS = 8
MIGRATIONS = Path(__file__).with_name("migrations")
_PG_RETRYABLE = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_REPEATABLE_READ = 3  # psycopg.IsolationLevel.REPEATABLE_READ (psycopg is imported only for PostgreSQL)


class RetryTransaction(Exception):
    """Raised inside a write to run it again from the start (for example after losing a race)."""


def default_sqlite_path() -> Path:
    """The database file in the user's data folder (``$XDG_DATA_HOME/promptenv`` on Linux)."""
    return Path(platformdirs.user_data_dir("promptenv", appauthor=False)) / "promptenv.db"


def normalise_url(url: str | URL | None) -> URL:
    """Accept ``sqlite:///path``, ``postgresql://...`` (psycopg 3 is used) or a bare file path."""
    if url is None:
        return make_url(f"sqlite:///{default_sqlite_path()}")
    if isinstance(url, str) and not url.strip():
        # An unset variable in a script (--db "$PROD_URL") must not fall back to another database.
        raise InvalidInput("the database URL is empty; give sqlite:///PATH or "
                           "postgresql://USER@HOST:PORT/DATABASE, or leave --db out for the "
                           "default file")
    if isinstance(url, str) and "://" not in url:
        return make_url(f"sqlite:///{Path(url).expanduser().resolve()}")
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a malformed port only shows when read
    except (ArgumentError, ValueError):
        raise InvalidInput(
            f"database URL {redact(str(url))!r} is not understood; use sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DATABASE"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.host and "@" in parsed.host:
            raise InvalidInput(
                f"database URL {redact(str(url))!r} has an '@' in its user or password; write it "
                "as %40 (for example postgresql://me:p%40ss@host/db)"
            )
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise InvalidInput(
                "an in-memory SQLite database gives every thread its own empty copy; "
                "give a file: sqlite:///PATH"
            )
        return parsed.set(drivername="sqlite")
    raise InvalidInput(f"database {backend!r} is not supported; use SQLite or PostgreSQL")


def redact(url: str | URL) -> str:
    """The URL as it may be shown to a person: never with its password, nor any part of it
    (an unescaped '@' in a password makes a parser take its tail for the host)."""
    if isinstance(url, URL):
        url = url.render_as_string(hide_password=False)
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    if scheme.split("+")[0].lower() == "sqlite":
        return url
    at = rest.rfind("@")
    if at < 0:
        return url
    user, colon, _password = rest[:at].partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}{rest[at:]}"


def make_engine(url: str | URL | None, *, create_folder: bool = True) -> Engine:
    url = normalise_url(url)
    if url.get_backend_name() == "sqlite":
        path = Path(url.database).expanduser()
        try:
            if create_folder:
                path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the folder for {path}: {exc.strerror}") from None
        if not path.parent.is_dir():
            raise NotFound(f"the folder {path.parent} does not exist; check the path (--db) or "
                           "create the folder first")
        engine = sa.create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            pool_size=8,
            max_overflow=8,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    engine = sa.create_engine(
        url,
        pool_size=8,
        max_overflow=8,
        connect_args={"connect_timeout": 5, "application_name": "promptenv"},
    )
    event.listen(engine, "begin", _postgresql_on_begin)
    return engine


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
    # The driver must not open transactions on its own: we say BEGIN (IMMEDIATE) ourselves.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    _sqlite_wal(cur)
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.close()


def _sqlite_wal(cur: sqlite3.Cursor) -> None:
    """Switch the file to WAL (it stays so). SQLite answers 'database is locked' at once, without
    waiting, when connections race to switch a new file: try again until the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005 + random.random() * 0.01)


def _sqlite_on_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get("promptenv_write", False)
    # Straight to the driver: this runs before every transaction, so it is kept lean.
    conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")


def _postgresql_on_begin(conn: Connection) -> None:
    """Reads see one snapshot (REPEATABLE READ, READ ONLY: a page and its count agree, a prompt
    and its versions agree); writes stay READ COMMITTED and lock what they rely on. psycopg puts
    both into the BEGIN it sends with the first statement: no extra round trip."""
    raw = conn.connection.dbapi_connection
    if conn.get_execution_options().get("promptenv_read", False):
        raw.isolation_level, raw.read_only = _REPEATABLE_READ, True
    else:
        raw.isolation_level, raw.read_only = None, None


class Database:
    """One engine, and the only ways the domain talks to it: ``read`` and ``write``."""

    def __init__(self, url: str | URL | None, *, create: bool = True) -> None:
        self.url = normalise_url(url)
        # Only promptenv's own data folder is made on the way; a folder named in a URL that is
        # not there is more likely a typo than a wish.
        self.engine = make_engine(self.url, create_folder=create and url is None)
        self.dialect = self.engine.dialect.name
        self.display_url = redact(self.url)
        self._checked = False
        self._lock = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    # --- transactions -----------------------------------------------------------------------

    def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in one read transaction (a consistent snapshot)."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(promptenv_read=True)
                with conn.begin():
                    return fn(conn)
        except PromptEnvError:
            raise
        except (DBAPIError, sqlite3.Error) as exc:
            raise self._storage_error(exc) from None

    def write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in one write transaction, retried a bounded number of times on
        serialization failures, deadlocks and lost races. All of it commits, or none of it."""
        delay = 0.005
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            last = attempt == WRITE_ATTEMPTS
            try:
                with self.engine.connect() as conn:
                    conn.execution_options(promptenv_write=True)
                    with conn.begin():
                        return fn(conn)
            except RetryTransaction:
                if last:
                    raise Conflict(
                        "the change kept clashing with concurrent changes; try again",
                        reason="busy",
                    ) from None
            except PromptEnvError:
                raise
            except IntegrityError as exc:
                # PostgreSQL writes run READ COMMITTED: a row this one relied on (an environment,
                # a name still free) can go between its read and its write. Run it again: it then
                # sees that change and gives the answer it calls for (not found, name taken, ...).
                # SQLite's writes are serialised, so there such an error cannot be a race.
                if self.is_sqlite or last:
                    raise Conflict(
                        "the change clashes with another change made at the same time; refresh "
                        f"and try again ({_first_line(exc.orig)})",
                        reason="busy",
                    ) from None
            except (DBAPIError, sqlite3.Error) as exc:
                # (sqlite3's own errors come straight from BEGIN IMMEDIATE, which is issued on
                # the driver connection: a lock held past the busy timeout, say.)
                if not self._retryable(exc) or last:
                    raise self._storage_error(exc) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.2)
        raise AssertionError("unreachable")  # pragma: no cover

    def _retryable(self, exc: DBAPIError | sqlite3.Error) -> bool:
        if self.is_sqlite or not isinstance(exc, DBAPIError):
            return False  # BEGIN IMMEDIATE and the busy timeout already waited
        # A lost connection is not retried: the commit may have reached the server, and running
        # the change again could apply it twice. The pool drops the connection; the caller's next
        # call gets a fresh one.
        return getattr(exc.orig, "sqlstate", None) in _PG_RETRYABLE

    def _storage_error(self, exc: DBAPIError | sqlite3.Error) -> PromptEnvError:
        text = _first_line(exc.orig if isinstance(exc, DBAPIError) else exc)
        if self.is_sqlite:
            if "locked" in text or "busy" in text:
                return StorageError(
                    f"the database file {self.url.database} stayed locked by another program for "
                    f"{SQLITE_BUSY_TIMEOUT_MS / 1000:g} s; nothing was changed — try again when "
                    "it is done"
                )
            if "unable to open" in text or "readonly" in text or "disk" in text:
                return StorageError(f"cannot use the database file {self.url.database}: {text}")
        elif isinstance(exc, OperationalError):
            if getattr(exc.orig, "sqlstate", None) in _PG_RETRYABLE:
                return Conflict(
                    "the change kept clashing with concurrent changes; try again", reason="busy"
                )
            return StorageError(f"cannot reach the database {self.display_url}: {text}")
        return StorageError(f"the database {self.display_url} failed: {text}")

    # --- schema -----------------------------------------------------------------------------

    def current_revision(self, conn: Connection) -> str | None:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()

    def ensure_schema(self, *, create: bool = True) -> None:
        """A new database gets the schema; an older one is refused with what to run."""
        if self._checked:
            return
        with self._lock:
            if self._checked:
                return
            if not create and self.is_sqlite and not Path(self.url.database).expanduser().exists():
                # Connecting would create the file: say it is missing instead.
                raise NotFound(f"there is no promptenv database at {self.url.database}; check the "
                               "path (--db), or create one by importing or opening the console")
            revision = self.read(self.current_revision)
            if revision is None:
                if not create:
                    raise NotFound(
                        f"{self.display_url} holds no promptenv data yet; import into it or open "
                        "the console on it (without --read-only) to create it"
                    )
                self.upgrade()
            elif revision != SCHEMA_HEAD:
                self._refuse_unknown(revision)
                raise SchemaOutdated(
                    f"the database {self.display_url} has schema {revision}, older than this "
                    f"promptenv's {SCHEMA_HEAD}; run 'promptenv db upgrade' (back it up first)"
                )
            self._checked = True

    def _refuse_unknown(self, revision: str) -> None:
        """A schema none of our migrations knows was written by a newer promptenv."""
        known = {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("*.py")}
        if revision not in known:
            raise SchemaOutdated(
                f"the database {self.display_url} has schema {revision}, written by a newer "
                "promptenv; upgrade promptenv to use it"
            )

    def upgrade(self) -> tuple[str | None, str]:
        """Bring the schema to the head revision; returns (before, after). Safe to run twice,
        and safe when several processes run it at once (they wait for each other)."""
        from alembic import command
        from alembic.config import Config

        def run(conn: Connection) -> str | None:
            if not self.is_sqlite:
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(738201594)"))
            before = self.current_revision(conn)
            if before is not None:
                self._refuse_unknown(before)
            if before != SCHEMA_HEAD:
                config = Config()
                config.set_main_option("script_location", str(MIGRATIONS))
                config.attributes["connection"] = conn
                command.upgrade(config, "head")
            return before

        before = self.write(run)
        self._checked = True
        return before, SCHEMA_HEAD


def _first_line(exc: BaseException | None) -> str:
    text = str(exc or "").strip()
    return text.splitlines()[0] if text else type(exc).__name__
