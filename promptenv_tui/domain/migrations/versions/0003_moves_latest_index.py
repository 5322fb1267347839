"""An index on moves (workspace_id, id): the newest move of a workspace is found at once.

Consoles poll the workspace's last move id every few seconds (``change_marker``) and the
history lists moves newest first; without this index both read every move of the workspace.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_moves_workspace_id_id", "moves", ["workspace_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_moves_workspace_id_id", table_name="moves")
