"""`todo config ...`: see and change settings; keep the database password in the keyring."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from todo_cli.cli import render
from todo_cli.cli.options import JsonOption
from todo_cli.errors import UsageError

app = typer.Typer(help="Show and change settings.", invoke_without_command=True)


@app.callback()
def group(ctx: typer.Context) -> None:
    """Show and change settings."""
    from todo_cli.cli.app import help_when_bare

    help_when_bare(ctx)


@app.command()
def show(json: JsonOption = False) -> None:
    """Every setting in effect (the database password masked)."""
    from todo_cli.settings import load_settings

    values = _displayable(load_settings().model_dump())
    if json:
        render.print_json(values)
    else:
        sys.stdout.writelines(f"{key} = {value}\n" for key, value in values.items())


@app.command()
def path() -> None:
    """Print the config file's path (it may not exist yet)."""
    from todo_cli.settings import config_file_path

    sys.stdout.write(f"{config_file_path()}\n")


@app.command("set")
def set_(
    key: Annotated[str, typer.Argument(help="Setting name, as `todo config show` prints it.")],
    value: Annotated[str, typer.Argument(help="New value.")],
) -> None:
    """Store a setting in the config file (validated first)."""
    from todo_cli.settings import validate_setting, write_setting

    typed = validate_setting(key, value)
    if key == "database_url":
        _refuse_password_in_url(value)
    path = write_setting(key, typed)
    render.message(f"{key} set in {path}")


@app.command("set-password")
def set_password() -> None:
    """Store the password for the configured database URL in the system keyring."""
    from todo_cli.db.secrets import store_password
    from todo_cli.db.urls import mask_url, parse_url
    from todo_cli.settings import load_settings

    settings = load_settings()
    if not settings.database_url:
        raise UsageError("no database_url is set; the embedded server needs no password")
    url = parse_url(settings.database_url)
    password = typer.prompt(f"Password for {mask_url(url)}", hide_input=True, err=True)
    store_password(url, password)
    render.message(f"password stored in the system keyring for {mask_url(url)}")


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
    from todo_cli.db.urls import parse_url

    if parse_url(raw).password is not None:
        raise UsageError(
            "the URL holds a password, and the config file is no place for secrets; "
            "set the URL without it, then run `todo config set-password`"
        )
