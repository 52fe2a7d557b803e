"""The app shell's plain parts: error lines, the sub-title, the command registry."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from textual.binding import Binding

from console.app import SCREENS, ConsoleApp, connection_label
from console.commands import CommandRegistry
from data.engine import ConnectionSettings, Database
from data.errors import error_summary
from data.roles import Role


def test_a_database_error_is_one_line_without_sql(tmp_path) -> None:
    engine = create_engine(f"postgresql+psycopg://nobody@/nothing?host={tmp_path}")
    with pytest.raises(OperationalError) as caught:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    line = error_summary(caught.value)
    assert "\n" not in line
    assert str(tmp_path) in line
    assert "psycopg" not in line and "sqlalche.me" not in line


def test_a_bug_keeps_its_type_name_and_a_user_error_does_not() -> None:
    assert error_summary(KeyError("heroes")) == "KeyError: 'heroes'"
    assert error_summary(ValueError("scale must be positive\nmore")) == "scale must be positive"
    assert error_summary(RuntimeError()) == "RuntimeError"


def test_sub_title_names_profile_role_and_flags() -> None:
    url = make_url("postgresql+psycopg://u@/db?host=/nowhere")
    settings = ConnectionSettings(url=url, role=Role.DEVELOPER, production=True, profile_name="prod")
    with Database(settings) as database:
        assert connection_label(database) == "PRODUCTION · prod · developer · read-only"


def test_registry_keeps_order_and_replaces_by_name() -> None:
    registry = CommandRegistry()
    registry.register("Home", "first", lambda: None)
    registry.register("Quit", "leave", lambda: None)
    registry.register("Home", "second", lambda: None)
    assert [(c.name, c.help) for c in registry] == [("Home", "second"), ("Quit", "leave")]
    with pytest.raises(ValueError):
        registry.register(" ", "nameless", lambda: None)


def test_every_binding_can_be_rebound() -> None:
    from screens.home import HomeScreen

    bindings = [*ConsoleApp.BINDINGS, *HomeScreen.BINDINGS]
    assert all(isinstance(b, Binding) and b.id and b.tooltip for b in bindings)
    assert len({b.id for b in bindings if isinstance(b, Binding)}) == len(bindings)
    assert {entry.mode for entry in SCREENS} == set(ConsoleApp.MODES)
