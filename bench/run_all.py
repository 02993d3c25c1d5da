"""Run every benchmark in bench/ and write its section of docs/benchmarks.md (`make bench`).

A benchmark module offers `main()` (it writes its own section) or `run() -> str` with a
`SECTION` name; modules are run in name order, each in this process.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_section

# Section names of the benchmarks written before SECTION constants existed.
_SECTIONS = {"concurrency": "Concurrency: readers beside a writer"}
_NOT_BENCHMARKS = {"__init__", "common", "run_all"}


def main() -> None:
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        name = path.stem
        if name in _NOT_BENCHMARKS:
            continue
        module = importlib.import_module(f"bench.{name}")
        print(f"== bench/{name}.py", flush=True)
        if hasattr(module, "main"):
            saved, sys.argv = sys.argv, [str(path)]
            try:
                module.main()
            finally:
                sys.argv = saved
        elif hasattr(module, "run"):
            body = module.run()
            write_section(getattr(module, "SECTION", _SECTIONS.get(name, name)), body)
            print(body)


if __name__ == "__main__":
    main()
