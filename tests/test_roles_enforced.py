"""The roles are PostgreSQL's: each console role logs in as a login of its group role, and
the server refuses what the role may not do, whatever SQL reaches it.

Each test connects as the embedded server's login for a role (Role.login) on its
own copy of the demo database, whose migrations granted the group roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from console.embedded import EmbeddedServer
from data import browse
from data.browse import BadFilter, View
from data.catalog import RelationRef, describe_table
from data.engine import Database
from data.export import BadQuery, export_query, export_view
from data.grants import grants_script
from data.roles import Role
from tests.conftest import SMALL_POOL, login_settings, run_console, socket_url

OPERATOR = "tester"


@pytest.fixture
def logins(template_database: str) -> None:
    """The template database's migrations and tests/conftest.py made the logins."""


def login(database_url: URL, role: Role) -> Database:
    return Database(login_settings(database_url, role, pool=SMALL_POOL, operator=OPERATOR))


@pytest.fixture
def developer(logins: None, database_url: URL) -> Iterator[Database]:
    with login(database_url, Role.DEVELOPER) as database:
        yield database


@pytest.fixture
def support(logins: None, database_url: URL) -> Iterator[Database]:
    with login(database_url, Role.SUPPORT) as database:
        yield database


@pytest.fixture
def admin(logins: None, database_url: URL) -> Iterator[Database]:
    with login(database_url, Role.ADMIN) as database:
        yield database


def read_write(database: Database, sql: str) -> Any:
    """Run `sql` as the database's login on a plain connection of its own, autocommitted
    and READ WRITE: what stops it is the grants, not the console's READ ONLY."""
    url = database.settings.url
    with psycopg.connect(host=url.query["host"], dbname=url.database, user=url.username, autocommit=True) as raw:
        return raw.execute(sql).fetchall()


def refused(database: Database, sql: str) -> str:
    with pytest.raises(psycopg.Error) as caught:
        read_write(database, sql)
    return str(caught.value)


# ---- what each login may read and write ------------------------------------------------


def test_the_logins_are_plain_members_of_their_group(developer: Database) -> None:
    with developer.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT r.rolname, r.rolsuper, r.rolcreaterole, array(SELECT b.rolname FROM pg_auth_members m"
                " JOIN pg_roles b ON b.oid = m.roleid WHERE m.member = r.oid ORDER BY 1) AS groups"
                " FROM pg_roles r WHERE r.rolname LIKE 'console\\_%\\_login' ORDER BY 1"
            )
        ).all()
    assert [(row.rolname, row.rolsuper, row.rolcreaterole, row.groups) for row in rows] == [
        (role.login, False, False, [role.group]) for role in (Role.ADMIN, Role.DEVELOPER, Role.SUPPORT)
    ]


def test_developer_reads_everything_but_secrets_and_writes_nothing(developer: Database) -> None:
    assert read_write(developer, "SELECT count(*) FROM stories.nodes")[0][0] > 0
    assert read_write(developer, "SELECT count(email) FROM accounts.users")[0][0] > 0
    assert read_write(developer, "SELECT count(*) FROM console.audit_log")
    assert read_write(developer, "SELECT count(*) FROM pg_stat_activity WHERE query <> ''")
    for secret in ("hashed_password FROM accounts.users", "session_token FROM metaserver.sessions"):
        assert "permission denied" in refused(developer, f"SELECT {secret}")
    assert "permission denied" in refused(developer, "SELECT * FROM accounts.users")
    for write in (
        "UPDATE gacha.users SET quartzs = 0",
        "DELETE FROM stories.nodes",
        "INSERT INTO console.audit_log (operator) VALUES ('x')",
        "CREATE TABLE gacha.x (i int)",
    ):
        assert "permission denied" in refused(developer, write)


def test_support_reads_its_systems_and_nothing_else(support: Database) -> None:
    assert read_write(support, "SELECT count(*) FROM gacha.users")[0][0] > 0
    assert read_write(support, "SELECT count(*) FROM metaserver.sessions")
    for forbidden in (
        "SELECT count(*) FROM stories.nodes",
        "SELECT count(*) FROM heroes.powers",
        "SELECT count(*) FROM console.audit_log",
        "SELECT hashed_password FROM accounts.users",
        "SELECT session_token FROM metaserver.sessions",
    ):
        assert "permission denied" in refused(support, forbidden), forbidden
    for write in (
        "UPDATE gacha.users SET academy_name = 'x'",
        "DELETE FROM gacha.gift_codes",
        "UPDATE accounts.users SET email = 'x'",
        "TRUNCATE gacha.currency_ledger",
    ):
        assert "permission denied" in refused(support, write), write


# ---- typed SQL cannot reach past the grants --------------------------------------------

PWNED_FILE = "/tmp/console-roles-pwned"
# Expressions a WHERE clause or a query could carry; {pid} is an admin session's backend.
EXPRESSIONS = [
    "pg_read_file('/etc/hostname')",
    "lo_import('/etc/hostname')",
    "pg_terminate_backend({pid})",
    "pg_cancel_backend({pid})",
    "set_config('role', 'console_admin', false)",
    "nextval('gacha.currency_ledger_id_seq')",
]
# Whole statements: several in one text, a program run by COPY, a write hidden in a CTE.
PWN = "UPDATE gacha.users SET academy_name = 'PWNED'"
WHERE_TEXTS = [
    f"true) LIMIT 0; COMMIT; BEGIN READ WRITE; {PWN}; COMMIT; SELECT 1 FROM gacha.users WHERE (true",
    f"true) LIMIT 0; COPY (SELECT 1) TO PROGRAM 'touch {PWNED_FILE}'; SELECT 1 FROM gacha.users WHERE (true",
]
QUERIES = [
    f"SELECT 1) AS x; COMMIT; BEGIN READ WRITE; {PWN}; COMMIT; SELECT * FROM (SELECT 1",
    f"COPY (SELECT 1) TO PROGRAM 'touch {PWNED_FILE}'",
    "WITH gone AS (DELETE FROM gacha.gift_codes RETURNING code) SELECT count(*) FROM gone",
]
# What support may not read by any path.
SUPPORT_CANNOT_READ = [
    "(SELECT count(*) FROM stories.nodes)",
    "(SELECT max(reason) FROM console.audit_log)",
    "(SELECT max(hashed_password) FROM accounts.users)",
    "(SELECT max(session_token) FROM metaserver.sessions)",
]


def every_typed_path(database: Database, where: str | None, query: str | None, tmp_path: Any) -> list[str]:
    """Try the text on the grid's WHERE, export --where and export --query; the errors."""
    errors = []
    codes = describe_table(database, RelationRef("gacha", "gift_codes"))
    out = tmp_path / "out.csv"
    if where is not None:
        with pytest.raises(BadFilter) as caught:
            with browse.open_pager(database, View(codes, where=where)) as pager:
                pager.first()
        errors.append(str(caught.value))
        with open(out, "w") as handle, pytest.raises(BadFilter) as caught:
            export_view(database, View(codes, where=where), handle, "csv")
        errors.append(str(caught.value))
    if query is not None:
        with open(out, "w") as handle, pytest.raises(BadQuery) as caught:
            export_query(database, query, handle, "csv")
        errors.append(str(caught.value))
    return errors


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.SUPPORT], ids=lambda role: role.value)
def test_every_typed_path_is_refused_by_the_server_and_leaves_nothing(
    logins: None, database_url: URL, admin: Database, role: Role, tmp_path: Any
) -> None:
    Path(PWNED_FILE).unlink(missing_ok=True)
    with admin.engine.connect() as held, login(database_url, role) as database:
        pid = held.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        sequence = read_write(admin, "SELECT last_value, is_called FROM gacha.currency_ledger_id_seq")
        errors = []
        for expression in EXPRESSIONS:
            expression = expression.format(pid=pid)
            errors += every_typed_path(database, f"{expression} IS NOT NULL", f"SELECT {expression}", tmp_path)
        for where in WHERE_TEXTS:
            errors += every_typed_path(database, where, None, tmp_path)
        for query in QUERIES:
            errors += every_typed_path(database, None, query, tmp_path)
        if role is Role.SUPPORT:
            for forbidden in SUPPORT_CANNOT_READ:
                errors += every_typed_path(database, f"{forbidden} IS NOT NULL", f"SELECT {forbidden}", tmp_path)
        assert all("\n" not in error for error in errors)
        refusals = (
            "permission denied",
            "read-only transaction",
            "one statement at a time",
            "syntax error",
            "must be at the top level",
        )
        assert [error for error in errors if not any(refusal in error for refusal in refusals)] == []
        # Nothing was left behind: the admin's session lives, nothing written, no file, no
        # sequence moved, and the console's next connection is the login's own.
        assert held.exec_driver_sql("SELECT 1").scalar_one() == 1
        assert read_write(admin, "SELECT count(*) FROM gacha.users WHERE academy_name = 'PWNED'") == [(0,)]
        assert read_write(admin, "SELECT count(*) FROM gacha.gift_codes")[0][0] > 0
        assert read_write(admin, "SELECT last_value, is_called FROM gacha.currency_ledger_id_seq") == sequence
        assert not Path(PWNED_FILE).exists()
        with database.connect() as connection:
            assert connection.exec_driver_sql("SELECT current_user").scalar_one() == role.login


def test_an_error_never_echoes_a_secret(support: Database, developer: Database) -> None:
    for database in (support, developer):
        view = View(describe_table(database, RelationRef("accounts", "users")), where="hashed_password::int = 1")
        with pytest.raises(BadFilter) as caught:
            browse.open_pager(database, view)
        assert "permission denied" in str(caught.value)
        assert not re.search(r"\$2[aby]\$|pbkdf2|argon", str(caught.value))


def test_the_script_for_a_dba_names_every_group(database: Database) -> None:
    with database.connect() as connection:
        script = grants_script(connection)
    assert script.startswith("BEGIN;\n") and script.endswith("COMMIT;\n")
    for group in (role.group for role in Role):
        assert f"CREATE ROLE {group} NOLOGIN" in script
    assert 'GRANT UPDATE ("is_active") ON "gacha"."gift_codes" TO console_support' in script
    assert "hashed_password" not in script


# ---- the desk still works for support, within its grants ------------------------------


def test_every_desk_action_works_for_the_support_login(support: Database, database: Database) -> None:
    from data.support import accounts, currency, giftcodes, metaserver, players

    with database.connect() as connection:
        player = connection.exec_driver_sql("SELECT id FROM gacha.users ORDER BY id LIMIT 1").scalar_one()
        meta_user = connection.exec_driver_sql(
            "SELECT user_id FROM metaserver.sessions WHERE is_active AND expires_at > now() ORDER BY user_id LIMIT 1"
        ).scalar_one()
        session = connection.exec_driver_sql(
            "SELECT id FROM metaserver.sessions WHERE is_active AND expires_at > now() AND user_id <> %(u)s"
            " ORDER BY id LIMIT 1",
            {"u": meta_user},
        ).scalar_one()
        account = connection.exec_driver_sql(
            "SELECT id FROM accounts.users WHERE NOT is_deleted ORDER BY email LIMIT 1"
        ).scalar_one()

    assert players.find_players(support, str(player))
    assert players.player_profile(support, player)
    currency.grant(support, player, "quartzs", 25, "ticket 1")
    currency.deduct(support, player, "quartzs", 5, "ticket 2")
    giftcodes.create_code(support, "ROLE-GIFT", "daphine", 5, usage_limit=2, reason="ticket 3")
    giftcodes.redeem(support, "ROLE-GIFT", player)
    giftcodes.deactivate_code(support, "ROLE-GIFT", reason="ticket 4")
    giftcodes.activate_code(support, "ROLE-GIFT", reason="ticket 5")
    assert giftcodes.code_info(support, "ROLE-GIFT").redemptions == 1
    assert giftcodes.list_codes(support)
    assert metaserver.find_meta_users(support, "")
    assert metaserver.user_sessions(support, meta_user)
    metaserver.revoke_session(support, session, "ticket 6")
    metaserver.revoke_all_sessions(support, meta_user, "ticket 7")
    metaserver.ban(support, meta_user, "ticket 8")
    metaserver.unban(support, meta_user, "ticket 9")
    metaserver.player_stats(support, meta_user)
    metaserver.leaderboard(support)
    metaserver.rooms(support)
    assert accounts.list_account_users(support)
    accounts.soft_delete_user(support, account, "ticket 10")
    accounts.restore_user(support, account, "ticket 11")
    with database.connect() as connection:
        reasons = (
            connection.exec_driver_sql(
                "SELECT reason FROM console.audit_log WHERE operator = %(o)s ORDER BY id", {"o": OPERATOR}
            )
            .scalars()
            .all()
        )
    tickets = [reason for reason in reasons if (reason or "").startswith("ticket")]
    assert tickets == [f"ticket {n}" for n in range(1, 12)]
    assert "Gift code ROLE-GIFT" in reasons  # the redemption's own audit row


def test_roles_sql_prints_a_script_a_dba_can_run(database_url: URL, embedded_server: EmbeddedServer) -> None:
    result = run_console("--url", socket_url(database_url), "roles", "sql")
    assert result.returncode == 0, result.stderr
    assert "CREATE ROLE console_support NOLOGIN" in result.stdout
    assert "GRANT SELECT (" in result.stdout and "hashed_password" not in result.stdout
    # Run as psql would, twice: it is idempotent.
    with psycopg.connect(
        host=database_url.query["host"], dbname=database_url.database, user=database_url.username, autocommit=True
    ) as raw:
        for _ in range(2):
            raw.execute(result.stdout.encode())


# ---- a login that can do more than its profile's role ----------------------------------


def test_a_profile_on_a_login_above_its_role_is_refused(database_url: URL, tmp_path: Any) -> None:
    config = tmp_path / "config.toml"
    superuser = socket_url(database_url)
    developer_login = socket_url(database_url.set(username=Role.DEVELOPER.login))
    config.write_text(
        f'[profiles.dev]\nurl = "{superuser}"\nrole = "developer"\n'
        f'[profiles.desk]\nurl = "{developer_login}"\nrole = "support"\n'
        f'[profiles.fine]\nurl = "{developer_login}"\nrole = "developer"\n'
    )
    for profile, problem in [("dev", "which is a superuser"), ("desk", "which can act as console_developer")]:
        result = run_console("--config", str(config), "--profile", profile, "migrate", "current")
        assert result.returncode == 2, result.stderr
        assert problem in result.stderr and "console roles sql" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert run_console("--config", str(config), "--profile", "fine", "migrate", "current").returncode == 0
    # Lowering an admin profile at run time is allowed: the login cannot be switched.
    assert run_console("--url", superuser, "--role", "developer", "migrate", "current").returncode == 0


def test_the_home_screen_says_what_the_server_enforces() -> None:
    from data.login import Login

    assert Login("postgres", True, Role.ADMIN).describe(Role.ADMIN) == "admin (superuser)"
    assert Login("postgres", True, Role.ADMIN).describe(Role.SUPPORT) == "support (login postgres is a superuser)"
    assert (
        Login("ops", False, Role.ADMIN).describe(Role.DEVELOPER)
        == "developer (the server enforces only the login's own role: admin)"
    )
    assert Login(Role.SUPPORT.login, False, Role.SUPPORT).describe(Role.SUPPORT) == "support"


@pytest.mark.parametrize("role", [Role.DEVELOPER, Role.SUPPORT], ids=lambda role: role.value)
def test_the_grid_and_export_show_unreadable_columns_masked(
    logins: None, database_url: URL, role: Role, tmp_path: Any
) -> None:
    from data.export import export_view
    from data.sensitive import MASK

    with login(database_url, role) as database:
        table = describe_table(database, RelationRef("accounts", "users"))
        assert [column.name for column in table.columns if not column.readable] == ["hashed_password"]
        with browse.open_pager(database, View(table)) as pager:
            page = pager.first()
        position = table.column_names.index("hashed_password")
        assert page.rows and {row[position] for row in page.rows} == {MASK}
        with open(tmp_path / "users.csv", "w") as out:
            assert export_view(database, View(table), out, "csv") == len(page.rows)
        assert MASK in (tmp_path / "users.csv").read_text()


def test_the_admin_login_migrates_and_imports(admin: Database, developer: Database) -> None:
    from data import migration_plan
    from data.imports import import_i12
    from data.migrate.run import run_migration

    assert read_write(admin, "SELECT rolsuper FROM pg_roles WHERE rolname = session_user") == [(False,)]
    assert read_write(admin, "SELECT current_user") == [(Role.ADMIN.group,)]
    for direction, target in (("downgrade", "stories@base"), ("upgrade", "stories@head")):
        resolved = migration_plan.plan(admin, direction, target).target  # as the CLI and the screen do
        outcomes = run_migration(admin, direction, resolved, log=lambda line: None, reason="test")
        assert all(outcome.ok for outcome in outcomes), outcomes
    # The re-created schema belongs to console_admin and its tables were granted again.
    assert read_write(admin, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'stories'") == [
        (Role.ADMIN.group,)
    ]
    assert read_write(developer, "SELECT count(*) FROM stories.nodes") == [(0,)]
    result = import_i12(admin, Path(__file__).parent / "fixtures" / "imports" / "i12_powers.json")
    assert (result.status, result.written) == ("completed", 12)


def test_support_is_not_offered_the_screens_its_login_cannot_read(support: Database) -> None:
    import asyncio

    from screens.home import HomeScreen
    from tests.app_factory import make_app, settle

    async def scenario() -> None:
        app = make_app(support)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            footer = {
                active.binding.description
                for active in app.screen.active_bindings.values()
                if active.enabled and active.binding.show
            }
            assert "Support desk" in footer
            for name, key in (("Stories", "4"), ("Activity", "6"), ("Build planner", "8")):
                assert name not in footer
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, HomeScreen), name

    asyncio.run(scenario())


def test_the_grants_follow_the_profiles_schema_map(database: Database) -> None:
    with database.connect() as connection:
        connection.exec_driver_sql("ALTER SCHEMA gacha RENAME TO geminya")
        script = grants_script(connection, {"gacha": "geminya"}, extra_sensitive=["geminya.users.discord_id"])
    assert 'GRANT UPDATE ("is_active") ON "geminya"."gift_codes" TO console_support' in script
    assert 'GRANT USAGE ON SCHEMA "geminya" TO console_developer, console_support' in script
    assert '"gacha"' not in script
    users = next(
        line for line in script.splitlines() if line.startswith("GRANT SELECT (") and '"geminya"."users"' in line
    )
    assert '"academy_name"' in users and '"discord_id"' not in users  # the profile's sensitive column
