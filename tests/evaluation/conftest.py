"""Per-test benchmark folders (see benchmark_files.py for the layouts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmark_files import (
    rl_row,
    write_mathverse_hf_parquet,
    write_mathvista_github,
    write_mmmath,
    write_rl_parquet,
)


@pytest.fixture
def benchmark_dirs(tmp_path: Path) -> dict[str, Path]:
    """One folder per paper benchmark plus an RL parquet of six questions."""
    return {
        "mathvista": write_mathvista_github(tmp_path / "MathVista"),
        "mathverse": write_mathverse_hf_parquet(tmp_path / "MathVerse"),
        "mm_math": write_mmmath(tmp_path / "MM_Math"),
        "rl": write_rl_parquet(tmp_path / "heldout.parquet", [rl_row(i, str(i + 5)) for i in range(6)]),
    }
