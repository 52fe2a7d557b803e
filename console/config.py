"""Profiles: named connections in a TOML file in the user's config directory.

```toml
operator = "alice"                 # who goes into audit rows (default: the OS user)
default_profile = "staging"

[keys]                             # rebind keys by binding id
"app.quit" = "ctrl+q"

[profiles.staging]
url = "postgresql://support@db.internal/geminya"
password_env = "STAGING_PGPASSWORD"  # else PGPASSWORD, else a prompt
role = "support"                   # admin | developer | support
read_only = false
production = true
statement_timeout = "15s"          # or milliseconds as a number
schema_map = { gacha = "public" }  # our schema -> where the tables really are
pool = { size = 5, max_overflow = 0, recycle = 1800, timeout = 10, connect_timeout = 5 }
max_grant = 10000                  # larger grants need the admin role
# also masked, besides passwords and tokens: [[schema.]table.]column, wildcards allowed
sensitive_columns = ["gacha.users.discord_id", "*.api_*"]
```

Passwords are never stored by the console: they come from the environment or a prompt,
unless the user writes one into the URL themselves.
"""

from __future__ import annotations

import getpass
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError

from data.base import ALL_SCHEMAS
from data.engine import ConnectionSettings, PoolSettings, as_sqlalchemy_url
from data.roles import Role

CONFIG_VARIABLE = "CONSOLE_CONFIG"
DEFAULT_STATEMENT_TIMEOUT_MS = 30_000
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)?\s*$")
_UNIT_MS = {"ms": 1, None: 1, "s": 1000, "min": 60_000, "m": 60_000, "h": 3_600_000}


class ConfigError(ValueError):
    """The config file or a profile in it is wrong; the message names what and where."""


@dataclass(frozen=True)
class Profile:
    """One named connection, as written in the config file."""

    name: str
    url: str
    role: Role = Role.ADMIN
    read_only: bool = False
    production: bool = False
    statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS
    schema_map: Mapping[str, str] = field(default_factory=dict)
    pool: PoolSettings = field(default_factory=PoolSettings)
    password_env: str | None = None
    max_grant: int | None = None
    sensitive_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """The whole config file."""

    path: Path
    operator: str
    default_profile: str | None = None
    profiles: Mapping[str, Profile] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)

    def profile(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles)) or "none defined"
            raise ConfigError(f"no profile named {name!r} in {self.path} (profiles: {known})") from None


def default_config_path() -> Path:
    configured = os.environ.get(CONFIG_VARIABLE)
    if configured:
        return Path(configured).expanduser()
    return Path(user_config_dir("console", appauthor=False)) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file is an empty config.

    Raises:
        ConfigError: the file is not valid TOML or a value is of the wrong kind.
    """
    path = path or default_config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raw = {}
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    profiles_raw = _table(raw, "profiles", path)
    profiles = {name: _parse_profile(name, _table(profiles_raw, name, path), path) for name in profiles_raw}
    keys = {str(binding): str(key) for binding, key in _table(raw, "keys", path).items()}
    default = raw.get("default_profile")
    if default is not None and default not in profiles:
        raise ConfigError(f"{path}: default_profile {default!r} is not a profile")
    return Config(
        path=path,
        operator=str(raw.get("operator") or _os_user()),
        default_profile=default,
        profiles=profiles,
        keys=keys,
    )


def _parse_profile(name: str, raw: Mapping[str, Any], path: Path) -> Profile:
    where = f"{path}: profile {name!r}"
    unknown = set(raw) - {
        "url", "role", "read_only", "production", "statement_timeout", "schema_map", "pool",
        "password_env", "max_grant", "sensitive_columns",
    }
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    if "url" not in raw:
        raise ConfigError(f"{where}: url is required")
    try:
        role = Role(raw.get("role", "admin"))
    except ValueError:
        raise ConfigError(f"{where}: role must be admin, developer or support") from None
    schema_map = {str(ours): str(theirs) for ours, theirs in _table(raw, "schema_map", path).items()}
    strays = set(schema_map) - set(ALL_SCHEMAS)
    if strays:
        raise ConfigError(f"{where}: schema_map names unknown schema(s) {', '.join(sorted(strays))}")
    pool_raw = _table(raw, "pool", path)
    try:
        pool = replace(PoolSettings(), **{key: pool_raw[key] for key in pool_raw})
    except TypeError as error:
        raise ConfigError(f"{where}: pool: {error}") from None
    return Profile(
        name=name,
        url=str(raw["url"]),
        role=role,
        read_only=_bool(raw.get("read_only", False), f"{where}: read_only"),
        production=_bool(raw.get("production", False), f"{where}: production"),
        statement_timeout_ms=parse_duration_ms(raw.get("statement_timeout", DEFAULT_STATEMENT_TIMEOUT_MS), where),
        schema_map=schema_map,
        pool=pool,
        password_env=raw.get("password_env"),
        max_grant=_max_grant(raw.get("max_grant"), f"{where}: max_grant"),
        sensitive_columns=_column_patterns(raw.get("sensitive_columns", []), f"{where}: sensitive_columns"),
    )


def parse_duration_ms(value: Any, where: str = "statement_timeout") -> int:
    """'15s', '500ms', '2min' or a number of milliseconds, as milliseconds."""
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(f"{where}: {value!r} is not a duration such as 500ms, 15s or 2min")
    return int(float(match.group(1)) * _UNIT_MS[match.group(2)])


def settings_for_url(
    url: str | URL,
    *,
    profile: Profile | None = None,
    operator: str,
    role: Role | None = None,
    read_only: bool = False,
) -> ConnectionSettings:
    """The ConnectionSettings for a URL, with a profile's settings if one is given.

    `role` lowers the profile's role (never raises it); `read_only` can only add read-only.
    A password missing from the URL comes from the profile's password_env, else libpq's own
    PGPASSWORD or ~/.pgpass; the command line prompts only when the server asks for one.

    Raises:
        ConfigError: the URL is not a PostgreSQL URL, or the role would be raised.
    """
    try:
        parsed = as_sqlalchemy_url(url)
    except (ArgumentError, ValueError) as error:
        shown = url.render_as_string(hide_password=True) if isinstance(url, URL) else url
        raise ConfigError(f"bad database URL {shown!r}: {error}") from None
    base = profile or Profile(name="url", url=str(url))
    try:
        effective_role = base.role.lowered_to(role) if role else base.role
    except PermissionError as error:
        raise ConfigError(str(error)) from None
    if parsed.password is None and base.password_env and os.environ.get(base.password_env):
        parsed = parsed.set(password=os.environ[base.password_env])
    return ConnectionSettings(
        url=parsed,
        role=effective_role,
        read_only=base.read_only or read_only,
        schema_map=dict(base.schema_map),
        statement_timeout_ms=base.statement_timeout_ms,
        pool=base.pool,
        operator=operator,
        production=base.production,
        profile_name=base.name,
        sensitive_columns=base.sensitive_columns,
        max_grant=base.max_grant,
        profile_role=base.role if effective_role is not base.role else None,
    )


def prompt_password(prompt: str) -> str:
    """Ask for a password on the terminal; empty when there is no terminal to ask on."""
    if not os.isatty(0):
        return ""
    return getpass.getpass(prompt)


def _table(raw: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: {key} must be a table")
    return value


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false")
    return value


def _max_grant(value: Any, where: str) -> int | None:
    """The largest grant the support role may make: a whole number of 1 or more, or unset."""
    if value is None:
        return None
    # bool is an int to Python, but `max_grant = true` is a mistake, not a limit of 1.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where} must be a whole number of 1 or more, not {value!r}")
    return value


def _column_patterns(value: Any, where: str) -> tuple[str, ...]:
    """A list of "schema.table.column", "table.column" or "column" patterns."""
    expected = f'{where} must be a list of column names such as "schema.table.column" or "*.api_*"'
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(expected)
    patterns = tuple(item.strip() for item in value)
    for pattern in patterns:
        parts = pattern.split(".")
        if not 1 <= len(parts) <= 3 or not all(parts):
            raise ConfigError(f"{where}: {pattern!r} is not [schema.][table.]column")
    return patterns


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid{os.getuid()}"
