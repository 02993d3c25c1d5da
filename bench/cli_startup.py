"""How long a `newstally` command takes from the shell, start-up included, beside Python's own floors.

Usage: `python bench/cli_startup.py [WAREHOUSE]`. Without a warehouse file, the demo corpus
(`newstally demo`, about 300,000 articles) is generated into a temporary folder first.
Each command is run RUNS times, the commands taking turns so that a change in the machine's
load touches all of them alike; the figures are medians of wall-clock and of CPU seconds
(user + system, which a busy machine inflates less). The floors: `python -c pass` (the
interpreter) and `python -c "import duckdb"` (the least any warehouse command can take).
The runs write byte-code caches (`__pycache__`) even where PYTHONDONTWRITEBYTECODE is set, as an
installed package has them.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, median, write_section

SECTION = "CLI start-up: --help, series and status from the shell"
RUNS = 9
TARGETS = {"newstally --help": 0.3, "newstally series --entity putin": 0.6}
HEAVY = ("duckdb", "numpy", "pandas", "pyarrow", "httpx", "rich", "streamlit")


def _commands(db: Path) -> dict[str, list[str]]:
    python = sys.executable
    newstally = [python, "-m", "newstally", "--db", str(db)]
    return {
        "python -c pass (floor)": [python, "-c", "pass"],
        'python -c "import duckdb" (floor)': [python, "-c", "import duckdb"],
        "newstally --help": [python, "-m", "newstally", "--help"],
        "newstally series --entity putin": [*newstally, "series", "--entity", "putin"],
        "newstally status": [*newstally, "status"],
    }


def _time_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # status exits 1 when a feed needs attention
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr.decode(errors='replace')}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _heavy_imports(command: list[str], env: dict[str, str]) -> str:
    """The large libraries a command imports, read from `python -X importtime`."""
    traced = [command[0], "-X", "importtime", *command[1:]]
    done = subprocess.run(traced, env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}
    return ", ".join(name for name in HEAVY if name in names) or "none of them"


def _measure(db: Path) -> str:
    # The checkout's code, whatever newstally the environment has installed.
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("NEWSTALLY_DB", None)
    # Byte-code caches as an installed wheel has them: the warm-up run writes the checkout's .pyc files,
    # where PYTHONDONTWRITEBYTECODE would have every run compile its sources again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    commands = _commands(db)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    cpus: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # one warm-up each: the first run reads files from disk
        _time_once(command, env)
    for _ in range(RUNS):
        for name, command in commands.items():
            wall, cpu = _time_once(command, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    load = os.getloadavg()[0]
    rows = [
        f"| `{name}` | {median(walls[name]):.2f} | {median(cpus[name]):.2f} | "
        + (f"under {TARGETS[name]}" if name in TARGETS else "")
        + f" | {_heavy_imports(commands[name], env)} |"
        for name in commands
    ]
    return "\n".join(
        [
            f"Demo warehouse {db.stat().st_size / 1_048_576:,.0f} MB. Median of {RUNS} runs of each command from"
            f" the shell (`{Path(sys.executable).name} -m newstally`), the commands taking turns; load average"
            f" {load:.1f} at the end.",
            "",
            "| command | wall s | CPU s | target | large libraries imported |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )


def run() -> str:
    if len(sys.argv) > 1:
        return _measure(Path(sys.argv[1]))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo.duckdb"
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        subprocess.run([sys.executable, "-m", "newstally", "--db", str(path), "demo"], check=True, env=env)
        return _measure(path)


if __name__ == "__main__":
    body = run()
    write_section(SECTION, body)
    print(body)
