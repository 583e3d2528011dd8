"""Alembic environment: migrations run online against the URL given by :func:`bridge.db.engine.alembic_config`."""

from alembic import context
from sqlalchemy import create_engine, pool

from bridge.db.schema import metadata

config = context.config


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `bridge migrate` against a database")
run_migrations_online()
