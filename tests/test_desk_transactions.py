"""The support role writes only through desk actions, in transactions opened for them."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from data.engine import Database
from data.roles import Role
from tests.conftest import SMALL_POOL, login_settings


def test_support_writes_only_through_desk_actions(database_url):
    with Database(login_settings(database_url, Role.SUPPORT, pool=SMALL_POOL)) as support:
        with pytest.raises(DBAPIError, match="read-only transaction"):
            with support.connect() as c:
                c.execute(text("UPDATE gacha.users SET quartzs = 1 WHERE id = 1"))
        with support.connect_for_desk_action() as c:
            c.execute(text("UPDATE gacha.users SET quartzs = 1 WHERE id = 1"))
        with support.connect() as c:
            assert c.execute(text("SELECT quartzs FROM gacha.users WHERE id = 1")).scalar() == 1
    with Database(login_settings(database_url, Role.DEVELOPER, pool=SMALL_POOL)) as dev:
        with pytest.raises(PermissionError, match="developer role cannot use the support desk"):
            with dev.connect_for_desk_action():
                pass
    with Database(login_settings(database_url, Role.SUPPORT, read_only=True, pool=SMALL_POOL)) as ro:
        with pytest.raises(PermissionError, match="read-only"):
            with ro.connect_for_desk_action():
                pass


def test_max_grant_comes_from_the_profile(tmp_path):
    from console.config import load_config, settings_for_url

    path = tmp_path / "c.toml"
    path.write_text('[profiles.p]\nurl = "postgresql://x@localhost/db"\nrole = "support"\nmax_grant = 500\n')
    profile = load_config(path).profile("p")
    assert settings_for_url(profile.url, profile=profile, operator="me").max_grant == 500
