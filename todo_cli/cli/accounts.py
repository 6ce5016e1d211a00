"""`todo register`, `login`, `logout`, `whoami` and `todo db grant ROLE`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from todo_cli.cli import prompts, render
from todo_cli.cli.environment import invocation
from todo_cli.cli.options import JsonOption
from todo_cli.cli.runner import run_for_user, run_with_database
from todo_cli.errors import UsageError

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.cli.environment import Environment
    from todo_cli.db.database import Database
    from todo_cli.service.accounts import Registration
    from todo_cli.settings import Settings

T = TypeVar("T")
EMAIL_MAX_LENGTH = 320

EmailArgument = Annotated[str, typer.Argument(help="Your email address.", show_default=False)]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from one line of stdin.")
]


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    for command in (register_, login, logout, whoami):
        app.command(command.__name__.rstrip("_"))(command)
    db_app.command("grant")(grant)


def register_(
    ctx: typer.Context,
    email: EmailArgument,
    password_stdin: PasswordStdinOption = False,
    adopt_local: Annotated[
        bool,
        typer.Option("--adopt-local", help="Take over the tasks made before any account existed."),
    ] = False,
) -> None:
    """Create an account (the password is asked twice at a terminal)."""
    from todo_cli.accounts import passwords
    from todo_cli.service import accounts

    env = invocation(ctx)
    address = clean_email(email)
    typed = prompts.password(env, from_stdin=password_stdin, twice=True)
    password = passwords.check_new_password(typed)
    salt, params = passwords.new_salt(), passwords.DEFAULT_PARAMS
    key = passwords.derive_key(password, salt, params)
    done: Registration = _in_transaction(
        lambda session: accounts.register(
            session, email=address, salt=salt, params=params, key=key, adopt_local=adopt_local
        ),
        env,
    )
    _report_registration(address, done, env)


def login(
    ctx: typer.Context,
    email: EmailArgument,
    password_stdin: PasswordStdinOption = False,
    print_token: Annotated[
        bool,
        typer.Option(
            "--print-token",
            help="Print the session token on stdout instead of keeping it in the keyring "
            "(for TODO_SESSION_TOKEN where no keyring exists).",
        ),
    ] = False,
) -> None:
    """Log in: a session for this database, kept in the system keyring."""
    from todo_cli.service import sessions

    env = invocation(ctx)
    if print_token and env.stdout_is_terminal:
        raise UsageError("--print-token never writes to a terminal; capture it: $(todo login …)")
    address = clean_email(email)
    # No length rule here: that is registration's; a short password is just wrong (exit 8).
    password = prompts.password(env, from_stdin=password_stdin)
    opened = run_with_database(
        lambda database, settings: sessions.log_in(
            database,
            email=address,
            password=password,
            days=settings.session_days,
            keep=not print_token,
        ),
        env,
    )
    if print_token:
        render.print_lines([opened.token], env)
    render.message(f"logged in as {address} until {opened.expires:%Y-%m-%d %H:%M %Z}", env)


def logout(ctx: typer.Context) -> None:
    """Log out: revoke the session in the database and forget it here."""
    from todo_cli.accounts import tokens
    from todo_cli.service import sessions

    env = invocation(ctx)
    done = run_with_database(lambda database, settings: sessions.log_out(database), env)
    render.message("logged out" if done.revoked else "no live session here; nothing to revoke", env)
    if done.from_env:
        render.message(f"{tokens.ENV_VARIABLE} is set: unset it too", env)


def whoami(ctx: typer.Context, json: JsonOption = False) -> None:
    """Show who you are on this database."""
    from todo_cli.service import accounts

    env = invocation(ctx)
    identity = run_for_user(lambda session, user: accounts.whoami(session), env)
    expires = identity.expires_at.isoformat() if identity.expires_at else None
    shown = "the local user (no accounts on this database)"
    render.print_data(
        {"email": identity.email, "local": identity.local, "expires_at": expires},
        [shown if identity.local else printable(identity.email)],
        env,
    )


def grant(
    ctx: typer.Context,
    role: Annotated[str, typer.Argument(help="The login role users connect as.")],
) -> None:
    """Give ROLE what users need (run as the admin who owns the schema)."""
    from todo_cli.db import policies
    from todo_cli.service import accounts

    env = invocation(ctx)
    _in_transaction(lambda session: accounts.grant_access(session, role=role), env)
    secret = ", ".join(policies.SECRET_TABLES)
    render.message(
        f"granted {role} the task tables (row-level security applies); nothing on {secret}", env
    )


def clean_email(email: str) -> str:
    """Trimmed; one @, no spaces, no control characters. Case is kept, matching is not."""
    address = email.strip()
    local, at, domain = address.partition("@")
    bad = not (local and at and domain) or "@" in domain or len(address) > EMAIL_MAX_LENGTH
    if bad or any(char.isspace() or not char.isprintable() for char in address):
        raise UsageError("give an email address like alice@example.com")
    return address


def printable(text: str) -> str:
    """Text from the database (any writer) with control characters replaced."""
    return "".join(char if char.isprintable() else "?" for char in text)


def _report_registration(email: str, done: Registration, env: Environment) -> None:
    if done.adopted:
        render.message(f"registered {email}; the local tasks are yours now", env)
    else:
        render.message(f"registered {email}", env)
    if done.local_tasks_left:
        render.message(
            f"{done.local_tasks_left} task(s) made before accounts existed stay with the "
            "local user, out of everyone's sight (`--adopt-local` on the first account takes them)",
            env,
        )
    render.message(f"log in with `todo login {email}`", env)


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]], env: Environment) -> T:
    """``work`` in one transaction that changes the database for good (no `todo undo`):
    a Ctrl-C after its COMMIT says the change was saved."""

    async def run(database: Database, settings: Settings) -> T:
        from todo_cli.db.engine import note_change, session_scope

        async with session_scope(database.engine, env.interrupts) as session:
            note_change(session, "final")
            return await work(session)

    return run_with_database(run, env)
