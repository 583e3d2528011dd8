"""Creating and dropping whole MySQL databases for test sessions and ``bridge dev``.

Why not only :func:`bridge.db.engine.ensure_database_exists`: with SQLAlchemy 2.1, ``URL.set(database=None)``
means "leave the database unchanged", so stripping the database needs ``set(database="")``; these helpers do
that and also drop databases, which production code must never do.
"""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url


def server_url(mysql_url: str) -> str:
    """The same server and credentials, without a database."""
    return make_url(mysql_url).set(database="").render_as_string(hide_password=False)


def with_database(mysql_url: str, database: str) -> str:
    return make_url(mysql_url).set(database=database).render_as_string(hide_password=False)


def _execute_on_server(mysql_url: str, statement: str) -> None:
    engine = create_engine(server_url(mysql_url))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def create_database(mysql_url: str) -> None:
    """Create the database named in ``mysql_url`` (utf8mb4) if the server lacks it."""
    name = make_url(mysql_url).database
    if not name:
        raise ValueError("the MySQL URL must name a database")
    _execute_on_server(mysql_url, f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")


def drop_database(mysql_url: str) -> None:
    name = make_url(mysql_url).database
    if not name:
        raise ValueError("the MySQL URL must name a database")
    _execute_on_server(mysql_url, f"DROP DATABASE IF EXISTS `{name}`")
