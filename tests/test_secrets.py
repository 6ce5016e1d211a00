"""Database passwords from the keyring (todo_cli/db/secrets.py)."""

import keyring
import pytest
from keyring.backends.null import Keyring as NullKeyring

from todo_cli.db.secrets import (
    SERVICE,
    keyring_account,
    require_keyring,
    stored_password,
    with_password,
)
from todo_cli.db.urls import parse_url
from todo_cli.errors import ConfigError

URL = parse_url("postgresql://u@h/db")


def test_account_names_role_server_and_database():
    assert keyring_account(URL) == "u@h:5432/db"
    assert keyring_account(parse_url("postgresql://u@h:6543/db")) == "u@h:6543/db"


def test_keyring_password_fills_a_url_without_one(memory_keyring):
    memory_keyring.set_password(SERVICE, "u@h:5432/db", "s3cret")
    assert with_password(URL).password == "s3cret"


def test_password_for_another_database_is_not_used(memory_keyring):
    memory_keyring.set_password(SERVICE, "u@h:5432/other", "s3cret")
    assert with_password(URL).password is None


def test_url_with_a_password_is_left_alone(memory_keyring):
    memory_keyring.set_password(SERVICE, "u@h:5432/db", "from-keyring")
    url = parse_url("postgresql://u:given@h/db")
    assert with_password(url).password == "given"


def test_failing_keyring_falls_back_to_none(no_keyring):
    assert stored_password(URL) is None
    assert with_password(URL) == URL


def test_a_password_in_the_query_string_is_left_alone(memory_keyring):
    memory_keyring.set_password(SERVICE, "u@h:5432/db", "from-keyring")
    url = parse_url("postgresql://u@h/db?password=given")
    assert with_password(url) == url


def test_a_working_keyring_is_accepted(memory_keyring):
    require_keyring()


def test_the_fail_keyring_is_refused_with_the_alternatives(no_keyring):
    with pytest.raises(ConfigError, match=r"keyring\.backends\.fail\.Keyring.*PGPASSWORD"):
        require_keyring()


def test_the_null_keyring_that_keeps_nothing_is_refused():
    previous = keyring.get_keyring()
    keyring.set_keyring(NullKeyring())
    try:
        with pytest.raises(ConfigError, match="null"):
            require_keyring()
    finally:
        keyring.set_keyring(previous)
