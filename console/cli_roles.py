"""`console roles sql`: the SQL that creates the console's group roles and grants each one
exactly its privileges (data/grants.py), for a DBA to run on a server the console does not
own. It reads the connected database's catalog, under the profile's schema map, and runs
nothing."""

from __future__ import annotations

import argparse

from console.cli_common import EXIT_OK
from data.engine import Database
from data.roles import Role


def add_commands(commands: argparse._SubParsersAction) -> None:
    roles = commands.add_parser("roles", help="the console's PostgreSQL roles and their grants")
    actions = roles.add_subparsers(dest="action", required=True, metavar="ACTION")
    sql = actions.add_parser(
        "sql",
        help="print the SQL that creates the group roles and grants their privileges (runs nothing)",
        description="Print, for a DBA, the SQL that creates console_admin, console_developer and console_support "
        "and grants each exactly its privileges on this database (sensitive columns left out). "
        "Then create one login per role, e.g. CREATE ROLE alice LOGIN IN ROLE console_support, "
        "and name it in the profile's URL.",
    )
    sql.set_defaults(run=run)


def run(args: argparse.Namespace, database: Database) -> int:
    from data.grants import grants_script  # the catalog and the models: paid for when used

    settings = database.settings
    with database.connect() as connection:
        script = grants_script(connection, settings.schema_map, settings.sensitive_columns)
    example = ", ".join(role.login for role in Role)
    print(
        f"-- console roles for database {settings.url.database}; then one login per person, for example\n"
        f"-- CREATE ROLE support_alice LOGIN PASSWORD '...' IN ROLE console_support;\n"
        f"-- (the embedded server's own logins are {example})\n{script}",
        end="",
    )
    return EXIT_OK
