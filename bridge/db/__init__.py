"""The bridge's own MySQL database: schema (SQLAlchemy Core), engine and Alembic migrations."""
