"""`vision-r1 eval --backend vllm` for real: vLLM's CPU build (the GPU path's engine) on the tiny sets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.timeout(600)
def test_vllm_backend_scores_every_benchmark(
    tiny_model_dir: Path, benchmark_dirs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "eval"
    specs = [arg for kind, path in benchmark_dirs.items() for arg in ("-b", f"{kind}={path}")]
    done = subprocess.run(
        [sys.executable, "-m", "vision_r1.cli", "eval", str(tiny_model_dir), *specs, "--out-dir", str(out),
         "--backend", "vllm", "--max-new-tokens", "8"],
        capture_output=True, text=True, timeout=540, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["settings"]["backend"] == "vllm"
    counts = {name: result["items"] for name, result in summary["benchmarks"].items()}
    assert counts == {"mathvista": 3, "mathverse": 4, "mm_math": 3, "heldout": 6}
    for name, count in counts.items():
        records = [json.loads(line) for line in (out / name / "results.jsonl").read_text().splitlines()]
        assert len(records) == count
        assert all(1 <= r["num_tokens"] <= 8 for r in records)
        assert not any(r["truncated"] for r in records if r["num_tokens"] < 8)  # stopped early = ended
