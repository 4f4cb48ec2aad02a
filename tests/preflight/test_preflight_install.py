"""The GPU install brings what the GPU recipes call (defect 2); the cold-start serving notes fit the GPUs
(defect 11); `vision-r1 run --dry-run` exits non-zero when the preflight finds errors."""

from __future__ import annotations

import configparser
import importlib.metadata
import re
from pathlib import Path

import pytest
from preflight_helpers import BEFORE, ROOT, SHIPPED
from typer.testing import CliRunner

from vision_r1.cli import app


def _extras() -> dict[str, list[str]]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    section = config["options.extras_require"]
    return {name: [line.strip() for line in section[name].splitlines() if line.strip()] for name in section}


def test_defect_2_gpu_install_adds_flash_attn_at_verls_own_pin() -> None:
    extras = _extras()
    assert extras["gpu"] == ["verl[vllm]==0.9.1"]
    verl_pin = next(
        requirement.split(";")[0].strip()
        for requirement in importlib.metadata.requires("verl") or []
        if requirement.startswith("flash-attn") and "flash-attn-cu130torch211" in requirement
    )
    assert extras["flash-attn"] == [verl_pin] == ["flash-attn==2.8.3"]
    script = (ROOT / "install.sh").read_text()
    *_, gpu_branch = re.findall(r"\*,gpu,\*\)(.*?);;", script, re.DOTALL)  # the last case: what gpu installs
    assert '.venv/bin/pip install --no-build-isolation -e ".[flash-attn]"' in gpu_branch


def test_defect_11_deepseek_r1_serving_for_h200_and_h100() -> None:
    notes = (ROOT / "data_pipeline" / "configs" / "paper_vllm.yaml").read_text()
    assert "one 8 x H200 node (141 GB each, 1.1 TB): tensor parallel 8" in notes
    assert "two nodes, tensor parallel 8 in" in notes and "pipeline parallel 2 across them" in notes
    assert "--tensor-parallel-size 8 --pipeline-parallel-size 2" in notes


@pytest.mark.slow
def test_dry_run_exits_2_with_each_error_and_its_fix(tmp_path: Path) -> None:
    runner = CliRunner()
    failed = runner.invoke(
        app, ["run", str(BEFORE / "vision_r1_zero.yaml"), f"run_dir={tmp_path}", "--dry-run"]
    )
    assert failed.exit_code == 2, failed.output
    text = " ".join(failed.output.split())
    assert "eval TP 8 does not divide the 28 attention heads" in text
    assert "fix: set stages.eval.tensor_parallel_size to one of [1, 2, 4]" in text
    assert "preflight found 2 error(s)" in text
    passed = runner.invoke(
        app, ["run", str(SHIPPED / "vision_r1_zero.yaml"), f"run_dir={tmp_path}", "--dry-run"]
    )
    assert passed.exit_code == 0, passed.output
    assert "preflight: 0 error(s)" in passed.output
    assert not tmp_path.joinpath("grpo_4k").exists()  # a dry run creates nothing


@pytest.mark.slow
def test_a_cpu_vllm_rollout_needs_vllms_cpu_build_here(preflight) -> None:
    from preflight_helpers import TIB

    from vision_r1.preflight import Environment

    without_vllm = Environment(gpu_install=False, importable=frozenset(), free_disk_bytes=TIB)
    report = preflight(SHIPPED / "tiny.yaml", ("resources.rollout=vllm",), environment=without_vllm)
    found = [f for f in report.stage("grpo_32").findings if f.check == "packages"]
    assert [(f.severity.value, f.fix) for f in found] == [("error", "./install.sh cpu (vLLM's CPU build)")]
    # the hf rollout needs nothing beyond the base install
    report = preflight(SHIPPED / "tiny.yaml", environment=without_vllm)
    assert not [f for f in report.stage("grpo_32").findings if f.check == "packages"]
