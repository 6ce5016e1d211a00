"""Resolving a path without following a symlink another user controls (todo_cli.trusted_paths).

The links "another user" places are made by a real `nobody` process.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import shared_directory, symlink_as
from todo_cli.trusted_paths import UntrustedPathError, real_path

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="switches users: needs root")


@pytest.fixture
def base() -> Iterator[Path]:
    """A temporary directory `nobody` can get through (tmp_path's parents are private)."""
    directory = Path(tempfile.mkdtemp(prefix="todo-trust-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)


@pytest.fixture
def target(base: Path) -> Path:
    """Where a planted link points: a directory of ours (as /etc is root's)."""
    directory = base / "etc"
    directory.mkdir()
    return directory


@needs_root
@pytest.mark.parametrize("tail", ["", "todo", "todo/deeper"])
def test_a_symlink_another_user_placed_in_a_sticky_directory_is_refused_by_name(base, target, tail):
    link = shared_directory(base) / "td"
    symlink_as("nobody", link, target)
    with pytest.raises(UntrustedPathError) as refused:
        real_path(str(link / tail))
    assert f"{link} is a symlink placed by another user (uid 65534)" in str(refused.value)


@needs_root
def test_a_symlink_a_trusted_symlink_leads_to_is_checked_too(base, target):
    shared = shared_directory(base)
    planted = shared / "td"
    symlink_as("nobody", planted, target)
    ours = base / "ours"
    ours.symlink_to(planted)
    with pytest.raises(UntrustedPathError, match=f"{planted} is a symlink placed by"):
        real_path(str(ours / "todo"))


def test_our_own_symlink_in_a_sticky_directory_is_followed(base, target):
    link = shared_directory(base) / "mine"
    link.symlink_to(target)
    assert real_path(str(link / "todo")) == str(target / "todo")


def test_a_symlink_in_a_directory_only_we_write_is_followed(base, target):
    link = base / "var"
    link.symlink_to("etc")  # relative, as /var -> private/var
    assert real_path(str(link / "a" / ".." / "b")) == str(target / "b")
    assert real_path(str(link)) == os.path.realpath(link)


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_directory_others_can_write_that_is_not_sticky_is_refused(tmp_path, mode):
    shared = shared_directory(tmp_path, mode)
    (shared / "todo").mkdir()
    with pytest.raises(UntrustedPathError, match=f"{shared} can be written by other users"):
        real_path(str(shared / "todo" / "data"))


@needs_root
def test_another_users_directory_is_one_others_can_write(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chown(theirs, 65534, 65534)
    (theirs / "todo").mkdir()
    with pytest.raises(UntrustedPathError, match=f"{theirs} can be written by other users"):
        real_path(str(theirs / "todo"))


def test_missing_components_are_kept_as_given(tmp_path):
    assert real_path(str(tmp_path / "a" / "b")) == str(tmp_path / "a" / "b")


def test_a_symlink_loop_is_an_os_error(tmp_path):
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(OSError, match="Too many levels of symbolic links"):
        real_path(str(tmp_path / "loop" / "x"))
