"""The `console` command: profiles, connection errors as one line, db and migrate subcommands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from console.cli import parse_command_line
from console.config import ConfigError, load_config, parse_duration_ms, settings_for_url
from console.embedded import EmbeddedServer
from data.engine import ConnectionSettings, Database
from data.roles import Role
from tests.conftest import assert_one_line_error, run_console, socket_url


def test_a_wrong_url_is_one_line() -> None:
    assert_one_line_error(run_console("--url", "mysql://x/y", "migrate", "current"), "not a PostgreSQL URL")
    assert_one_line_error(run_console("--url", "::not a url::", "migrate", "current"), "bad database URL")


def test_an_unreachable_host_is_one_line() -> None:
    result = run_console("--url", "postgresql://nobody@127.0.0.1:9/x?connect_timeout=3", "migrate", "current")
    assert_one_line_error(result, "127.0.0.1", "port 9", "refused")


def test_a_missing_database_is_one_line(embedded_server: EmbeddedServer) -> None:
    url = embedded_server.url("no_such_database")
    assert_one_line_error(
        run_console("--url", socket_url(url), "migrate", "current"), 'database "no_such_database" does not exist'
    )


def test_a_refused_password_is_one_line(embedded_server: EmbeddedServer) -> None:
    hba = embedded_server.cluster / "pg_hba.conf"
    original = hba.read_text()
    # Ask this one role for a password over the socket (the rest stays trust).
    hba.write_text("local all pw_probe scram-sha-256\n" + original)
    with Database(ConnectionSettings(url=embedded_server.url("postgres"))) as admin, admin.connect() as connection:
        connection.execute(text("DROP ROLE IF EXISTS pw_probe"))
        connection.execute(text("CREATE ROLE pw_probe LOGIN PASSWORD 'right'"))
        connection.execute(text("SELECT pg_reload_conf()"))
    try:
        url = f"postgresql://pw_probe:wrong@/postgres?host={embedded_server.cluster}"
        assert_one_line_error(
            run_console("--url", url, "migrate", "current"), 'password authentication failed for user "pw_probe"'
        )
        # No password at all, and no terminal to ask on: the server's refusal, one line.
        url = f"postgresql://pw_probe@/postgres?host={embedded_server.cluster}"
        assert_one_line_error(run_console("--url", url, "migrate", "current"), "no password supplied")
        # The profile's password_env supplies it.
        config = Path(os.environ.get("TMPDIR", "/tmp")) / f"console-pw-{os.getpid()}.toml"
        config.write_text(f'[profiles.pw]\nurl = "{url}"\npassword_env = "PW_PROBE"\n')
        result = run_console(
            "--config", str(config), "--profile", "pw", "migrate", "current", env={"PW_PROBE": "right"}
        )
        assert result.returncode == 0, result.stderr
        config.unlink()
    finally:
        hba.write_text(original)
        with Database(ConnectionSettings(url=embedded_server.url("postgres"))) as admin, admin.connect() as connection:
            connection.execute(text("SELECT pg_reload_conf()"))


def test_profiles_from_the_config_file(tmp_path: Path, database_url: URL) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
operator = "alice"
default_profile = "replica"

[keys]
"app.quit" = "ctrl+q"

[profiles.replica]
url = "{socket_url(database_url.set(username=Role.DEVELOPER.login))}"
role = "developer"
statement_timeout = "15s"
schema_map = {{ gacha = "public" }}
pool = {{ size = 4, max_overflow = 0, recycle = 1800 }}

[profiles.prod]
url = "postgresql://support@db.example/geminya"
role = "support"
read_only = true
production = true
"""
    )
    loaded = load_config(config)
    assert loaded.operator == "alice"
    assert loaded.keys == {"app.quit": "ctrl+q"}
    replica = loaded.profile("replica")
    assert (replica.role, replica.statement_timeout_ms, replica.pool.size, replica.pool.recycle) == (
        Role.DEVELOPER,
        15_000,
        4,
        1800,
    )
    assert replica.schema_map == {"gacha": "public"}
    prod = settings_for_url(loaded.profile("prod").url, profile=loaded.profile("prod"), operator="alice")
    assert prod.production and prod.read_only and prod.role is Role.SUPPORT
    with pytest.raises(ConfigError, match="cannot be raised"):
        settings_for_url(prod.url, profile=loaded.profile("prod"), operator="alice", role=Role.ADMIN)
    with pytest.raises(ConfigError, match="no profile named 'nope'"):
        loaded.profile("nope")
    # The default profile is used when no URL is given.
    result = run_console("--config", str(config), "--json", "migrate", "current")
    assert result.returncode == 0, result.stderr
    assert {state["schema"]: state["state"] for state in json.loads(result.stdout)}["gacha"] == "at head"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("profiles = [", "not valid TOML"),
        ('[profiles.x]\nrole = "admin"\n', "profiles.x.url: is required"),
        ('[profiles.x]\nurl = "postgresql://h/d"\nrole = "root"\n', "profiles.x.role: not one of the choices: 'root'"),
        ('[profiles.x]\nurl = "postgresql://h/d"\nstatement_timeout = "soon"\n', "not a duration"),
        ('[profiles.x]\nurl = "postgresql://h/d"\nschema_map = { nope = "x" }\n', "schema_map.nope: unknown schema"),
        ('[profiles.x]\nurl = "postgresql://h/d"\nschema_map = { gacha = 5 }\n', "schema_map.gacha: expected a schema"),
        ('[profiles.x]\nurl = "postgresql://h/d"\ncolour = "red"\n', "profiles.x.colour: unknown key"),
        ('[profiles.x]\nurl = "postgresql://h/d"\npool = { depth = 3 }\n', "profiles.x.pool.depth: unknown key"),
        ('[profiles.x]\nurl = "postgresql://h/d"\npool = { size = -3 }\n', "profiles.x.pool.size: expected int >= 1"),
        (
            '[profiles.x]\nurl = "postgresql://h/d"\npooler = "pgpool"\n',
            "profiles.x.pooler: not one of the choices: 'pgpool'",
        ),
        ('operator = 5\n[profiles.x]\nurl = "postgresql://h/d"\n', "operator: expected str"),
        ('colour = "blue"\n[profiles.x]\nurl = "postgresql://h/d"\n', "colour: unknown key"),
        ('[keys]\n"app.quit" = 5\n[profiles.x]\nurl = "postgresql://h/d"\n', "keys.app.quit: expected keys as text"),
        ('[keys]\n"app.quit" = "ctrl+qq"\n[profiles.x]\nurl = "postgresql://h/d"\n', "is not a key such as q, f5"),
    ],
)
def test_a_bad_config_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_config(config)
    assert_one_line_error(run_console("--config", str(config), "--profile", "x", "migrate", "current"), message)


def test_durations() -> None:
    assert [parse_duration_ms(v) for v in ("500ms", "15s", "2min", 250, "1.5s")] == [500, 15_000, 120_000, 250, 1500]


def test_database_url_variable(database_url: URL) -> None:
    result = run_console("--json", "migrate", "current", env={"DATABASE_URL": socket_url(database_url)})
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 6


def test_db_commands_manage_the_embedded_server() -> None:
    from tests.conftest import short_temp_dir

    data_dir = short_temp_dir("cdb-")
    env = {"CONSOLE_DATA_DIR": str(data_dir)}
    try:
        status = run_console("--json", "db", "status", env=env)
        assert json.loads(status.stdout)["initialised"] is False
        url = run_console("db", "url", env=env)
        assert url.stdout.strip() == f"postgresql://postgres@/console?host={data_dir}/cluster"
        # The flag wins over the variable.
        flagged = run_console("--data-dir", str(data_dir / "other"), "db", "url", env=env)
        assert f"{data_dir}/other/cluster" in flagged.stdout
        stopped = run_console("db", "stop", env=env)
        assert (stopped.returncode, stopped.stdout.strip()) == (0, "was not running")
    finally:
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize(
    "argv, command",
    [
        ([], None),
        (["--read-only", "--role", "developer"], None),
        (["--json", "stats"], "stats"),
        (["--url", "postgresql://x/y", "migrate", "current"], "migrate"),
    ],
)
def test_options_alone_open_the_ui_and_a_command_is_parsed_in_full(argv: list[str], command: str | None) -> None:
    """`console` with options only is parsed without the commands' parsers (its start does
    not wait for them); the two parsers read the options alike."""
    args = parse_command_line(argv)
    assert args.command == command
    assert (args.read_only, args.role) == (("--read-only" in argv), "developer" if "--role" in argv else None)


def test_help_and_unknown_options_go_to_the_whole_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as help_exit:
        parse_command_line(["--help"])
    assert help_exit.value.code == 0 and "COMMAND" in capsys.readouterr().out  # the commands are listed
    with pytest.raises(SystemExit) as bad:
        parse_command_line(["--bogus"])
    assert bad.value.code == 2 and "unrecognized arguments: --bogus" in capsys.readouterr().err
