"""`todo config ...`: see and change settings; keep the database password in the keyring."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from todo_cli.cli import prompts, render
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import JsonOption
from todo_cli.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from todo_cli.cli.environment import Environment

KeyArgument = Annotated[
    str, typer.Argument(help="Setting name, as `todo config show` prints it.", show_default=False)
]

app = typer.Typer(help="Show and change settings.", invoke_without_command=True)


@app.callback()
def group(ctx: typer.Context) -> None:
    """Show and change settings."""
    from todo_cli.cli.workflow import help_when_bare

    help_when_bare(ctx)


@app.command()
def show(ctx: typer.Context, json: JsonOption = False) -> None:
    """Every setting in effect (the database password masked)."""
    from todo_cli.cli.plain import plain_value

    env = invocation(ctx)
    values = _displayable(env.settings().model_dump())
    lines = (f"{key} = {plain_value(value)}" for key, value in values.items())
    render.print_data(values, lines, env)


@app.command()
def path(ctx: typer.Context) -> None:
    """Print the config file's path (it may not exist yet)."""
    from todo_cli.config_file import config_file_path

    render.print_lines([str(config_file_path())], invocation(ctx))


@app.command("set")
def set_(
    ctx: typer.Context,
    key: KeyArgument,
    value: Annotated[str, typer.Argument(help="New value.")],
) -> None:
    """Store a setting in the config file (validated first; comments are kept)."""
    from todo_cli.config_file import set_in_config_file
    from todo_cli.settings import validate_setting

    typed = validate_setting(key, value)
    if key == "database_url":
        _refuse_password_in_url(value)
    path = set_in_config_file(key, typed)
    render.message(f"{key} set in {path}", invocation(ctx))


@app.command()
def unset(ctx: typer.Context, key: KeyArgument) -> None:
    """Remove a setting from the config file, so its default applies again."""
    from todo_cli.config_file import config_file_path, read_config_file, remove_from_config_file
    from todo_cli.settings import check_setting_name

    env = invocation(ctx)
    # A misspelt key the warnings named can be removed too.
    if key not in read_config_file():
        check_setting_name(key)
        render.message(f"{key} is not set in {config_file_path()}; nothing changed", env)
        return
    remove_from_config_file(key)
    render.message(f"{key} removed from {config_file_path()}", env)


@app.command("set-password")
def set_password(
    ctx: typer.Context,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from the first line of stdin (scripts)."
        ),
    ] = False,
) -> None:
    """Store the password for the configured database URL in the system keyring.

    At a terminal it prompts (the input is hidden); elsewhere pass --password-stdin.
    """
    from todo_cli.db.secrets import require_keyring, store_password
    from todo_cli.db.urls import mask_url

    env = invocation(ctx)
    url = _configured_url(env)
    require_keyring()  # before anyone types a password that could not be kept
    password = _read_password(mask_url(url), from_stdin=password_stdin, env=env)
    store_password(url, password)
    render.message(f"password stored in the system keyring for {mask_url(url)}", env)


def _configured_url(env: Environment) -> URL:
    from todo_cli.db.urls import parse_url

    settings = env.settings()
    if not settings.database_url:
        raise UsageError("no database_url is set; the embedded server needs no password")
    return parse_url(settings.database_url)


def _read_password(target: str, *, from_stdin: bool, env: Environment) -> str:
    password = prompts.password(
        env,
        from_stdin=from_stdin,
        label=f"Password for {target}",
        off_terminal="stdin is not a terminal: pipe the password in with --password-stdin",
    )
    if not password:
        raise UsageError("the password is empty; nothing was stored")
    return password


def _displayable(values: dict[str, Any]) -> dict[str, Any]:
    from todo_cli.db.urls import mask_url_text

    if values.get("database_url"):
        values["database_url"] = mask_url_text(values["database_url"])
    return {
        key: str(value)
        if not isinstance(value, (bool, int, float)) and value is not None
        else value
        for key, value in values.items()
    }


def _refuse_password_in_url(raw: str) -> None:
    from todo_cli.db.urls import has_password, parse_url

    if has_password(parse_url(raw)):
        raise UsageError(
            "the URL holds a password, and the config file is no place for secrets; "
            "set the URL without it, then run `todo config set-password`"
        )
