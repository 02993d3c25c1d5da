"""Naming the process that claims feeds, so a fetcher that died can be told from one still at work.

A claim names its holder as host, process id and the process's start time (in
clock ticks since boot, from /proc). The start time guards against a reused
process id: a new process with the dead fetcher's id started later. Only claims
made on this host can be judged; another host's are left to their lease.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path

__all__ = ["is_gone", "this_process"]


@cache
def this_process() -> str:
    """This process as claims name it: "host:pid:start"."""
    return _name(os.getpid())


def is_gone(claimant: str) -> bool:
    """Whether the process that made a claim surely no longer runs (False when it cannot be told)."""
    parts = claimant.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    started = _start_ticks(int(parts[1]))
    return started is None or started != parts[2]


def _name(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{_start_ticks(pid) or ''}"


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks after boot; None when no such process runs (or is a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    # After the command name: state is field 3 of stat(5), starttime field 22.
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]
