"""libpq-style URLs turned into asyncpg connect arguments (todo_cli/db/urls.py)."""

import asyncio
import json
import ssl

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import engine_for
from todo_cli.db.urls import has_password, mask_url, mask_url_text, parse_url, translate
from todo_cli.errors import ConfigError, ExitCode

NEON_URL = (
    "postgresql://alex:pw@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/dbname"
    "?sslmode=require&channel_binding=require"
)


def target(raw: str):
    return translate(parse_url(raw), connect_timeout=10, application_name="todo-cli")


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+asyncpg"])
def test_postgres_schemes_become_asyncpg(scheme):
    url = parse_url(f"{scheme}://u@h/db")
    assert url.drivername == "postgresql+asyncpg"
    assert (url.username, url.host, url.database) == ("u", "h", "db")


def test_other_scheme_is_config_error_without_the_password():
    with pytest.raises(ConfigError, match="mysql") as raised:
        parse_url("mysql://u:s3cret@h/db")
    assert "s3cret" not in str(raised.value)


def test_garbage_is_config_error():
    with pytest.raises(ConfigError):
        parse_url("not a url")


def test_defaults_without_query():
    result = target("postgresql://u@h/db")
    assert result.connect_args == {
        "timeout": 10,
        "server_settings": {"application_name": "todo-cli"},
    }
    assert "ssl" not in result.connect_args
    assert result.transaction_pooling is False


@pytest.mark.parametrize(("mode", "expected"), [("disable", False), ("prefer", "prefer")])
def test_sslmode_without_verification(mode, expected):
    assert target(f"postgresql://u@h/db?sslmode={mode}").connect_args["ssl"] == expected


def test_sslmode_require_encrypts_without_verifying():
    context = target("postgresql://u@h/db?sslmode=require").connect_args["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_NONE
    assert context.check_hostname is False


def test_sslmode_verify_ca_checks_the_chain_not_the_name():
    context = target("postgresql://u@h/db?sslmode=verify-ca").connect_args["ssl"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is False


def test_sslmode_verify_full_checks_chain_and_name():
    context = target("postgresql://u@h/db?sslmode=verify-full").connect_args["ssl"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


def test_unknown_sslmode_is_config_error():
    with pytest.raises(ConfigError, match="sslmode"):
        target("postgresql://u@h/db?sslmode=sometimes")


def test_libpq_parameters_leave_the_url():
    result = target(
        "postgresql://u@h/db?sslmode=disable&channel_binding=require&connect_timeout=5"
        "&application_name=abc&options=-c%20statement_timeout%3D1234"
    )
    assert dict(result.url.query) == {}
    assert "channel_binding" not in result.connect_args
    assert result.connect_args["timeout"] == 5
    assert result.connect_args["server_settings"] == {
        "application_name": "abc",
        "options": "-c statement_timeout=1234",
    }


def test_bad_connect_timeout_is_config_error():
    with pytest.raises(ConfigError, match="connect_timeout"):
        target("postgresql://u@h/db?connect_timeout=soon")


def test_neon_pooler_host_means_transaction_pooling():
    assert target("postgresql://u@ep-x-pooler.eu-central-1.aws.neon.tech/db").transaction_pooling
    assert not target("postgresql://u@ep-x.eu-central-1.aws.neon.tech/db").transaction_pooling


def test_neon_url_translates_as_pasted():
    result = target(NEON_URL)
    assert result.transaction_pooling is True
    assert dict(result.url.query) == {}
    assert result.connect_args["ssl"].verify_mode == ssl.CERT_NONE
    assert result.host == "ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech"


@pytest.mark.parametrize(
    "raw", ["postgresql://u:s3cret@h/db", "postgres://u:s3cret@h:6543/db?sslmode=require", NEON_URL]
)
def test_masked_url_never_shows_the_password(raw):
    masked = mask_url(parse_url(raw))
    password = make_url(raw).password
    assert password not in masked
    assert ":***@" in masked
    assert masked.startswith("postgresql://")
    assert mask_url_text(raw) == masked


def test_unparseable_url_is_masked_entirely():
    assert "s3cret" not in mask_url_text("postgresql://u:s3cret@h:port/db")


def with_libpq_params(url: str) -> str:
    params = {
        "sslmode": "disable",
        "connect_timeout": "5",
        "application_name": "abc",
        "options": "-c statement_timeout=1234",
    }
    return make_url(url).update_query_dict(params).render_as_string(hide_password=False)


def test_libpq_parameters_work_against_a_real_server(database_url, cli, monkeypatch):
    url = with_libpq_params(database_url)
    assert "statement_timeout%3D1234" in url
    monkeypatch.setenv("TODO_DATABASE_URL", url)
    listed = cli("list", "--json")
    assert listed.exit_code == ExitCode.OK, listed.stderr
    assert json.loads(listed.stdout) == []

    async def server_view() -> tuple[str, str]:
        engine = engine_for(url)
        try:
            async with engine.connect() as connection:
                timeout = await connection.scalar(text("SHOW statement_timeout"))
                name = await connection.scalar(text("SELECT current_setting('application_name')"))
                return timeout, name
        finally:
            await engine.dispose()

    assert asyncio.run(server_view()) == ("1234ms", "abc")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("postgresql://u@h/db?password=S3cr3t", "postgresql://u@h/db?password=***"),
        (
            "postgresql://u@h/db?sslmode=require&password=S3cr3t",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        (
            "postgresql://u:one@h/db?password=two&password=S3cr3t",
            "postgresql://u:***@h/db?password=***",
        ),
    ],
)
def test_a_password_in_the_query_string_is_masked_too(raw, masked):
    assert mask_url(parse_url(raw)) == masked
    assert mask_url_text(raw) == masked


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgresql://u@h/db", False),
        ("postgresql://u:pw@h/db", True),
        ("postgresql://u:@h/db", True),
        ("postgresql://u@h/db?password=pw", True),
        ("postgresql://u@h/db?sslpassword=pw", True),
        ("postgresql://u@h/db?PassWord=pw", True),
        ("postgresql://u@h/db?passfile=/x", False),
    ],
)
def test_has_password_looks_in_userinfo_and_query(raw, expected):
    assert has_password(parse_url(raw)) is expected


@pytest.mark.parametrize("port", [0, 65536, 99999])
def test_port_out_of_range_is_config_error(port):
    with pytest.raises(ConfigError, match=f"database_url port {port} is not between 1 and 65535"):
        parse_url(f"postgresql://u@127.0.0.1:{port}/db")


def test_highest_port_is_accepted():
    assert parse_url("postgresql://u@127.0.0.1:65535/db").port == 65535


def test_a_password_in_the_query_string_works_and_is_never_printed(database_url, cli, monkeypatch):
    given = make_url(database_url)
    password = given.password or "S3cr3t-unchecked"  # a trust server takes any password
    url = given.set(password=None).update_query_dict({"password": password})
    monkeypatch.setenv("TODO_DATABASE_URL", url.render_as_string(hide_password=False))
    added = cli("add", "via a query password", "--json")
    assert added.exit_code == ExitCode.OK, added.stderr
    status = cli("db", "status", "--json")
    shown = cli("config", "show")
    assert status.exit_code == shown.exit_code == ExitCode.OK, status.stderr + shown.stderr
    assert "password=***" in json.loads(status.stdout)["url"]
    assert "password=***" in shown.stdout
    for run in (added, status, shown):
        assert f"password={password}" not in run.stdout + run.stderr
