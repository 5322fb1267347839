"""Initial schema: workspaces, environments, prompts, versions, ownerships, moves.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from promptenv_tui.domain.schema import ID, KEY, JSONDoc, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("name_key", KEY, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workspaces"),
        sa.UniqueConstraint("name_key", name="uq_workspaces_name_key"),
    )
    op.create_table(
        "environments",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_environments"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_environments_workspace_id_workspaces"
        ),
        sa.UniqueConstraint("workspace_id", "name_key", name="uq_environments_workspace_id_name_key"),
        sa.UniqueConstraint("id", "workspace_id", name="uq_environments_id_workspace_id"),
    )
    op.create_table(
        "prompts",
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_prompts"),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name="fk_prompts_workspace_id_workspaces"
        ),
        sa.UniqueConstraint("workspace_id", "name_key", name="uq_prompts_workspace_id_name_key"),
        sa.UniqueConstraint("id", "workspace_id", name="uq_prompts_id_workspace_id"),
    )
    for column in ("updated_at", "created_at", "version_counter"):
        op.create_index(f"ix_prompts_workspace_id_{column}_id", "prompts", ["workspace_id", column, "id"])
    op.create_table(
        "versions",
        sa.Column("id", ID, nullable=False),
        sa.Column("prompt_id", ID, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("commit", sa.String(8), nullable=False),
        sa.Column("version_number", sa.Integer, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("metadata", JSONDoc, nullable=False),
        sa.Column("change_description", sa.Text),
        sa.Column("tags", JSONDoc, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.ForeignKeyConstraint(
            ["prompt_id", "workspace_id"],
            ["prompts.id", "prompts.workspace_id"],
            name="fk_versions_prompt_id_workspace_id_prompts",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("prompt_id", "version_number", name="uq_versions_prompt_id_version_number"),
        sa.UniqueConstraint("prompt_id", "commit", name="uq_versions_prompt_id_commit"),
        sa.UniqueConstraint("id", "prompt_id", name="uq_versions_id_prompt_id"),
    )
    op.create_index("ix_versions_workspace_id_commit", "versions", ["workspace_id", "commit"])
    op.create_table(
        "ownerships",
        sa.Column("prompt_id", ID, nullable=False),
        sa.Column("environment_id", ID, nullable=False),
        sa.Column("version_id", ID, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("since", UTCDateTime, nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("prompt_id", "environment_id", name="pk_ownerships"),
        sa.ForeignKeyConstraint(
            ["prompt_id", "workspace_id"],
            ["prompts.id", "prompts.workspace_id"],
            name="fk_ownerships_prompt_id_workspace_id_prompts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id", "prompt_id"],
            ["versions.id", "versions.prompt_id"],
            name="fk_ownerships_version_id_prompt_id_versions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["environment_id", "workspace_id"],
            ["environments.id", "environments.workspace_id"],
            name="fk_ownerships_environment_id_workspace_id_environments",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_ownerships_environment_id", "ownerships", ["environment_id"])
    op.create_index("ix_ownerships_version_id", "ownerships", ["version_id"])
    op.create_table(
        "moves",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), autoincrement=True,
                  nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_moves"),
    )
    op.create_index("ix_moves_workspace_id_prompt_id", "moves", ["workspace_id", "prompt_id"])
    op.create_index("ix_moves_workspace_id_environment_id", "moves", ["workspace_id", "environment_id"])

    # The history is append-only, and the database itself says so.
    if op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER moves_no_{event.lower()} BEFORE {event} ON moves "
                "BEGIN SELECT RAISE(ABORT, 'the move history is append-only'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION promptenv_moves_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the move history is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER moves_append_only BEFORE UPDATE OR DELETE ON moves "
            "FOR EACH ROW EXECUTE FUNCTION promptenv_moves_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS moves_append_only ON moves")
        op.execute("DROP FUNCTION IF EXISTS promptenv_moves_append_only()")
    for table in ("moves", "ownerships", "versions", "prompts", "environments", "workspaces"):
        op.drop_table(table)
