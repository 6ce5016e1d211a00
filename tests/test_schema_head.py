"""The head revision the hot path trusts must be the one Alembic computes."""

from todo_cli.db import migrations


def test_head_revision_constant_matches_the_migration_scripts():
    assert migrations.head_revision() == migrations.HEAD_REVISION
