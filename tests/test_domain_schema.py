"""The database layer: schema creation and versioning with Alembic, constraints the database itself
enforces (one owner per prompt and environment, append-only history), SQLite connection settings
and transactions, URLs."""

from __future__ import annotations

import shutil
import sqlite3
import textwrap
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError, IntegrityError

from domain_support import assert_invariants
from promptenv_tui.domain import (
    SCHEMA_HEAD, InvalidInput, NotFound, PromptLibrary, ReadOnly, SchemaOutdated, StorageError, db,
    redact,
)
from promptenv_tui.domain.schema import metadata

TABLES = {"workspaces", "environments", "prompts", "versions", "ownerships", "moves", "alembic_version"}


def script_directory(path: Path = db.MIGRATIONS) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(path))
    return ScriptDirectory.from_config(config)


# --- creation and versioning ---------------------------------------------------------------------


def test_schema_head_is_the_migrations_head():
    heads = script_directory().get_heads()
    assert heads == [SCHEMA_HEAD], "db.SCHEMA_HEAD must name the one head of the migrations"


def test_a_new_database_is_created_on_first_use(fresh_url, backend, tmp_path, monkeypatch):
    if backend == "sqlite":
        # The default file's folder is made when missing (promptenv's own data folder)...
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        with PromptLibrary(actor="first") as default:
            assert default.list_prompts().total == 0
        assert (tmp_path / "data" / "promptenv" / "promptenv.db").is_file()
        # ...a missing folder named in a URL is taken for a typo, and nothing is made.
        typo = tmp_path / "new" / "deeper"
        with pytest.raises(NotFound, match="does not exist"):
            PromptLibrary(f"sqlite:///{typo / 'promptenv.db'}")
        assert not typo.parent.exists()
        fresh_url = f"sqlite:///{tmp_path / 'promptenv.db'}"
    lib = PromptLibrary(fresh_url, workspace="default", actor="first")
    try:
        engine = lib.db.engine
        assert not (set(sa.inspect(engine).get_table_names()) & TABLES)
        assert lib.list_prompts().total == 0  # the first operation creates everything
        assert TABLES <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD
        assert [e.name for e in lib.list_environments()] == ["development", "staging", "production"]
    finally:
        lib.close()
    # a second library, or a second open, finds it and creates nothing more
    with PromptLibrary(fresh_url, workspace="DEFAULT") as again:
        assert len(again.list_environments()) == 3
        assert again.upgrade_schema() == (SCHEMA_HEAD, SCHEMA_HEAD)


def test_the_migrated_schema_equals_the_metadata(fresh_url):
    with PromptLibrary(fresh_url) as lib:
        lib.open()
        with lib.db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": True})
            diff = compare_metadata(context, metadata)
    assert diff == []


def fake_newer_migrations(tmp_path: Path) -> Path:
    """The shipped migrations plus one more, as a newer promptenv would ship them."""
    target = tmp_path / "migrations"
    shutil.copytree(db.MIGRATIONS, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "versions" / "9990_test_newer.py").write_text(textwrap.dedent(f'''
        """A later migration (test only)."""
        import sqlalchemy as sa
        from alembic import op

        revision = "9990"
        down_revision = "{SCHEMA_HEAD}"
        branch_labels = None
        depends_on = None

        def upgrade():
            op.create_index("ix_test_moves_actor", "moves", ["actor"])

        def downgrade():
            op.drop_index("ix_test_moves_actor", "moves")
    '''))
    return target


def test_an_older_schema_names_promptenv_db_upgrade_which_upgrades_it(fresh_url, tmp_path, monkeypatch):
    with PromptLibrary(fresh_url, actor="old") as old:  # a database written at today's head
        old.create_version("Kept", "x", environments=["staging"])
    # ... opened by a promptenv one migration ahead
    monkeypatch.setattr(db, "MIGRATIONS", fake_newer_migrations(tmp_path))
    monkeypatch.setattr(db, "SCHEMA_HEAD", "9990")
    lib = PromptLibrary(fresh_url)
    try:
        with pytest.raises(SchemaOutdated) as info:
            lib.list_prompts()
        message = str(info.value)
        assert "promptenv db upgrade" in message and SCHEMA_HEAD in message and "9990" in message
        with pytest.raises(SchemaOutdated):
            lib.create_prompt("Not written")
        with lib.db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD
            assert conn.execute(sa.text("SELECT count(*) FROM prompts WHERE name = 'Not written'")).scalar() == 0
        assert lib.upgrade_schema() == (SCHEMA_HEAD, "9990")  # what 'promptenv db upgrade' runs
        assert lib.get_prompt_by_name("Kept").prompt.owners[0].environment == "staging"
        assert "ix_test_moves_actor" in {i["name"] for i in sa.inspect(lib.db.engine).get_indexes("moves")}
        assert lib.upgrade_schema() == ("9990", "9990")  # twice is harmless
    finally:
        lib.close()


def test_a_database_at_0001_upgrades_to_metadata_kept_as_written(fresh_url):
    """0002 turns PostgreSQL's jsonb metadata into json (SQLite: nothing to change); the data
    stays, and from then on metadata comes back as written."""
    from alembic import command

    with PromptLibrary(fresh_url, actor="old") as old:
        kept = old.create_version("Kept", "x", metadata={"b": 1, "a": [1, 2]},
                                  environments=["staging"]).version
        config = Config()
        config.set_main_option("script_location", str(db.MIGRATIONS))
        with old.db.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
    with PromptLibrary(fresh_url) as lib:
        with pytest.raises(SchemaOutdated, match="promptenv db upgrade"):
            lib.get_version(kept.id)
        assert lib.upgrade_schema() == ("0001", SCHEMA_HEAD)
        assert lib.get_version(kept.id).metadata == {"b": 1, "a": [1, 2]}
        assert lib.owners(kept.prompt_id)[0].version_id == kept.id
        column = next(c for c in sa.inspect(lib.db.engine).get_columns("versions")
                      if c["name"] == "metadata")
        if lib.backend == "postgresql":
            assert type(column["type"]).__name__ == "JSON"
        later = lib.create_version("Kept", "y", metadata={"z": 1e16, "a": -0.0}).version
        assert list(lib.get_version(later.id).metadata.items()) == [("z", 1e16), ("a", -0.0)]


def test_a_schema_from_a_newer_promptenv_is_refused(fresh_url):
    with PromptLibrary(fresh_url) as lib:
        lib.open()
        with lib.db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff'"))
    with PromptLibrary(fresh_url) as lib:
        with pytest.raises(SchemaOutdated, match="newer promptenv"):
            lib.list_prompts()


def test_read_only_library(fresh_url, workspace):
    with PromptLibrary(fresh_url, read_only=True) as lib:
        with pytest.raises(NotFound, match="no promptenv"):
            lib.list_prompts()
        assert not (set(sa.inspect(lib.db.engine).get_table_names()) & TABLES)
    with PromptLibrary(fresh_url, workspace=workspace) as writer:
        v = writer.create_version("P", "x").version
    with PromptLibrary(fresh_url, workspace=workspace, read_only=True) as reader:
        assert reader.get_version(v.id).template == "x"
        for call in (lambda: reader.create_prompt("Q"), lambda: reader.set_version_environments(v.id, []),
                     lambda: reader.create_environment("qa"), lambda: reader.delete_prompt(v.prompt_id)):
            with pytest.raises(ReadOnly, match="read-only"):
                call()
    with PromptLibrary(fresh_url, workspace="nobody-here", read_only=True) as reader:
        with pytest.raises(NotFound):
            reader.list_prompts()


# --- what the database itself enforces -------------------------------------------------------------


def test_the_move_history_is_append_only_in_the_database(library):
    v = library.create_version("P", "x", environments=["staging"]).version
    ws = library._ws()
    for statement in ("UPDATE moves SET actor = 'forger' WHERE workspace_id = :ws",
                      "UPDATE moves SET to_version_id = NULL WHERE workspace_id = :ws",
                      "DELETE FROM moves WHERE workspace_id = :ws"):
        with pytest.raises(DBAPIError, match="append-only"):
            with library.db.engine.begin() as conn:
                conn.execute(sa.text(statement), {"ws": ws})
    records = library.history().items
    assert len(records) == 1 and records[0].actor == "tester" and records[0].to_version_id == v.id


def test_two_owners_are_impossible_in_the_database_itself(library, url):
    v1 = library.create_version("P", "x", environments=["staging"]).version
    v2 = library.create_version("P", "y").version
    other = library.create_version("Q", "z").version
    env = library.get_environment("staging")
    ws = library._ws()
    row = dict(p=v1.prompt_id, e=env.id, ws=ws, t=v1.created_at.replace(tzinfo=None)
               if library.backend == "sqlite" else v1.created_at)
    insert = sa.text("INSERT INTO ownerships (prompt_id, environment_id, version_id, workspace_id, since, by) "
                     "VALUES (:p, :e, :v, :ws, :t, 'forger')")
    with pytest.raises(IntegrityError):  # a second owner of (P, staging)
        with library.db.engine.begin() as conn:
            conn.execute(insert, dict(row, v=v2.id))
    with pytest.raises(IntegrityError):  # an owner that is a version of another prompt
        with library.db.engine.begin() as conn:
            conn.execute(insert, dict(row, e=library.get_environment("development").id, v=other.id))
    with pytest.raises(IntegrityError):  # an environment of another workspace
        foreign = PromptLibrary(url, workspace=f"other-{uuid.uuid4().hex[:6]}")
        try:
            foreign_env = foreign.get_environment("development").id
        finally:
            foreign.close()
        with library.db.engine.begin() as conn:
            conn.execute(insert, dict(row, e=foreign_env, v=v1.id))
    with pytest.raises(IntegrityError):  # two versions with one number
        with library.db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE versions SET version_number = 1 WHERE id = :v"), {"v": v2.id})
    assert [(o.environment, o.version_id) for o in library.owners(v1.prompt_id)] == [("staging", v1.id)]
    assert_invariants(url)


def test_the_invariant_checker_can_fail(fresh_url):
    """The checker is only worth running if it notices a broken database."""
    with PromptLibrary(fresh_url) as lib:
        v1 = lib.create_version("P", "x", environments=["staging"]).version
        v2 = lib.create_version("P", "y").version
        assert_invariants(lib.db)
        with lib.db.engine.begin() as conn:  # an owner change that bypasses the move records
            conn.execute(sa.text("UPDATE ownerships SET version_id = :v"), {"v": v2.id})
        from promptenv_tui.domain.invariants import check_invariants
        problems = check_invariants(fresh_url)
        assert any("replay" in p for p in problems), problems
        with lib.db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE ownerships SET version_id = :v"), {"v": v1.id})
            conn.execute(sa.text("UPDATE prompts SET version_counter = 1"))
        assert any("counter" in p for p in check_invariants(fresh_url))


# --- SQLite settings and transactions -------------------------------------------------------------


@pytest.fixture
def sqlite_library(tmp_path):
    lib = PromptLibrary(f"sqlite:///{tmp_path / 'settings.db'}", actor="tester")
    lib.open()
    yield lib
    lib.close()


def test_sqlite_connection_settings(sqlite_library):
    with sqlite_library.db.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL: a move that returned survives a power cut
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 5000


def test_sqlite_settings_hold_on_every_pooled_connection(sqlite_library):
    engine = sqlite_library.db.engine
    connections = [engine.connect() for _ in range(4)]
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
    finally:
        for conn in connections:
            conn.close()


def test_sqlite_write_transactions_begin_immediate(sqlite_library, tmp_path):
    """A write takes the file's write lock at BEGIN, before it reads anything; a read does not."""
    path = tmp_path / "settings.db"

    def try_to_write_elsewhere() -> str:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return "free"
        except sqlite3.OperationalError as exc:
            return str(exc)
        finally:
            other.close()

    assert sqlite_library.db.write(lambda conn: try_to_write_elsewhere()) == "database is locked"
    assert sqlite_library.db.read(lambda conn: try_to_write_elsewhere()) == "free"


def test_a_failed_write_rolls_back_everything(library):
    v = library.create_version("P", "x").version

    def half_done(conn):
        conn.execute(sa.text("UPDATE prompts SET description = 'half' WHERE id = :p"), {"p": v.prompt_id})
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        library.db.write(half_done)
    assert library.get_prompt(v.prompt_id).prompt.description is None


# --- URLs ---------------------------------------------------------------------------------------


def test_urls(tmp_path):
    for bad in ("sqlite://", "sqlite:///:memory:", "mysql://u@h/db", "oracle://u@h/db"):
        with pytest.raises(InvalidInput):
            PromptLibrary(bad)
    with PromptLibrary(str(tmp_path / "bare.db")) as lib:  # a bare path is a SQLite file
        lib.open()
        assert lib.backend == "sqlite" and (tmp_path / "bare.db").exists()
    assert redact("postgresql://me:secret@host/db") == "postgresql://me:***@host/db"
    with PromptLibrary("postgresql://me:secret@127.0.0.1:1/db") as lib:
        assert "secret" not in lib.display_url
        with pytest.raises(StorageError) as info:
            lib.list_prompts()
        assert "secret" not in str(info.value) and "cannot reach" in str(info.value)
