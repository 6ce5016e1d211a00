"""`todo import` and `todo export`: Taskwarrior, todo.txt, JSON and JSON Lines files."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer

from todo_cli.cli.environment import invocation
from todo_cli.cli.options import flag
from todo_cli.cli.runner import run_for_user
from todo_cli.errors import UsageError
from todo_cli.interchange.detect import Format

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from todo_cli.cli.environment import Environment
    from todo_cli.interchange.records import InvalidRecord, Record
    from todo_cli.models import User

# The namespace of the uuids made for todo.txt lines that carry none (any fixed uuid).
TODOTXT_NAMESPACE = "6f1c2b52-8e0a-4c4e-9a57-2f0d6c1e7b16"
FormatOption = Annotated[
    Format | None,
    typer.Option("--format", "-f", help="The file's format (default: read from the content).",
                 show_default=False),
]  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command("export")(export)


def import_(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(metavar="FILE|-", help="The file to read; - reads stdin.")],
    format: FormatOption = None,
    skip_invalid: Annotated[
        bool, flag("--skip-invalid", help="Import the valid tasks; name each bad one on stderr.")
    ] = False,
) -> None:
    """Import tasks: new ones added, known ones (same uuid) updated, all or nothing."""
    from todo_cli.interchange.detect import decoded, detect

    env = invocation(ctx)
    name = "stdin" if file == "-" else file
    data = decoded(_read(file, env), name)
    chosen = format or detect(data)
    progress = _progress(env)

    async def work(session: AsyncSession, user: User) -> str:
        from todo_cli.service import imports
        from todo_cli.service.attributes import definitions

        progress(f"reading {name} ({chosen})")
        attributes = {definition.name for definition in await definitions(session, user=user)}
        records = _valid(_parsed(data, chosen, attributes), name, env, skip=skip_invalid)
        records = await _linked(session, records, name, env, skip=skip_invalid)
        progress(f"writing {len(records):,} tasks")
        done = await imports.import_records(
            session,
            user=user,
            records=records,
            complete=chosen in (Format.TASKWARRIOR, Format.TODOTXT),
            command=env.command_line() or "import",
        )
        return (
            f"imported {len(records)} tasks from {name}: {done.created} new,"
            f" {done.updated} updated, {done.unchanged} unchanged"
        )

    try:
        with _collector_paused():
            summary = run_for_user(work, env)
    finally:
        progress(None)
    env.stdout.write(summary + "\n")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the records are read and written.

    An import holds a few dicts per task and makes no cycles worth collecting
    before it ends, yet the collector walks all of them again and again as
    they grow: a quarter of a 100,000-task import went to it."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _progress(env: Environment) -> Callable[[str | None], None]:
    """What the import is doing, on stderr when it is a terminal (None: done, cleared)."""
    from todo_cli.cli import environment

    if not environment._isatty(env.stderr):  # the one test of a stream for a terminal
        return lambda step: None
    from rich.console import Console

    status = Console(file=env.stderr, highlight=False).status("")

    def show(step: str | None) -> None:
        if step is None:
            status.stop()
            return
        status.update(step)
        status.start()

    return show


def _read(file: str, env: Environment) -> bytes:
    if file == "-":
        return env.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {file}: {error.strerror or error}") from None


def _parsed(
    data: str, chosen: Format, attributes: Collection[str]
) -> Iterator[Record | InvalidRecord]:
    if chosen is Format.TASKWARRIOR:
        from todo_cli.interchange.taskwarrior import parse_taskwarrior

        return parse_taskwarrior(data, attributes=attributes)
    if chosen is Format.TODOTXT:
        return _todotxt_records(data)
    from todo_cli.interchange.jsonlines import parse_json

    return parse_json(data)


def _todotxt_records(data: str) -> Iterator[Record | InvalidRecord]:
    """One line at a time, so a bad line is skipped alone. A line without ``uuid:``
    gets one made from its text (and how often that text came before), so importing
    the same file again finds the same tasks."""
    import uuid

    from todo_cli.interchange.records import InvalidRecord

    try:
        from todo_cli.interchange.todotxt import parse_todotxt  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ModuleNotFoundError:
        raise UsageError("todo.txt files cannot be read by this version of todo") from None
    namespace = uuid.UUID(TODOTXT_NAMESPACE)
    seen: dict[str, int] = {}
    for number, line in enumerate(data.splitlines(), start=1):
        try:
            for record in parse_todotxt([line], first_line=number):
                repeat = seen[line] = seen.get(line, 0) + 1
                record.setdefault("uuid", str(uuid.uuid5(namespace, f"{repeat}:{line}")))
                yield record
        except InvalidRecord as invalid:
            yield invalid


def _valid(
    parsed: Iterator[Record | InvalidRecord], name: str, env: Environment, *, skip: bool
) -> list[Record]:
    """The good records; a bad one stops everything unless skipped (then named on stderr)."""
    from todo_cli.interchange.records import InvalidRecord

    records: list[Record] = []
    seen: dict[str, int] = {}
    for item in parsed:
        if not isinstance(item, InvalidRecord):
            uuid = item.get("uuid")
            if uuid is None or uuid not in seen:
                if uuid is not None:
                    seen[uuid] = item["line"]
                records.append(item)
                continue
            item = InvalidRecord(item["line"], f"uuid {uuid} is also the task on line {seen[uuid]}")
        _refuse(item, name, env, skip=skip)
    return records


def _refuse(invalid: InvalidRecord, name: str, env: Environment, *, skip: bool) -> None:
    from todo_cli.text import visible

    where = f"{name}, line {invalid.line_no}: {visible(invalid.reason)}"
    if not skip:
        raise UsageError(f"{where}; nothing imported (--skip-invalid imports the rest)")
    env.stderr.write(f"todo: skipped {where}\n")


async def _linked(
    session: AsyncSession, records: list[Record], name: str, env: Environment, *, skip: bool
) -> list[Record]:
    """Records whose dependencies and templates are in the file or already in the database.

    Checked after the whole file is read, so a task may name one that comes after it."""
    from todo_cli.interchange.records import InvalidRecord
    from todo_cli.service.imports import known_uuids

    while True:
        in_file = {record.get("uuid") for record in records}
        named = {
            uuid
            for record in records
            for uuid in (*record.get("depends", ()), record.get("parent"))
            if uuid is not None and uuid not in in_file
        }
        known = await known_uuids(session, named) if named else set()
        missing = named - known
        if not missing:
            return records
        kept = []
        for record in records:
            lacking = [
                uuid
                for uuid in (*record.get("depends", ()), record.get("parent"))
                if uuid in missing
            ]
            if lacking:
                _refuse(
                    InvalidRecord(record["line"], f"no task has uuid {lacking[0]}"),
                    name,
                    env,
                    skip=skip,
                )
            else:
                kept.append(record)
        records = kept  # a skipped task may have been another's dependency: check again


def export(
    ctx: typer.Context,
    format: Annotated[
        Format, typer.Option("--format", "-f", help="The file's format.")
    ] = Format.TASKWARRIOR,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to FILE (default: stdout).",
            metavar="FILE",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Export every task (any status) for Taskwarrior, todo.txt or scripts."""
    env = invocation(ctx)
    env.stdout.flush()
    if output is None:
        _export(format, env.stdout.buffer, env)
        return
    partial = output.with_name(f".{output.name}.partial")
    try:
        with partial.open("wb") as out:
            _export(format, out, env)
        partial.replace(output)  # a reader never sees half a file
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)


def _export(chosen: Format, out: IO[bytes], env: Environment) -> None:
    from todo_cli.cli import exporting

    async def work(session: AsyncSession, user: User) -> None:
        await exporting.write(chosen, session, user, out)

    run_for_user(work, env)
