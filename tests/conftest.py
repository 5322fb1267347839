"""Fixtures shared by every test: real databases on both backends, never mocks.

Every domain test takes the ``url`` (or ``library``) fixture, which is parametrised over a SQLite
file and a throw-away PostgreSQL database. The PostgreSQL server is the one at 127.0.0.1:5432
(user root, trust authentication, database ``test``) unless ``PROMPTENV_TEST_POSTGRES_URL`` names
another. Where no server answers, PostgreSQL tests skip with a reason; with ``CI=true`` they fail.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from promptenv_tui.domain import PromptLibrary

ADMIN_URL = os.environ.get("PROMPTENV_TEST_POSTGRES_URL", "postgresql://root@127.0.0.1:5432/test")
ON_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_counter = itertools.count()


def _plain(url: str) -> str:
    """A libpq URL (psycopg wants no '+psycopg' driver suffix)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    base, _, _ = _plain(url).rpartition("/")
    return f"{base}/{name}"


class PostgresServer:
    """Creates and drops throw-away databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = _plain(admin_url)
        self.created: list[str] = []

    def create_database(self) -> str:
        name = f"promptenv_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return _with_database(self.admin_url, name)

    def drop_all(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in self.created:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self.created.clear()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    try:
        with psycopg.connect(_plain(ADMIN_URL), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = f"no PostgreSQL server at {ADMIN_URL.split('@')[-1]}: {str(exc).strip().splitlines()[0]}"
        if ON_CI:
            pytest.fail(f"CI=true and PostgreSQL tests must run, but {reason}")
        pytest.skip(reason)
    server = PostgresServer(ADMIN_URL)
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def pg_session_url(pg_server: PostgresServer) -> str:
    """One PostgreSQL database for the whole test session; tests isolate by workspace."""
    return pg_server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        request.applymarker(pytest.mark.postgres)
    return request.param


@pytest.fixture
def url(backend: str, tmp_path, request: pytest.FixtureRequest) -> str:
    """A database URL on the test's backend: a fresh SQLite file, or the session's PostgreSQL
    database (isolated by a fresh workspace: see ``workspace``)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'promptenv.db'}"
    return request.getfixturevalue("pg_session_url")


@pytest.fixture
def fresh_url(backend: str, tmp_path, request: pytest.FixtureRequest) -> str:
    """A database URL with nothing in it, on the test's backend (for schema and import tests)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    return request.getfixturevalue("pg_server").create_database()


@pytest.fixture
def workspace() -> str:
    return f"ws-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def make_library(url: str, workspace: str) -> Iterator[Callable[..., PromptLibrary]]:
    """Opens more libraries on the same database and workspace (as other users, say)."""
    opened: list[PromptLibrary] = []

    def make(actor: str = "tester", **kwargs) -> PromptLibrary:
        kwargs.setdefault("workspace", workspace)
        lib = PromptLibrary(url, actor=actor, **kwargs)
        opened.append(lib)
        return lib

    yield make
    for lib in opened:
        lib.close()


@pytest.fixture
def library(make_library) -> PromptLibrary:
    return make_library()
