"""Database passwords from the keyring (todo_cli/db/secrets.py)."""

from todo_cli.db.secrets import SERVICE, keyring_account, stored_password, with_password
from todo_cli.db.urls import parse_url

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
