"""Alembic environment: promptenv always hands it an open connection (see ``db.upgrade``)."""

from alembic import context

from promptenv_tui.domain.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - promptenv never runs Alembic without a connection
    raise RuntimeError("run migrations through 'promptenv db upgrade'")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
