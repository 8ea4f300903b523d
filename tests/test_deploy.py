"""The scheduling files in deploy/ parse, and the commands they run exist with those options."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import click
import pytest
import yaml

from blogarchive.cli import main
from tests.helpers import ROOT

DEPLOY = ROOT / "deploy"
CRON_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _check_command(words: list[str]) -> None:
    """`blogarchive SUB [OPTIONS]` parses with the real CLI (nothing is run)."""
    start = next(i for i, w in enumerate(words) if w.endswith("blogarchive"))
    args = words[start + 1 :]
    ctx = main.make_context("blogarchive", list(args))
    command = main.get_command(ctx, args[0])
    assert command is not None, f"no command {args[0]!r}"
    command.make_context(args[0], args[1:])  # raises click.UsageError on an unknown option


def _cron_field_ok(field: str, low: int, high: int) -> bool:
    for part in field.split(","):
        base = part.split("/")[0]
        if base == "*":
            continue
        bounds = [int(x) for x in base.split("-")]
        if not all(low <= b <= high for b in bounds):
            return False
    return True


def test_crontab_lines() -> None:
    lines = [ln for ln in (DEPLOY / "crontab").read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 2
    for line in lines:
        fields = line.split(None, 5)
        assert all(_cron_field_ok(f, lo, hi) for f, (lo, hi) in zip(fields[:5], CRON_RANGES, strict=True))
        command = fields[5].split("&&")[-1]
        _check_command(shlex.split(command))


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    assert unit.read(DEPLOY / name), name
    return unit


@pytest.mark.parametrize(
    ("name", "full", "days"), [("blogarchive", False, "Mon..Sat"), ("blogarchive-full", True, "Sun")]
)
def test_systemd_units(name: str, full: bool, days: str) -> None:
    """The nightly run six days a week, the --full run on the seventh: as the crontab does."""
    service = _unit(f"{name}.service")
    assert service["Service"]["Type"] == "oneshot"
    command = shlex.split(service["Service"]["ExecStart"])
    _check_command(command)
    assert ("--full" in command) == full
    timer = _unit(f"{name}.timer")
    assert timer["Timer"]["OnCalendar"].startswith(days + " ") and timer["Install"]["WantedBy"] == "timers.target"


def test_the_worker_unit_runs_a_worker_until_stopped() -> None:
    service = _unit("blogarchive-worker.service")
    assert service["Service"]["Type"] == "simple" and service["Install"]["WantedBy"] == "multi-user.target"
    redis_url = service["Service"]["Environment"].split("=", 1)[1]
    command = shlex.split(service["Service"]["ExecStart"].replace("${BLOGARCHIVE_REDIS}", redis_url))
    _check_command(command)
    assert command[command.index("--redis") + 1].startswith("redis://")


def test_scheduled_ci_workflow() -> None:
    workflow = yaml.safe_load((DEPLOY / "github" / "nightly-archive.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    (schedule,) = triggers["schedule"]
    fields = schedule["cron"].split()
    assert all(_cron_field_ok(f, lo, hi) for f, (lo, hi) in zip(fields, CRON_RANGES, strict=True))
    runs = [step["run"] for step in workflow["jobs"]["archive"]["steps"] if "run" in step]
    commands = [line for run in runs for line in run.splitlines() if line.strip().startswith("blogarchive")]
    assert any(" crawl " in c for c in commands) and any(" export " in c for c in commands)
    for command in commands:
        _check_command(shlex.split(command.split("||")[0]))
    assert any("git commit" in run for run in runs)
    # the export is committed, the binary archive is not: it is kept in the Actions cache
    adds = [line for run in runs for line in run.splitlines() if "git add" in line]
    assert adds and not any(".db" in line for line in adds)
    cached = [step for step in workflow["jobs"]["archive"]["steps"] if "actions/cache" in step.get("uses", "")]
    assert {step["with"]["path"] for step in cached} == {"data/blog.db"} and len(cached) == 2


def test_an_unknown_option_is_caught() -> None:
    with pytest.raises(click.UsageError):
        _check_command(["blogarchive", "crawl", "--nightly"])


def test_the_readme_shows_the_schedules() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in ("deploy/crontab", "deploy/blogarchive.service", "deploy/blogarchive.timer",
                 "deploy/blogarchive-full.timer", "deploy/github/nightly-archive.yml", "datasette",
                 "sqlite-utils"):  # fmt: skip
        assert name in readme, name


def test_the_archive_opens_in_the_sqlite_utils_cli(tmp_path: Path) -> None:
    import subprocess
    import sys

    from blogarchive.storage import Archive

    archive = Archive(tmp_path / "a.db")
    archive.save_batch([{"url": "https://b.example/p", "title": "A title", "body_text": "Some body words."}])
    archive.close()
    result = subprocess.run(
        [sys.executable, "-m", "sqlite_utils", "search", str(tmp_path / "a.db"), "posts", "body", "--csv"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "https://b.example/p" in result.stdout
