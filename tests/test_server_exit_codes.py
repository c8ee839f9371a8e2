"""``check``, ``export`` and ``recall`` answer a clinic server they cannot read with the exit code
each gives a data folder it cannot read: the --server forms take the same options and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_laptops import cli

COMMANDS = {
    "check": ("check",),
    "export": ("export", "--format", "csv", "-o", "{out}"),
    "recall": ("recall",),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_server_that_cannot_be_reached_exits_as_a_data_folder_that_cannot_be_read(
        command: str, tmp_path: Path) -> None:
    args = [a.format(out=tmp_path / "out.csv") for a in COMMANDS[command]]
    not_a_folder = tmp_path / "a-file"
    not_a_folder.write_text("")
    no_records = tmp_path / "empty"
    no_records.mkdir()
    codes = {cli(*args, "--data-dir", str(folder)).returncode for folder in (not_a_folder, no_records)}
    assert len(codes) == 1 and codes != {0}, codes
    gone = cli(*args, "--server", f"host={tmp_path} port=1 user=nobody dbname=none")
    assert gone.returncode == codes.pop(), gone.stderr
    assert "cannot be reached" in gone.stderr and "Traceback" not in gone.stderr


def test_each_server_form_says_its_exit_code_in_its_help() -> None:
    for command, code in (("check", "2"), ("export", "1"), ("recall", "1")):
        text = " ".join(cli(command, "--help").stdout.split())
        assert f"cannot be reached or read exits {code}, as a data folder" in text, command
