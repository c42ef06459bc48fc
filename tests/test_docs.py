"""The README is checked against the code: its commands and options exist, its exit codes are the
ones the command line uses, and its filter names are the filter vocabulary's."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import typer

from procurewatch.cli import EXIT_CODES, app
from procurewatch.query.filters import FILTERS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _command_lines() -> list[list[str]]:
    lines = []
    for block in re.findall(r"```\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            if line.startswith("procurewatch "):
                lines.append(shlex.split(line.split("  #")[0], comments=True))
    return lines


def _options() -> dict[str, set[str]]:
    group = typer.main.get_command(app)
    return {
        name: {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        for name, command in group.commands.items()
    }


def test_every_readme_command_and_option_exists():
    options = _options()
    lines = _command_lines()
    assert len(lines) >= 10
    for words in lines:
        command = words[1]
        assert command in options, f"README runs unknown command {command!r}"
        for word in words[2:]:
            if word.startswith("-"):
                assert word.split("=")[0] in options[command], f"{command} has no option {word}"


def test_every_command_is_in_the_readme():
    shown = {words[1] for words in _command_lines()}
    assert set(_options()) <= shown


def test_exit_codes_are_documented_as_used():
    table = re.search(r"Exit codes.*?\n\n(\|.*?)\n\n", README, flags=re.S)
    assert table
    documented = {int(code) for code in re.findall(r"^\| `(\d+)` \|", table.group(1), flags=re.M)}
    assert documented == set(EXIT_CODES)


def test_filter_names_are_documented_as_defined():
    section = README.split("### Filters", 1)[1].split("\n## ", 1)[0].split("Values are read", 1)[0]
    documented = set(re.findall(r"`([a-z_]+)`", section.split("Names:", 1)[1]))
    assert documented == set(FILTERS)


def test_benchmarks_named_in_the_readme_exist():
    for script in re.findall(r"^python (bench/\S+\.py)", README, flags=re.M):
        assert (ROOT / script).is_file(), script
