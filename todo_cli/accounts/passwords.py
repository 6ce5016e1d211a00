"""Password stretching with argon2id, on the client.

The password never leaves this process: the database receives
``argon2id(password, salt)`` and keeps only its SHA-256. PostgreSQL has no
argon2 of its own, and the embedded server ships without pgcrypto, so the
slow hash runs here and the database only compares.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from todo_cli.errors import UsageError

SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class KdfParams:
    time_cost: int
    memory_kib: int
    parallelism: int

    def reasonable(self) -> bool:
        """Parameters a client will spend time and memory on (the database could lie)."""
        return (
            1 <= self.time_cost <= 10
            and 8192 <= self.memory_kib <= 1_048_576
            and 1 <= self.parallelism <= 16
        )


# OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane (about 0.1 s here).
# The server fixes them: migration 0004's SERVER_COSTS repeats these numbers,
# and todo_register refuses any others.
DEFAULT_PARAMS = KdfParams(time_cost=2, memory_kib=19456, parallelism=1)


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def derive_key(password: str, salt: bytes, params: KdfParams) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        password.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def check_new_password(password: str) -> str:
    """Registration's policy for a new password (login never applies it)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UsageError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    return password
