"""Forks bot processes from one interpreter that has imported the bot already: a fork is
running in milliseconds where `python -m bot run` spends seconds importing aiogram's types.
Each child is a process of its own, as in production: SIGKILL takes it alone.

Protocol: one JSON line in ({"env", "cwd", "log"}), the child's pid out."""

import json
import os
import signal
import sys

import bot.cli  # the expensive imports, once
from bot.gc_freeze import freeze_startup_heap


def serve() -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # dead children are reaped by the kernel
    for line in sys.stdin:
        request = json.loads(line)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            run_bot(request)
        print(pid, flush=True)


def run_bot(request: dict) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # its own PDF worker needs waiting for
    null = os.open(os.devnull, os.O_RDONLY)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    try:
        code = bot.cli.main(["run"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":
    freeze_startup_heap()  # each child's own start-up collection then leaves the imports alone
    serve()
