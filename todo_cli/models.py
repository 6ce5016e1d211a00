"""Tables ``users`` and ``tasks`` and the shapes tasks take on the way in and out.

``TaskBase -> TaskCreate / TaskUpdate -> Task(table=True) -> TaskRead``.
Timestamps are ``timestamptz`` set by the database: ``now()`` on insert and on
every update, ORM or Core. ``eager_defaults`` fetches them back with RETURNING
so an async session never has to lazy-load an expired column.
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import PlainSerializer
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    any_,
    case,
    func,
    inspect,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB  # ARRAY: has contains() (@>)
from sqlalchemy.orm import Mapped, aliased, column_property, relationship
from sqlmodel import AutoString, Field, Relationship, SQLModel, col

TITLE_MAX_LENGTH = 500
NOTE_MAX_LENGTH = 2000
# Tags and projects are labels shown in a table column: a few words at most.
TAG_MAX_LENGTH = 64
PROJECT_MAX_LENGTH = 128

# Named constraints make migrations reviewable and downgrades deterministic.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DELETED = "deleted"
    # A recurring series' template (Taskwarrior's status of the same name): never
    # listed as pending; its instances are pending tasks linked to it.
    RECURRING = "recurring"


class RecurrenceType(StrEnum):
    """How a series finds its next due date (Taskwarrior's ``rtype``)."""

    PERIODIC = "periodic"  # the previous instance's due + the period (Taskwarrior)
    CHAINED = "chained"  # the moment the previous instance was completed + the period


class AttributeType(StrEnum):
    """The value types a user-defined attribute may hold (Taskwarrior's ``uda.*.type``)."""

    STRING = "string"
    NUMERIC = "numeric"
    DATE = "date"
    DURATION = "duration"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def _timestamp(*, on_update: bool = False) -> Any:
    kwargs: dict[str, Any] = {"server_default": func.now()}
    if on_update:
        kwargs["onupdate"] = func.now()
    return Field(
        default=None, sa_type=DateTime(timezone=True), nullable=False, sa_column_kwargs=kwargs
    )


def _identity() -> Any:
    """A bigint id only the database picks (GENERATED ALWAYS; migration 0004)."""
    return Field(
        default=None, primary_key=True, sa_type=BigInteger, sa_column_args=[Identity(always=True)]
    )


def _owner() -> Any:
    """The user a row belongs to; their rows go with them (row-level security keys on it)."""
    return Field(
        sa_type=BigInteger,
        sa_column_args=[ForeignKey("users.id", ondelete="CASCADE")],
        nullable=False,
    )


def _check_in(column: str, values: type[StrEnum]) -> str:
    allowed = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({allowed})"


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (Index("ux_users_email_lower", text("lower(email)"), unique=True),)
    __mapper_args__ = {"eager_defaults": True}

    id: int | None = _identity()
    email: str = Field(max_length=320)
    # The last short task number handed out: bumped under the row lock, so
    # concurrent adds never share a number and purged numbers are never reused.
    last_task_number: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The active context's name (contexts.name), or None: kept here, in the database,
    # so it follows the person to every machine that uses this database.
    context: str | None = Field(default=None, sa_type=Text)
    created_at: datetime | None = _timestamp()
    updated_at: datetime | None = _timestamp(on_update=True)


class UserCredential(SQLModel, table=True):
    """A password verifier; the shared role can never read it (todo_cli/db/policies.py).

    The client derives ``argon2id(password, salt)`` and the database keeps only
    the SHA-256 of that key, so neither the password nor anything that logs in
    is stored.
    """

    __tablename__ = "user_credentials"

    user_id: int = Field(
        primary_key=True,
        sa_type=BigInteger,
        sa_column_args=[ForeignKey("users.id", ondelete="CASCADE")],
        sa_column_kwargs={"autoincrement": False},
    )
    email: str = Field(sa_type=Text, unique=True)  # lower-cased: the login name
    salt: bytes = Field(sa_type=LargeBinary)
    time_cost: int
    memory_kib: int
    parallelism: int
    verifier: bytes = Field(sa_type=LargeBinary)
    updated_at: datetime | None = _timestamp(on_update=True)


class UserSession(SQLModel, table=True):
    """A login: the SHA-256 of its token (the token itself is only in the keyring)."""

    __tablename__ = "user_sessions"

    id: int | None = _identity()
    user_id: int = Field(
        sa_type=BigInteger,
        sa_column_args=[ForeignKey("users.id", ondelete="CASCADE")],
        nullable=False,
        index=True,
    )
    token_hash: bytes = Field(sa_type=LargeBinary, unique=True)
    created_at: datetime | None = _timestamp()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AuthState(SQLModel, table=True):
    """One row: the key for fake salts of unknown emails, and the implicit local user."""

    __tablename__ = "todo_auth"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    salt_key: bytes = Field(sa_type=LargeBinary)
    local_user_id: int | None = Field(
        default=None,
        sa_type=BigInteger,
        sa_column_args=[ForeignKey("users.id", ondelete="SET NULL")],
    )


class TaskBase(SQLModel):
    # The column holds TITLE_MAX_LENGTH characters; the length rule itself lives in
    # service.validation (after stripping), so a long title is a usage error, not
    # a pydantic ValidationError raised while building a TaskCreate.
    title: str = Field(sa_type=AutoString(length=TITLE_MAX_LENGTH))
    description: str | None = Field(default=None, sa_type=Text)
    priority: Priority | None = Field(default=None, sa_type=String(6))
    due: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    tags: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(Text),
        nullable=False,
        sa_column_kwargs={"server_default": "{}"},
    )
    project: str | None = Field(default=None, sa_type=Text)
    # Planning (migration 0005). A task is waiting while ``wait`` is in the future;
    # no status says so, so it comes back by itself.
    wait: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    scheduled: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # The period as typed and checked (``weekly``, ``3d``): on a template and its instances.
    recur: str | None = Field(default=None, sa_type=Text)
    # User-defined attributes' values by name (definitions: table attribute_definitions).
    udas: dict[str, Any] = Field(
        default_factory=dict,
        sa_type=JSONB,
        nullable=False,
        sa_column_kwargs={"server_default": "{}"},
    )


class TaskCreate(TaskBase):
    pass


class TaskUpdate(SQLModel):
    """Only the fields a caller set are applied (``model_dump(exclude_unset=True)``)."""

    title: str | None = None
    description: str | None = None
    priority: Priority | None = None
    due: datetime | None = None
    project: str | None = None
    wait: datetime | None = None
    scheduled: datetime | None = None
    until: datetime | None = None
    recur: str | None = None  # a template's period (service/recurrence.py)
    rtype: RecurrenceType | None = None


# What the reports read besides user_id and status (the covering index's payload).
REPORT_COLUMNS = ("project", "created_at", "completed_at", "started_at", "updated_at")


class Task(TaskBase, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ux_tasks_user_number", "user_id", "number", unique=True),
        Index("ix_tasks_user_status_due", "user_id", "status", "due"),
        # The reports and `todo projects` (service/reports.py): every column they read,
        # so they scan only the user's index entries, never the heap pages that the
        # user's rows share with everyone else's (migration 0006).
        Index(
            "ix_tasks_user_reports",
            "user_id",
            "status",
            postgresql_include=list(REPORT_COLUMNS),
        ),
        # A series' occurrence exists once, however many clients complete at once.
        Index(
            "ux_tasks_template_occurrence",
            "template_id",
            "occurrence",
            unique=True,
            postgresql_where=text("template_id IS NOT NULL"),
        ),
        # "Which tasks does this one block?": depends @> ARRAY[uuid] AND depends <> '{}'
        # (the predicate is what lets the planner use this partial index).
        Index(
            "ix_tasks_depends",
            "depends",
            postgresql_using="gin",
            postgresql_where=text("depends <> '{}'"),
        ),
        # Filters by user-defined attributes: `udas @> {"size": "L"}`, `udas ? 'size'`.
        Index(
            "ix_tasks_udas",
            "udas",
            postgresql_using="gin",
            postgresql_where=text("udas <> '{}'::jsonb"),
        ),
        # The expiry step's query (service/expiry.py), run by every command: only
        # pending tasks with an until are in it, so it stays small and cheap.
        Index(
            "ix_tasks_user_until",
            "user_id",
            "until",
            postgresql_where=text("status = 'pending' AND until IS NOT NULL"),
        ),
        CheckConstraint(_check_in("status", Status), name="status"),
        CheckConstraint(_check_in("priority", Priority), name="priority"),
        CheckConstraint(_check_in("rtype", RecurrenceType), name="rtype"),
        # An instance has its place in the series; one whose template was purged keeps it
        # (the foreign key sets template_id null), so only this direction is a rule.
        CheckConstraint("template_id IS NULL OR occurrence IS NOT NULL", name="occurrence"),
    )
    __mapper_args__ = {"eager_defaults": True}

    id: int | None = _identity()
    uuid: uuid_module.UUID = Field(
        default_factory=uuid_module.uuid4,
        nullable=False,
        unique=True,
        sa_column_kwargs={"server_default": func.gen_random_uuid()},
    )
    number: int = Field(nullable=False)
    user_id: int = _owner()
    status: Status = Field(
        default=Status.PENDING,
        sa_type=String(9),
        nullable=False,
        sa_column_kwargs={"server_default": Status.PENDING.value},
    )
    created_at: datetime | None = _timestamp()
    updated_at: datetime | None = _timestamp(on_update=True)
    completed_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    started_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # Recurrence: a template (status recurring) carries recur and rtype; an instance
    # names its template and its place in the series (the unique index above).
    rtype: RecurrenceType | None = Field(default=None, sa_type=String(8))
    template_id: int | None = Field(
        default=None,
        sa_type=BigInteger,
        sa_column_args=[ForeignKey("tasks.id", ondelete="SET NULL")],
    )
    occurrence: int | None = None  # 0: the template's own due (Taskwarrior's imask)
    # The uuids of the tasks this one waits for (Taskwarrior's depends). An array, as
    # Taskwarrior keeps it, so a task's snapshot (journal, undo, export) carries it.
    depends: list[uuid_module.UUID] = Field(
        default_factory=list,
        sa_type=ARRAY(Uuid),
        nullable=False,
        sa_column_kwargs={"server_default": "{}"},
    )
    # What an imported task carried that todo does not act on (a Taskwarrior field,
    # a todo.txt priority letter or key:value), kept so an export gives it back.
    extra: dict[str, Any] = Field(
        default_factory=dict,
        sa_type=JSONB,
        nullable=False,
        sa_column_kwargs={"server_default": "{}"},
    )
    # An instance's template, loaded as notes are (one query per statement, only
    # when some task has one): its short number is the JSON's ``template``.
    series: Mapped[Task | None] = Relationship(
        sa_relationship=relationship(
            "Task",
            remote_side="Task.id",
            foreign_keys="Task.template_id",
            lazy="selectin",
            join_depth=1,  # self-referential: eager loading needs a depth (a template has none)
        )
    )

    @property
    def dependency_numbers(self) -> list[int]:
        """The short IDs of the tasks in ``depends``, ascending (as loaded with the row)."""
        loaded: list[int] | None = inspect(self).dict.get("loaded_dependency_numbers")
        if loaded is not None:
            return loaded
        if not self.depends:  # a task made in this session, with no dependencies
            return []
        raise RuntimeError(f"task {self.number}: dependency numbers were never loaded")

    # Loaded with every task in one extra query per statement (selectin), never
    # one per task; the database deletes them with the task (passive_deletes).
    notes: Mapped[list[TaskNote]] = Relationship(
        # Named and typed for SQLAlchemy: SQLModel cannot read postponed annotations.
        sa_relationship=relationship(
            "TaskNote",
            lazy="selectin",
            order_by="TaskNote.id",
            cascade="all, delete-orphan",
            passive_deletes=True,
        )
    )

    @property
    def template_number(self) -> int | None:
        """The short ID of the template that made this task (None: not an instance)."""
        if self.template_id is None:  # no template to load (nor to lazy-load, detached)
            return None
        return None if self.series is None else self.series.number


class Context(SQLModel, table=True):
    """A named filter (Taskwarrior's context) that narrows every listing and bulk
    selection while active; its tags and project also go to every ``add``."""

    __tablename__ = "contexts"
    __table_args__ = (Index("ux_contexts_user_name", "user_id", "name", unique=True),)
    __mapper_args__ = {"eager_defaults": True}

    id: int | None = _identity()
    user_id: int = _owner()
    name: str = Field(sa_type=Text, nullable=False)
    # The filter words as typed (``+work or project:office``), read again on each use.
    words: list[str] = Field(sa_type=ARRAY(Text), nullable=False)
    created_at: datetime | None = _timestamp()


class AttributeDefinition(SQLModel, table=True):
    """A user-defined attribute (Taskwarrior's ``uda.NAME.*``), one person's own."""

    __tablename__ = "attribute_definitions"
    __table_args__ = (
        Index("ux_attribute_definitions_user_name", "user_id", "name", unique=True),
        CheckConstraint(_check_in("type", AttributeType), name="type"),
    )
    __mapper_args__ = {"eager_defaults": True}

    id: int | None = _identity()
    user_id: int = _owner()
    name: str = Field(sa_type=Text, nullable=False)
    type: AttributeType = Field(sa_type=String(8), nullable=False)
    allowed: list[str] | None = Field(default=None, sa_type=ARRAY(Text))  # None: any value
    label: str | None = Field(default=None, sa_type=Text)
    # Urgency: ``coefficient`` when the task has any value; ``value_coefficients``
    # per value (Taskwarrior's urgency.uda.NAME[.VALUE].coefficient).
    coefficient: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    value_coefficients: dict[str, float] = Field(
        default_factory=dict,
        sa_type=JSONB,
        nullable=False,
        sa_column_kwargs={"server_default": "{}"},
    )
    created_at: datetime | None = _timestamp()


class TaskNote(SQLModel, table=True):
    """A timestamped line of text on a task (Taskwarrior's annotation)."""

    __tablename__ = "task_notes"
    __table_args__ = (Index("ix_task_notes_task_id_id", "task_id", "id"),)
    __mapper_args__ = {"eager_defaults": True}

    id: int | None = _identity()
    task_id: int | None = Field(
        default=None,
        sa_type=BigInteger,
        sa_column_args=[ForeignKey("tasks.id", ondelete="CASCADE")],
        nullable=False,
    )
    # Every table holding a person's data names its owner (row-level security).
    user_id: int = _owner()
    text: str = Field(sa_type=Text, nullable=False)
    created_at: datetime | None = _timestamp()


class JournalEntry(SQLModel, table=True):
    """One task's state before and after one command; a command's rows share change_id.

    ``before`` null: the command created the task; ``after`` null: it purged it.
    Snapshots are the task's JSON (TaskRead), so history survives a purge
    (task_id is then set null; task_number still names the task).
    """

    __tablename__ = "task_journal"
    __table_args__ = (
        Index("ix_task_journal_user_change", "user_id", text("change_id DESC")),
        Index("ix_task_journal_user_task_number", "user_id", "task_number"),
        # Deleting a task sets its rows' task_id to null: without this index that
        # foreign key read the whole journal, everyone's, for every task deleted.
        Index("ix_task_journal_task_id", "task_id"),
    )

    id: int | None = _identity()
    user_id: int = _owner()
    change_id: int = Field(sa_type=BigInteger, nullable=False)
    task_id: int | None = Field(
        default=None,
        sa_type=BigInteger,
        sa_column_args=[ForeignKey("tasks.id", ondelete="SET NULL")],
    )
    task_number: int = Field(nullable=False)
    command: str = Field(sa_type=Text, nullable=False)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    changed_at: datetime | None = _timestamp()
    undone_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


# Always UTC: a task just added or edited still holds the offset that was typed
# (or the local one) until it is read back, and the same instant must print the
# same way from every command.
IsoTimestamp = Annotated[
    datetime,
    PlainSerializer(
        lambda value: value.astimezone(UTC).isoformat(), return_type=str, when_used="json"
    ),
]


class TaskRead(SQLModel):
    """A task as the JSON contract shows it: every key, ``id`` is the short number."""

    id: int = Field(validation_alias="number")
    uuid: uuid_module.UUID
    title: str
    description: str | None
    status: Status
    priority: Priority | None
    due: IsoTimestamp | None
    tags: list[str]
    project: str | None
    created_at: IsoTimestamp
    updated_at: IsoTimestamp
    completed_at: IsoTimestamp | None
    # Added by the workflow issue; the contract only ever grows.
    started_at: IsoTimestamp | None
    notes: list[NoteRead]
    # Added by the planning issue.
    wait: IsoTimestamp | None
    scheduled: IsoTimestamp | None
    until: IsoTimestamp | None
    recur: str | None
    udas: dict[str, Any]
    # The short IDs of the tasks this one waits for, ascending (the uuids stay inside).
    depends: list[int] = Field(validation_alias="dependency_numbers")
    rtype: RecurrenceType | None  # on a series' template only
    template: int | None = Field(validation_alias="template_number")  # an instance's template


def _dependency_numbers() -> Any:
    """The short numbers of the tasks in ``tasks.depends``, ascending, as SQL."""
    dependency = aliased(Task, name="dependency")
    numbers = (
        select(col(dependency.number))
        .where(
            col(dependency.user_id) == col(Task.user_id),
            col(dependency.uuid) == any_(col(Task.depends)),
        )
        .order_by(col(dependency.number))
        .correlate_except(dependency)
    )
    none: Any = literal_column("'{}'::integer[]", ARRAY(Integer))
    # Most tasks wait for nothing: they skip the subquery (a third of the cost at 10,000).
    array = case(
        (func.cardinality(col(Task.depends)) == 0, none),
        else_=func.array(numbers.scalar_subquery(), type_=ARRAY(Integer)),
    )
    # Not expired by a flush: an async session must never lazy-load it.
    return column_property(array, expire_on_flush=False)


# Loaded with every task row; service/dependencies.py sets it again whenever it
# changes ``depends`` (numbers are never reused, so nothing else makes it stale).
Task.loaded_dependency_numbers = _dependency_numbers()


class NoteRead(SQLModel):
    text: str
    created_at: IsoTimestamp


def task_alias(name: str) -> Any:
    """``tasks`` under another name, its columns made now, at import.

    An alias makes its column proxies on first use: made per command (or first used
    in each of the agent's forked workers) they would bump SQLAlchemy's global
    creation counter, state a worker must not keep (tests/test_agent_state.py).
    """
    alias = aliased(Task, name=name)
    inspect(alias).selectable.c  # noqa: B018 - the point is the side effect
    return alias
