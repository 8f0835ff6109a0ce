"""Accounts and API keys: pure rules (the slow password hash is replaced by a marker)."""

from datetime import datetime

import pytest

from services.intake.domain.accounts import ApiKey, User, hash_api_key
from services.intake.domain.departments import Department, DepartmentDirectory
from services.intake.domain.errors import DepartmentMismatch, InvalidName, UnknownDepartment, UnknownRole, WeakPassword
from shared.clock import SHANGHAI
from shared.contracts.codes import Role

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI)
DIRECTORY = DepartmentDirectory([Department("town_taihe", "太和镇人民政府"),
                                 Department("old_office", "已撤销的办公室", active=False)])


def register(**given) -> User:
    return User.register(**{"username": "li", "password": "a-long-password", "role": "dispatcher",
                            "department": "town_taihe", "display_name": None, "at": NOW, "directory": DIRECTORY,
                            "hash_password": lambda password: f"hashed:{password}", **given})


def test_a_dispatcher_of_a_known_active_department_is_registered_with_a_hashed_password():
    user = register()
    assert user.role is Role.dispatcher and user.department == "town_taihe" and user.active
    assert user.password_hash == "hashed:a-long-password"


@pytest.mark.parametrize(("given", "error", "words"), [
    ({"role": "wizard"}, UnknownRole, "unknown role 'wizard'"),
    ({"department": None}, DepartmentMismatch, "a dispatcher needs --department"),
    ({"role": "supervisor"}, DepartmentMismatch, "only a dispatcher has one"),
    ({"department": "mars"}, UnknownDepartment, "unknown department 'mars'"),
    ({"department": "old_office"}, UnknownDepartment, "no longer active"),
    ({"password": "short"}, WeakPassword, "at least 10 characters"),
])
def test_registration_refuses_what_would_make_a_broken_account(given, error, words):
    with pytest.raises(error) as refused:
        register(**given)
    assert words in refused.value.message and refused.value.code == "invalid"


def test_a_password_change_follows_the_same_rule_and_a_deactivated_user_stays_so():
    user = register()
    with pytest.raises(WeakPassword):
        user.set_password("short", lambda p: p, at=NOW)
    user.set_password("another-long-one", lambda p: f"h:{p}", at=NOW)
    user.deactivate(at=NOW)
    assert user.password_hash == "h:another-long-one" and not user.active


def test_a_new_password_and_deactivation_each_end_the_sessions_so_far():
    user = register()
    assert user.token_version == 0 and user.may_sign_in_with(0)
    user.set_password("another-long-one", lambda p: f"h:{p}", at=NOW)
    user.deactivate(at=NOW)
    ended = user.pull_events()
    assert [(e.reason, e.token_version) for e in ended] == [("password_changed", 1), ("deactivated", 2)]
    assert not user.may_sign_in_with(0) and not user.may_sign_in_with(2)  # inactive: no version goes on


def test_an_api_key_is_random_stored_as_its_hash_and_can_be_revoked():
    record, key = ApiKey.issue(" call centre ", at=NOW)
    other, other_key = ApiKey.issue("app", at=NOW)
    assert len(key) > 30 and key != other_key and record.key_hash == hash_api_key(key) != key
    assert record.name == "call centre" and record.active and record.id is None
    record.revoke()
    assert not record.active
    with pytest.raises(InvalidName):
        ApiKey.issue("  ", at=NOW)
