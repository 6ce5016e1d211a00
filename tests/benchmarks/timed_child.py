"""Run one command, its stdout a pipe drained here; print "seconds max_rss_kib lines exit_code".

    python -I -S timed_child.py COMMAND [ARGS...]

Linux keeps a process's peak RSS across exec, so a child forked from a big
process (the benchmark after building 100,000 tasks) would report at least the
parent's size. Forking from this small interpreter, which imports nothing but
builtins, keeps that floor at the size of a bare Python.
"""

import os
import sys
import time


def main() -> None:
    argv = sys.argv[1:]
    read_end, write_end = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        child(argv, write_end, read_end)
    os.close(write_end)
    lines = 0
    while chunk := os.read(read_end, 1 << 16):
        lines += chunk.count(b"\n")
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    sys.stdout.write(f"{elapsed} {usage.ru_maxrss} {lines} {code}\n")


def child(argv: list[str], stdout: int, unused: int) -> None:
    try:
        os.dup2(stdout, 1)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.close(stdout)
        os.close(unused)
        os.execvp(argv[0], argv)
    except OSError as exc:
        os.write(2, f"timed_child: {argv[0]}: {exc.strerror}\n".encode())
    os._exit(127)


if __name__ == "__main__":
    main()
