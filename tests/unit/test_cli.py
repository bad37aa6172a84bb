"""The front door dispatches to each part's own entry point with the part's arguments unchanged."""
from __future__ import annotations

import importlib

import pytest

from cli.__main__ import COMMANDS, main


def test_every_command_reaches_an_entry_point():
    for name, (module, function, _front, _help) in COMMANDS.items():
        assert callable(getattr(importlib.import_module(module), function)), name


def test_help_and_unknown(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"  {name}" in out for name in COMMANDS)
    assert main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_arguments_pass_through(monkeypatch):
    seen = {}
    monkeypatch.setattr("pipeline.release.main", lambda argv: seen.setdefault("argv", argv) and 0)
    assert main(["publish", "--month", "202412", "--force"]) == 0
    assert seen["argv"] == ["publish", "--month", "202412", "--force"]


def test_a_part_parses_its_own_arguments():
    with pytest.raises(SystemExit) as e:
        main(["build", "--no-such-option"])
    assert e.value.code == 2
