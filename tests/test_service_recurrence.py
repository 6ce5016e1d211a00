"""Recurring series against real PostgreSQL: templates, instances, limits, edits, undo."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from todo_cli.errors import ConflictError, UsageError
from todo_cli.models import RecurrenceType, Status, Task, TaskCreate, TaskUpdate
from todo_cli.service.filters import StatusFilter, TagChanges, TaskFilter
from todo_cli.service.housekeeping import catch_up
from todo_cli.service.journal import snapshot
from todo_cli.service.tasks import (
    add_task,
    complete_tasks,
    edit_task,
    edit_tasks,
    list_tasks,
    purge_tasks,
    remove_tasks,
    reopen_tasks,
    restore_tasks,
)
from todo_cli.service.undo import undo_last
from todo_cli.settings import Settings

DUE = datetime(2027, 1, 31, 9, 0).astimezone()


async def command(session, user, work, *, limit=1):
    """As the runner does: housekeeping, the work, housekeeping, one transaction."""
    settings = Settings(recurrence_limit=limit)
    await catch_up(session, user=user, settings=settings)
    result = await work()
    await catch_up(session, user=user, settings=settings)
    return result


async def add_series(session, user, *, rtype=None, limit=1, **fields):
    fields = {"title": "Pay rent", "due": DUE, "recur": "monthly"} | fields
    task = TaskCreate(**fields)
    return await command(
        session, user, lambda: add_task(session, user=user, task=task, rtype=rtype), limit=limit
    )


async def instances(session, template) -> list[Task]:
    statement = select(Task).where(Task.template_id == template.id)
    return list((await session.exec(statement.order_by(col(Task.occurrence)))).all())


async def test_add_makes_a_template_and_its_first_instance(session, user):
    template = await add_series(session, user, tags=["home"], project="flat", priority="high")
    assert template.status == Status.RECURRING
    assert template.rtype == RecurrenceType.PERIODIC
    [first] = await instances(session, template)
    assert (first.number, first.occurrence, first.status) == (2, 0, Status.PENDING)
    assert first.due == DUE
    assert (first.title, first.tags, first.project, first.recur) == (
        "Pay rent",
        ["home"],
        "flat",
        "monthly",
    )
    assert first.rtype is None  # only the template carries the series' type
    json = snapshot(first)
    assert (json["template"], json["rtype"]) == (1, None)
    assert (snapshot(template)["template"], snapshot(template)["rtype"]) == (None, "periodic")


async def test_a_series_needs_a_due_date(session, user):
    with pytest.raises(UsageError, match="needs a due date"):
        await add_series(session, user, due=None)
    with pytest.raises(UsageError, match="needs recur"):
        await add_task(session, user=user, task=TaskCreate(title="x"), rtype="chained")


async def test_completing_an_instance_makes_the_next_one_month_end_clamped(session, user):
    template = await add_series(session, user)
    for number in (2, 3):
        await command(
            session, user, lambda n=number: complete_tasks(session, user=user, numbers=[n])
        )
    made = await instances(session, template)
    assert [task.due.astimezone().date().isoformat() for task in made] == [
        "2027-01-31",
        "2027-02-28",
        "2027-03-31",
    ]
    assert [task.status for task in made] == [Status.DONE, Status.DONE, Status.PENDING]


async def test_the_limit_keeps_that_many_pending_and_the_listing_hides_the_template(session, user):
    template = await add_series(session, user, limit=3)
    assert [task.occurrence for task in await instances(session, template)] == [0, 1, 2]
    listed = await list_tasks(session, user=user, where=TaskFilter())
    assert [task.number for task in listed] == [2, 3, 4]
    templates = await list_tasks(
        session, user=user, where=TaskFilter(status=StatusFilter.RECURRING)
    )
    assert [task.number for task in templates] == [1]
    plus_template = TaskFilter(status=StatusFilter.ALL, template=True)
    assert [task.number for task in await list_tasks(session, user=user, where=plus_template)] == [
        1
    ]
    plus_instance = TaskFilter(instance=True)
    assert len(await list_tasks(session, user=user, where=plus_instance)) == 3


async def test_nothing_to_do_makes_nothing(session, user):
    template = await add_series(session, user)
    for _ in range(3):
        await command(session, user, lambda: list_tasks(session, user=user, where=TaskFilter()))
    assert len(await instances(session, template)) == 1


async def test_until_ends_a_series(session, user):
    until = DUE + timedelta(days=40)  # room for Jan 31 and Feb 28, not Mar 31
    template = await add_series(session, user, until=until, limit=5)
    made = await instances(session, template)
    assert len(made) == 2
    assert all(task.until == until for task in made)
    # Ended: its template is done, so no later command looks at the series again.
    assert (template.status, template.completed_at is not None) == (Status.DONE, True)
    with pytest.raises(ConflictError, match="template of a recurring series"):
        await command(session, user, lambda: reopen_tasks(session, user=user, numbers=[1]))


async def test_wait_and_scheduled_carry_over_as_offsets_from_due(session, user):
    wait = DUE - timedelta(days=3)
    scheduled = DUE - timedelta(days=1)
    template = await add_series(session, user, wait=wait, scheduled=scheduled, limit=2)
    second = (await instances(session, template))[1]
    assert second.due == datetime(2027, 2, 28, 9, 0).astimezone()
    assert second.wait == datetime(2027, 2, 25, 9, 0).astimezone()
    assert second.scheduled == datetime(2027, 2, 27, 9, 0).astimezone()


async def test_chained_recurs_from_the_completion(session, user):
    template = await add_series(session, user, recur="3d", rtype=RecurrenceType.CHAINED, limit=4)
    assert len(await instances(session, template)) == 1  # it cannot know the next before
    outcome = await command(session, user, lambda: complete_tasks(session, user=user, numbers=[2]))
    done_at = outcome.tasks[0].completed_at
    made = await instances(session, template)
    assert [task.occurrence for task in made] == [0, 1]
    wall = done_at.astimezone().replace(tzinfo=None) + timedelta(days=3)
    assert made[1].due == wall.astimezone()


async def test_deleting_an_instance_makes_the_next_and_deleting_the_template_ends_it(session, user):
    template = await add_series(session, user)
    await command(session, user, lambda: remove_tasks(session, user=user, numbers=[2]))
    made = await instances(session, template)
    assert [task.status for task in made] == [Status.DELETED, Status.PENDING]
    await command(session, user, lambda: remove_tasks(session, user=user, numbers=[1]))
    assert template.status == Status.DELETED
    assert [task.status for task in await instances(session, template)] == [Status.DELETED] * 2
    # Restored, the template recurs again and makes the next occurrence.
    await command(session, user, lambda: restore_tasks(session, user=user, numbers=[1]))
    assert template.status == Status.RECURRING
    made = await instances(session, template)
    assert [(task.occurrence, task.status) for task in made][-1] == (2, Status.PENDING)


async def test_a_template_cannot_be_completed(session, user):
    await add_series(session, user)
    with pytest.raises(ConflictError, match="template of a recurring series"):
        await complete_tasks(session, user=user, numbers=[1])


async def test_editing_a_template_changes_its_pending_instances(session, user):
    template = await add_series(session, user, limit=2)
    await command(session, user, lambda: complete_tasks(session, user=user, numbers=[2]))
    changes = TaskUpdate(title="Pay the rent", recur="quarterly")
    await command(
        session,
        user,
        lambda: edit_task(
            session, user=user, number=1, changes=changes, tags=TagChanges(add=["bills"])
        ),
        limit=2,
    )
    made = await instances(session, template)
    assert made[0].title == "Pay rent"  # done: history stays as it was
    pending = [task for task in made if task.status == Status.PENDING]
    assert [(task.title, task.tags, task.recur) for task in pending] == [
        ("Pay the rent", ["bills"], "quarterly")
    ] * 2
    assert [task.due.astimezone().date().isoformat() for task in pending] == [
        "2027-04-30",  # occurrence 1 of a quarterly series from Jan 31
        "2027-07-31",
    ]


async def test_editing_an_instance_changes_it_or_with_series_the_series(session, user):
    template = await add_series(session, user)
    await edit_task(session, user=user, number=2, changes=TaskUpdate(title="This month"))
    assert template.title == "Pay rent"
    where = TaskFilter(status=StatusFilter.ALL, numbers=[2])
    changes = TaskUpdate(priority="high")
    await edit_tasks(session, user=user, where=where, changes=changes, series=True)
    [instance] = await instances(session, template)
    assert (template.priority, instance.priority) == ("high", "high")
    assert instance.title == "Pay rent"  # the series' fields follow the template
    with pytest.raises(UsageError, match="template's due"):
        await edit_tasks(session, user=user, where=where, changes=TaskUpdate(due=DUE), series=True)


async def test_recur_changes_templates_only_and_cannot_be_cleared(session, user):
    await add_series(session, user)
    await add_task(session, user=user, task=TaskCreate(title="plain"))
    with pytest.raises(ConflictError, match="task 3 is not a series' template"):
        await edit_task(session, user=user, number=3, changes=TaskUpdate(recur="weekly"))
    with pytest.raises(ConflictError, match="task 2 is not a series' template"):
        await edit_task(session, user=user, number=2, changes=TaskUpdate(recur="weekly"))
    with pytest.raises(UsageError, match="cannot be cleared"):
        await edit_task(session, user=user, number=1, changes=TaskUpdate(recur=None))


async def test_one_undo_reverts_a_completion_and_the_instance_it_made(session, user):
    template = await add_series(session, user)
    await session.commit()  # each command is its own change
    await command(session, user, lambda: complete_tasks(session, user=user, numbers=[2]))
    assert len(await instances(session, template)) == 2
    await session.commit()
    await undo_last(session, user=user)
    made = await instances(session, template)
    assert [(task.occurrence, task.status) for task in made] == [(0, Status.PENDING)]


async def test_purging_a_template_leaves_its_instances_as_plain_tasks(session, user):
    template = await add_series(session, user)
    await command(session, user, lambda: remove_tasks(session, user=user, numbers=[1]))
    [instance] = await instances(session, template)
    await purge_tasks(session, user=user, numbers=[1])
    await session.refresh(instance)
    assert (instance.template_id, instance.occurrence) == (None, None)
    assert snapshot(instance)["template"] is None


async def test_a_daily_series_keeps_nine_o_clock_across_dst_in_the_user_s_zone(
    session, user, monkeypatch
):
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        due = datetime(2027, 3, 27, 9).astimezone()  # summer time starts on the 28th
        template = await add_series(session, user, due=due, recur="daily", limit=3)
        made = await instances(session, template)
        assert [task.due.astimezone().isoformat() for task in made] == [
            "2027-03-27T09:00:00+01:00",
            "2027-03-28T09:00:00+02:00",
            "2027-03-29T09:00:00+02:00",
        ]
    finally:
        monkeypatch.undo()
        time.tzset()
