"""Tables. The Alembic migrations in ``migrations/`` create exactly this (a test compares them)."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both backends (SQLite stores them naive, in UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


ID = sa.String(36)
# Name keys compare byte-wise on both backends, so ordering and equality agree. Case folding
# can turn one character into three ('ﬃ' -> 'ffi'), so a 255-character name has a key of up to 765.
KEY = sa.String(765).with_variant(postgresql.VARCHAR(765, collation="C"), "postgresql")
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
"""Lists the database searches (tags: PostgreSQL's JSONB containment has an index-friendly form)."""
JSONText = sa.JSON()
"""Documents kept as written (version metadata: PostgreSQL's ``json``, SQLite's text). JSONB would
turn 1e16 into 10000000000000000, -0.0 into 0 and reorder keys, so PostgreSQL and SQLite would give
back different metadata, and neither what was stored."""

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("name_key", KEY, nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

environments = sa.Table(
    "environments",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("name", sa.String(150), nullable=False),
    sa.Column("name_key", KEY, nullable=False),
    sa.Column("description", sa.String(500)),
    sa.Column("color", sa.String(7)),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("protected", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.UniqueConstraint("workspace_id", "name_key"),
    sa.UniqueConstraint("id", "workspace_id"),
)

prompts = sa.Table(
    "prompts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("workspace_id", sa.Integer, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("name_key", KEY, nullable=False),
    sa.Column("description", sa.String(255)),
    sa.Column("tags", JSONDoc, nullable=False),
    sa.Column("template_structure", sa.String(8), nullable=False),
    sa.Column("version_counter", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.UniqueConstraint("workspace_id", "name_key"),
    sa.UniqueConstraint("id", "workspace_id"),
    # Each sort of the prompt list walks an index (the id breaks ties).
    sa.Index("ix_prompts_workspace_id_updated_at_id", "workspace_id", "updated_at", "id"),
    sa.Index("ix_prompts_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    sa.Index("ix_prompts_workspace_id_version_counter_id", "workspace_id", "version_counter", "id"),
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("prompt_id", ID, nullable=False),
    sa.Column("workspace_id", sa.Integer, nullable=False),
    sa.Column("commit", sa.String(8), nullable=False),
    sa.Column("version_number", sa.Integer, nullable=False),
    sa.Column("template", sa.Text, nullable=False),
    sa.Column("type", sa.String(10), nullable=False),
    sa.Column("metadata", JSONText, nullable=False),
    sa.Column("change_description", sa.Text),
    sa.Column("tags", JSONDoc, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.ForeignKeyConstraint(
        ["prompt_id", "workspace_id"], ["prompts.id", "prompts.workspace_id"], ondelete="CASCADE"
    ),
    sa.UniqueConstraint("prompt_id", "version_number"),
    sa.UniqueConstraint("prompt_id", "commit"),
    sa.UniqueConstraint("id", "prompt_id"),
    sa.Index("ix_versions_workspace_id_commit", "workspace_id", "commit"),
)

# Current owners only: one row per (prompt, environment), so two owners cannot exist.
ownerships = sa.Table(
    "ownerships",
    metadata,
    sa.Column("prompt_id", ID, primary_key=True),
    sa.Column("environment_id", ID, primary_key=True),
    sa.Column("version_id", ID, nullable=False),
    sa.Column("workspace_id", sa.Integer, nullable=False),
    sa.Column("since", UTCDateTime, nullable=False),
    sa.Column("by", sa.String(100), nullable=False),
    sa.ForeignKeyConstraint(
        ["prompt_id", "workspace_id"], ["prompts.id", "prompts.workspace_id"], ondelete="CASCADE"
    ),
    sa.ForeignKeyConstraint(
        ["version_id", "prompt_id"], ["versions.id", "versions.prompt_id"], ondelete="CASCADE"
    ),
    sa.ForeignKeyConstraint(
        ["environment_id", "workspace_id"],
        ["environments.id", "environments.workspace_id"],
        ondelete="CASCADE",
    ),
    sa.Index("ix_ownerships_environment_id", "environment_id"),
    sa.Index("ix_ownerships_version_id", "version_id"),
)

# Append-only history. No foreign keys: records outlive the prompts and environments they name.
moves = sa.Table(
    "moves",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
              autoincrement=True),
    sa.Column("workspace_id", sa.Integer, nullable=False),
    sa.Column("batch", sa.String(36), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("cause", sa.String(24), nullable=False),
    sa.Column("prompt_id", ID, nullable=False),
    sa.Column("prompt_name", sa.String(255), nullable=False),
    sa.Column("prompt_key", KEY, nullable=False),
    sa.Column("environment_id", ID),
    sa.Column("environment_name", sa.String(150)),
    sa.Column("from_version_id", ID),
    sa.Column("from_version_number", sa.Integer),
    sa.Column("to_version_id", ID),
    sa.Column("to_version_number", sa.Integer),
    sa.Column("reason", sa.String(1000)),
    sa.Index("ix_moves_workspace_id_id", "workspace_id", "id"),
    sa.Index("ix_moves_workspace_id_prompt_id", "workspace_id", "prompt_id"),
    sa.Index("ix_moves_workspace_id_environment_id", "workspace_id", "environment_id"),
)
