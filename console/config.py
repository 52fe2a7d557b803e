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
pooler = "pgbouncer"               # behind PgBouncer in transaction mode (else found at connect)
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from msgspec import Meta, Struct
from platformdirs import user_config_dir

from data.base import ALL_SCHEMAS
from data.engine import ConnectionSettings, PoolSettings
from data.roles import Role
from data.url import DatabaseURL

CONFIG_VARIABLE = "CONSOLE_CONFIG"
DEFAULT_STATEMENT_TIMEOUT_MS = 30_000
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h)?\s*$")
_UNIT_MS = {"ms": 1, None: 1, "s": 1000, "min": 60_000, "m": 60_000, "h": 3_600_000}
T = TypeVar("T")


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
    pooler: str | None = None


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


# The file's schema: what each key may hold. msgspec checks it as the file is read (strict:
# no "5" for 5, no true for 1) and names the key that is wrong; unknown keys are refused at
# every level, so a typo is never silently ignored.
NonEmpty = Annotated[str, Meta(min_length=1)]
Seconds = Annotated[float, Meta(gt=0, le=3600)]


class PoolFile(Struct, forbid_unknown_fields=True):
    size: Annotated[int, Meta(ge=1, le=1000)] = PoolSettings.size
    max_overflow: Annotated[int, Meta(ge=0, le=1000)] = PoolSettings.max_overflow
    recycle: Annotated[int, Meta(ge=1)] = PoolSettings.recycle
    pre_ping: bool = PoolSettings.pre_ping
    timeout: Seconds = PoolSettings.timeout
    connect_timeout: Annotated[int, Meta(ge=1, le=3600)] = PoolSettings.connect_timeout


class ProfileFile(Struct, forbid_unknown_fields=True):
    url: NonEmpty
    role: Literal["admin", "developer", "support"] = "admin"
    read_only: bool = False
    production: bool = False
    statement_timeout: Annotated[int, Meta(ge=0)] | NonEmpty = DEFAULT_STATEMENT_TIMEOUT_MS
    schema_map: dict[str, Any] = msgspec.field(default_factory=dict)
    """Our schema -> theirs; checked by _schema_map, which names the entry that is wrong."""
    pool: PoolFile = msgspec.field(default_factory=PoolFile)
    password_env: NonEmpty | None = None
    max_grant: Annotated[int, Meta(ge=1)] | None = None
    sensitive_columns: list[NonEmpty] = msgspec.field(default_factory=list)
    pooler: Literal["pgbouncer"] | None = None


class ConfigFile(Struct, forbid_unknown_fields=True):
    operator: NonEmpty | None = None
    default_profile: NonEmpty | None = None
    keys: dict[NonEmpty, Any] = msgspec.field(default_factory=dict)
    """Binding id -> keys; checked by key_problem, which names the binding."""
    profiles: dict[NonEmpty, dict[str, Any]] = msgspec.field(default_factory=dict)
    """Checked one by one (ProfileFile), so that an error names the profile."""


def load_config(path: Path | None = None) -> Config:
    """Read and check the config file. No file at the default place is an empty config; a
    file named by --config or CONSOLE_CONFIG must exist.

    Raises:
        ConfigError: one line naming the file, the key and what was expected.
    """
    named = path is not None or bool(os.environ.get(CONFIG_VARIABLE))
    path = path or default_config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if named:
            raise ConfigError(f"{path}: no such config file") from None
        raw = {}
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from error
    checked = _checked(raw, ConfigFile, path, "")
    profiles = {
        name: _profile(name, _checked(value, ProfileFile, path, f"profiles.{name}"), path)
        for name, value in checked.profiles.items()
    }
    for binding, keys in checked.keys.items():
        problem = (
            key_problem(keys) if isinstance(keys, str) else f'expected keys as text such as "ctrl+q", not {keys!r}'
        )
        if problem:
            raise ConfigError(f"{path}: keys.{binding}: {problem}")
    if checked.default_profile is not None and checked.default_profile not in profiles:
        raise ConfigError(f"{path}: default_profile: {checked.default_profile!r} is not a profile")
    return Config(
        path=path,
        operator=checked.operator or _os_user(),
        default_profile=checked.default_profile,
        profiles=profiles,
        keys=dict(checked.keys),
    )


def _checked(raw: Any, schema: type[T], path: Path, where: str) -> T:
    """`raw` as `schema`, or a ConfigError such as `file: profiles.x.pool.size: expected int >= 1`."""
    try:
        return msgspec.convert(raw, schema, strict=True)
    except msgspec.ValidationError as error:
        problem, _, location = str(error).partition(" - at `$")
        location = location.rstrip("`").lstrip(".")
        key = ".".join(part for part in (where, location) if part)
        unknown = re.match(r"Object contains unknown field `(.+)`", problem)
        if unknown:
            key, problem = ".".join(part for part in (key, unknown.group(1)) if part), "unknown key"
        missing = re.match(r"Object missing required field `(.+)`", problem)
        if missing:
            key, problem = ".".join(part for part in (key, missing.group(1)) if part), "is required"
        problem = (
            problem.replace("`", "")
            .replace("Expected", "expected")
            .replace("Invalid enum value", "not one of the choices:")
        )
        raise ConfigError(f"{path}: {key or 'the file'}: {problem}") from None


def _profile(name: str, checked: ProfileFile, path: Path) -> Profile:
    where = f"{path}: profiles.{name}"
    return Profile(
        name=name,
        url=checked.url,
        role=Role(checked.role),
        read_only=checked.read_only,
        production=checked.production,
        statement_timeout_ms=parse_duration_ms(checked.statement_timeout, f"{where}.statement_timeout"),
        schema_map=_schema_map(checked.schema_map, f"{where}.schema_map"),
        pool=PoolSettings(**msgspec.structs.asdict(checked.pool)),
        password_env=checked.password_env,
        max_grant=checked.max_grant,
        sensitive_columns=_column_patterns(checked.sensitive_columns, f"{where}.sensitive_columns"),
        pooler=checked.pooler,
    )


def _schema_map(raw: dict[str, Any], where: str) -> dict[str, str]:
    for ours, theirs in raw.items():
        if ours not in ALL_SCHEMAS:
            raise ConfigError(f"{where}.{ours}: unknown schema; expected one of {', '.join(ALL_SCHEMAS)}")
        if not isinstance(theirs, str) or not theirs:
            raise ConfigError(f"{where}.{ours}: expected a schema name, not {theirs!r}")
    return dict(raw)


def key_problem(keys: str) -> str | None:
    """What is wrong with a binding's keys ("ctrl+q", "f5,ctrl+r"), or None: each must be
    one character or a key Textual names, with modifiers."""
    for key in keys.split(","):
        *modifiers, name = key.strip().split("+")
        if not name or any(modifier not in _MODIFIERS for modifier in modifiers):
            return f"{key.strip()!r} is not a key such as q, f5 or ctrl+q"
        if len(name) != 1 and name not in _KEY_NAMES and not re.fullmatch(r"f([1-9]|1[0-9]|2[0-4])", name):
            return f"{key.strip()!r} is not a key such as q, f5 or ctrl+q"
    return None


_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
# Textual's names for the keys that are not one character (textual.keys.Keys and its aliases).
_KEY_NAMES = frozenset(
    {
        "escape",
        "enter",
        "tab",
        "backspace",
        "delete",
        "insert",
        "home",
        "end",
        "pageup",
        "pagedown",
        "up",
        "down",
        "left",
        "right",
        "space",
        "minus",
        "plus",
        "equals_sign",
        "slash",
        "backslash",
        "comma",
        "full_stop",
        "colon",
        "semicolon",
        "question_mark",
        "exclamation_mark",
        "left_square_bracket",
        "right_square_bracket",
        "left_curly_bracket",
        "right_curly_bracket",
        "less_than_sign",
        "greater_than_sign",
        "asterisk",
        "ampersand",
        "apostrophe",
        "quotation_mark",
        "number_sign",
        "dollar_sign",
        "percent_sign",
        "circumflex_accent",
        "underscore",
        "grave_accent",
        "tilde",
        "vertical_line",
        "at",
        "left_parenthesis",
        "right_parenthesis",
    }
)


def parse_duration_ms(value: Any, where: str = "statement_timeout") -> int:
    """'15s', '500ms', '2min' or a number of milliseconds, as milliseconds."""
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(f"{where}: {value!r} is not a duration such as 500ms, 15s or 2min")
    return int(float(match.group(1)) * _UNIT_MS[match.group(2)])


def settings_for_url(
    url: str | DatabaseURL,
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
        parsed = DatabaseURL.of(url)
    except ValueError as error:
        shown = url if isinstance(url, str) else url.render_as_string()
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
        pooler=base.pooler,
        profile_role=base.role if effective_role is not base.role else None,
    )


def prompt_password(prompt: str) -> str:
    """Ask for a password on the terminal; empty when there is no terminal to ask on."""
    if not os.isatty(0):
        return ""
    return getpass.getpass(prompt)


def _column_patterns(value: list[str], where: str) -> tuple[str, ...]:
    """A list of "schema.table.column", "table.column" or "column" patterns."""
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
