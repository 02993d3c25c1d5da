"""The systemd units in deploy/systemd/ start commands the CLI accepts, so they cannot rot silently.

Each ExecStart is parsed by the CLI's own parser (a renamed command or option fails here),
each NEWSTALLY_* variable the units and the environment file name is one newstally reads,
and the folders DuckDB writes to are writable under the units' hardening.
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest

from newstally.cli import build_parser
from tests.conftest import REPO_ROOT

UNITS = REPO_ROOT / "deploy" / "systemd"
SERVICES = sorted(UNITS.glob("*.service"))
ENV_EXAMPLE = UNITS / "newstally.env.example"
SOURCE_PACKAGES = ("newstally", "warehouse", "ingest", "dashboard", "api", "alerts")


class _Repeated(dict):
    """Keeps every value of a key systemd allows to repeat (ExecStart=, Environment=), one per line."""

    def __setitem__(self, key: str, value: object) -> None:
        if isinstance(value, list) and isinstance(self.get(key), list):
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


def _unit(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, dict_type=_Repeated, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser


def _values(unit: configparser.RawConfigParser, key: str) -> list[str]:
    return [line for line in unit.get("Service", key, fallback="").splitlines() if line.strip()]


def _environment(unit: configparser.RawConfigParser) -> dict[str, str]:
    return dict(line.split("=", 1) for line in _values(unit, "Environment"))


def test_there_is_a_unit_for_each_long_running_process() -> None:
    assert [path.name for path in SERVICES] == [
        "newstally-api.service",
        "newstally-dashboard.service",
        "newstally-schedule.service",
    ]


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.stem)
def test_every_exec_start_is_a_command_line_the_cli_accepts(path: Path) -> None:
    lines = _values(_unit(path), "ExecStart")
    assert lines, f"{path.name} has no ExecStart"
    for line in lines:
        argv = shlex.split(line.lstrip("@-:+!"))
        assert argv[0] == "/opt/newstally/.venv/bin/newstally", line
        try:
            args = build_parser().parse_args(argv[1:])
        except SystemExit as stopped:  # argparse's way to refuse a command line
            pytest.fail(f"{path.name}: the CLI refuses {line!r} (exit {stopped.code})")
        # The unit is named after the command it runs.
        assert path.stem == f"newstally-{args.command}"


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.stem)
def test_each_unit_runs_as_the_service_user_restarts_and_reads_the_environment_file(path: Path) -> None:
    unit = _unit(path)
    assert unit.get("Service", "User") == "newstally"
    assert unit.get("Service", "Restart") == "on-failure"
    assert unit.get("Service", "EnvironmentFile") == "/etc/newstally/newstally.env"
    assert unit.get("Service", "ProtectSystem") == "strict"
    assert unit.get("Install", "WantedBy") == "multi-user.target"


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: path.stem)
def test_duckdbs_extension_and_spill_folders_are_writable_under_the_hardening(path: Path) -> None:
    """ProtectSystem=strict leaves only these writable: the unit's State/Cache directories, its
    ReadWritePaths, and /tmp and /var/tmp when PrivateTmp gives it its own."""
    unit = _unit(path)
    writable = [f"/var/lib/{name}" for name in unit.get("Service", "StateDirectory", fallback="").split()]
    writable += [f"/var/cache/{name}" for name in unit.get("Service", "CacheDirectory", fallback="").split()]
    writable += [entry.lstrip("-") for entry in unit.get("Service", "ReadWritePaths", fallback="").split()]
    if unit.getboolean("Service", "PrivateTmp", fallback=False):
        writable += ["/tmp", "/var/tmp"]
    environment = _environment(unit)
    for variable in ("NEWSTALLY_EXTENSION_DIRECTORY", "NEWSTALLY_TEMP_DIRECTORY"):
        folder = Path(environment[variable])
        assert any(folder.is_relative_to(root) for root in writable), f"{path.name}: {variable}={folder}"


def _variables_newstally_reads() -> set[str]:
    names: set[str] = set()
    for package in SOURCE_PACKAGES:
        for source in (REPO_ROOT / package).rglob("*.py"):
            names |= set(re.findall(r"\bNEWSTALLY_[A-Z0-9_]+\b", source.read_text(encoding="utf-8")))
    return names


def test_every_newstally_variable_the_units_and_the_environment_file_set_is_one_newstally_reads() -> None:
    known = _variables_newstally_reads()
    named = set(re.findall(r"\bNEWSTALLY_[A-Z0-9_]+\b", ENV_EXAMPLE.read_text(encoding="utf-8")))
    for path in SERVICES:
        named |= set(_environment(_unit(path)))
    assert {"NEWSTALLY_DB", "NEWSTALLY_S3_KEY_ID", "NEWSTALLY_TEMP_DIRECTORY"} <= named
    assert sorted(named - known) == []


def test_the_environment_file_example_sets_a_lake_without_a_password_in_it() -> None:
    settings = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    target = shlex.split(settings["NEWSTALLY_DB"])[0]
    assert target.startswith("ducklake:postgres:dbname=")
    assert "password" not in target
    assert settings["PGPASSFILE"] == "/etc/newstally/pgpass"
