"""`newstally init`: editable copies of the shipped watchlist, calendar and feed list, and how to use them."""

from __future__ import annotations

import argparse
import shlex
import shutil
from pathlib import Path

from newstally import settings
from newstally.handles import UsageError


def cmd_init(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"cannot write into {folder}: it is a file, not a folder")
    targets = [(shipped, folder / shipped.name) for shipped in settings.SHIPPED_FILES]
    existing = [str(target) for _, target in targets if target.exists()]
    if existing and not args.force:
        raise UsageError(f"{', '.join(existing)} already exist(s): keep your edits, or pass --force to overwrite")
    folder.mkdir(parents=True, exist_ok=True)
    for shipped, target in targets:
        shutil.copyfile(shipped, target)
    watchlist, events, feeds = (shlex.quote(str(target.resolve())) for _, target in targets)
    print(
        f"wrote {', '.join(str(target) for _, target in targets)}: edit them, then point newstally at them:\n"
        f"  export NEWSTALLY_WATCHLIST={watchlist}   # or --watchlist {watchlist}\n"
        f"  export NEWSTALLY_EVENTS={events}   # the calendar of a new warehouse\n"
        f"  newstally events load {events}   # into a warehouse that exists already\n"
        f"  newstally feeds import {feeds}\n"
        "After editing the watchlist of a warehouse that has articles, run 'newstally retally'."
    )
    return 0
