"""The processes a test started and the ones they started: listed, and whether each still runs."""

from __future__ import annotations

import subprocess
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """Every process below `pid`: its children, theirs, and so on (pgrep -P, level by level)."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        listing = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True, check=False)
        kids = [int(line) for line in listing.stdout.split()]
        found += kids
        frontier += kids
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs: it exists and is not a zombie waiting for its parent."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
