"""Every CLI sub-command answers --help, and the cheap commands do what they say."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from vision_r1.cli import app

runner = CliRunner()


def _all_command_paths() -> list[list[str]]:
    """Walk the click tree so new sub-commands are covered without editing this test."""
    paths: list[list[str]] = []

    def walk(command, prefix: list[str]) -> None:
        paths.append(prefix)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*prefix, name])

    walk(get_command(app), [])
    return paths


@pytest.mark.parametrize("path", _all_command_paths(), ids=lambda p: " ".join(p) or "root")
def test_help_for_every_command(path: list[str]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_version_lists_frameworks() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert "vision-r1 " in result.output and "verl 0.9.1" in result.output


def test_tiny_model_command_writes_a_model(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tiny-model", str(tmp_path / "m"), "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m" / "model.safetensors").is_file()
    assert (tmp_path / "m" / "tokenizer.json").is_file()


def test_smoke_prints_generation(tiny_model_dir: Path) -> None:
    result = runner.invoke(app, ["smoke", "--model-dir", str(tiny_model_dir), "--max-new-tokens", "3"])
    assert result.exit_code == 0, result.output
    assert "generated (3 tokens" in result.output
