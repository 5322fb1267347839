"""Version metadata is kept as written: PostgreSQL ``json`` instead of ``jsonb``.

JSONB normalises numbers and key order, so metadata came back different from what was stored (and
from what SQLite gives back). SQLite already keeps the text: nothing to do there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("versions", "metadata", type_=sa.JSON(),
                        existing_type=postgresql.JSONB(), existing_nullable=False,
                        postgresql_using="metadata::text::json")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("versions", "metadata", type_=postgresql.JSONB(),
                        existing_type=sa.JSON(), existing_nullable=False,
                        postgresql_using="metadata::jsonb")
