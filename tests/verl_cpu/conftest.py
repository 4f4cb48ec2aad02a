"""Fixtures for the verl-on-CPU tests: small parquets with images and a supervised verl launcher."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from verl_cpu_helpers import Launcher, write_rl_parquet, write_sft_parquet

from vision_r1.verl_cpu.launch import cpu_env
from vision_r1.verl_cpu.supervise import RunResult, run_supervised


@pytest.fixture(scope="session")
def sft_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sft_parquet(tmp_path_factory.mktemp("sft-data") / "train.parquet", rows=8)


@pytest.fixture(scope="session")
def rl_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_rl_parquet(tmp_path_factory.mktemp("rl-data") / "train.parquet", rows=8)


@pytest.fixture
def launch_verl(tmp_path: Path) -> Launcher:
    """Run a verl command on the CPU platform with a hard timeout; metrics go to `metrics_path`."""

    def launch(
        command: list[str], *, name: str, metrics_path: Path, timeout_s: float, stop_when=None
    ) -> RunResult:
        env = {**os.environ, **cpu_env(), "VERL_FILE_LOGGER_PATH": str(metrics_path)}
        return run_supervised(
            command,
            env=env,
            log_path=tmp_path / f"{name}.log",
            timeout_s=timeout_s,
            cwd=tmp_path,
            stop_when=stop_when,
        )

    return launch
