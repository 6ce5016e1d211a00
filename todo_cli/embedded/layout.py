"""One embedded cluster as its lifecycle sees it: the data dir, who runs it, with which programs.

Shared by the lifecycle (``cluster``) and the major upgrade (``upgrade``),
which runs the same cluster with an older major's programs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from todo_cli.embedded.account import ServerAccount, run_program
from todo_cli.embedded.server import pgdata_path


@dataclass(frozen=True)
class Cluster:
    data_dir: Path
    account: ServerAccount
    binaries: Path

    @property
    def pgdata(self) -> Path:
        return pgdata_path(self.data_dir)

    @property
    def log(self) -> Path:
        return self.pgdata / "server.log"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "lock"

    def run(
        self, program: str, *args: str, stdin: str | None = None, secret: str = "", **how: Any
    ) -> str:
        return run_program(
            self.account,
            self.binaries / program,
            args,
            log=how.pop("log", self.log),
            stdin=stdin,
            secret=secret,
            **how,
        )
