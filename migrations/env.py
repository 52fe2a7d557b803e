"""Alembic environment: our models, our schemas only, the version table in `console`.

Run in-process by data/migrate/ (which hands over a connection in
`config.attributes["connection"]`), or from a shell with `alembic -x url=... upgrade heads`
or DATABASE_URL set.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, text

from data.base import ALL_SCHEMAS, CONSOLE_SCHEMA
from data.models import registered_metadata
from data.url import DatabaseURL

config = context.config
VERSION_TABLE_SCHEMA = CONSOLE_SCHEMA
# Autogenerate and drift checks look at these schemas alone (data/migrate/drift.py narrows it to
# one system); anything else in the database (public, an application's own tables) is
# none of our business.
schemas: tuple[str, ...] = tuple(config.attributes.get("schemas", ALL_SCHEMAS))


def include_name(name: str | None, type_: str, parent_names: dict[str, str | None]) -> bool:
    if type_ == "schema":
        return name in schemas
    return True


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    if type_ == "table":
        schema = getattr(obj, "schema", None)
        if schema == VERSION_TABLE_SCHEMA and name == "alembic_version":
            return False
        return schema in schemas
    return True


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=registered_metadata(),
        include_schemas=True,
        include_name=include_name,
        include_object=include_object,
        version_table_schema=VERSION_TABLE_SCHEMA,
        compare_type=True,
        compare_server_default=True,
        **kwargs,
    )


def run_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.execute(f"CREATE SCHEMA IF NOT EXISTS {VERSION_TABLE_SCHEMA}")
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        with create_engine(_url()).connect() as owned:
            _run_online(owned)
            owned.commit()
    else:
        _run_online(connection)


def _run_online(connection) -> None:  # type: ignore[no-untyped-def]
    # The version table lives in our own schema, so it must exist before Alembic looks.
    connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {VERSION_TABLE_SCHEMA}"))
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("DATABASE_URL")
    if not url:
        url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database: pass -x url=postgresql://... or set DATABASE_URL")
    return DatabaseURL.parse(url).render_as_string(hide_password=False)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
