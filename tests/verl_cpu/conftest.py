"""Fixtures for the verl-on-CPU tests: small SFT and RL parquets with images."""

from __future__ import annotations

from pathlib import Path

import pytest
from verl_cpu_helpers import write_rl_parquet, write_sft_parquet_file


@pytest.fixture(scope="session")
def sft_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sft_parquet_file(tmp_path_factory.mktemp("sft-data") / "train.parquet", rows=8)


@pytest.fixture(scope="session")
def rl_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_rl_parquet(tmp_path_factory.mktemp("rl-data"), rows=8)
