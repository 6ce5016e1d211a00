"""Notes on a task (Taskwarrior's annotations): timestamped lines, in order."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_cli.errors import NotFoundError
from todo_cli.models import NOTE_MAX_LENGTH, Task, TaskNote, User
from todo_cli.service import journal
from todo_cli.service.tasks import get_tasks
from todo_cli.service.validation import clean_line


def clean_note(text: str) -> str:
    """The same rules as a title: one line, not empty, not too long, no control characters."""
    return clean_line(text, "note", NOTE_MAX_LENGTH)


async def add_note(
    session: AsyncSession, *, user: User, number: int, text: str, command: str = "note"
) -> Task:
    """Append a note; the task counts as changed (updated_at moves, the journal records it)."""
    cleaned = clean_note(text)
    task, before = await _locked(session, user, number)
    assert user.id is not None
    task.notes.append(TaskNote(user_id=user.id, text=cleaned))
    return await _touched(session, user, task, before, command)


async def delete_note(
    session: AsyncSession, *, user: User, number: int, position: int | str, command: str = "note"
) -> Task:
    """Remove the ``position``-th note (1-based, as `todo show` numbers them), or the first
    whose text matches ``position`` when it is text (`todo denotate`)."""
    task, before = await _locked(session, user, number)
    if isinstance(position, str):
        position = matching_note(task, position)
    if not 1 <= position <= len(task.notes):
        raise NotFoundError(f"task {number} has no note {position} (it has {len(task.notes)})")
    del task.notes[position - 1]
    return await _touched(session, user, task, before, command)


def matching_note(task: Task, pattern: str) -> int:
    """The note Taskwarrior's denotate removes: the first whose text is ``pattern``, else
    the first containing it; else, when ``pattern`` is a number, the note at that place."""
    texts = [note.text for note in task.notes]
    for matches in (lambda text: text == pattern, lambda text: pattern in text):
        found = next((at for at, text in enumerate(texts, 1) if matches(text)), None)
        if found is not None:
            return found
    if pattern.isdigit():
        return int(pattern)
    raise NotFoundError(f"task {task.number} has no note matching {pattern!r}")


async def _locked(
    session: AsyncSession, user: User, number: int
) -> tuple[Task, dict[int, journal.Snapshot]]:
    task = (await get_tasks(session, user=user, numbers=[number], lock=True))[0]
    return task, journal.snapshots([task])


async def _touched(
    session: AsyncSession,
    user: User,
    task: Task,
    before: dict[int, journal.Snapshot],
    command: str,
) -> Task:
    # A note alone changes no column, so no UPDATE would move updated_at by itself.
    task.updated_at = await journal.transaction_now(session)
    await session.flush()
    entries = journal.changes([task], before)
    await journal.record(session, user=user, command=command, entries=entries)
    return task
