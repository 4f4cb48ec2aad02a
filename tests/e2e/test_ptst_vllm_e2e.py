"""verl's own vLLM rollout on vLLM's CPU build, through the stage runner: a PTST hand-off between two
GRPO stages, the runner SIGKILLed while vLLM serves the second one, nothing left running, the resume
finishing from the checkpoint, and merged models that load, generate and carry new weights.

This is what every GPU recipe runs first (`rollout.name=vllm`), minus the GPU: the replica launch,
the HTTP server, verl's bucketed weight transfer into vLLM after every step, and the rollout's
log-probs agreeing with the actor's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import yaml
from safetensors.torch import load_file

from vision_r1.orphans import marked_processes
from vision_r1.run_state import RunState
from vision_r1.run_status import last_metrics
from vision_r1.tiny_model.smoke import smoke_generate

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUN_TIMEOUT = 900
# verl's rollout-vs-actor mismatch; on GPU a larger value means a broken weight sync or template.
MISMATCH_LIMIT = 0.01


def write_recipe(tmp_path: Path, run_dir: Path) -> Path:
    grpo = {
        "dataset": "${stages.data.output.rl_train}",
        "lr": 1.0e-3,
        "max_prompt_length": 256,
        "rollout_batch_size": 2,
        "mini_batch_size": 2,
        "micro_batch_size_per_gpu": 4,  # divides both stages' 2 prompts x group size
        "kl_coef": 0.01,
        # random weights earn no reward: the entropy bonus guarantees a gradient, so "weights changed"
        # checks the update and the weight sync themselves
        "entropy_coeff": 0.01,
        "save_freq": 1,
    }
    recipe = {
        "name": "ptst_vllm",
        "base_model": "${run_dir}/base/model",
        "run_dir": str(run_dir),
        "resources": {"device": "cpu", "rollout": "vllm", "stall_timeout_s": 300},
        "defaults": {"grpo": grpo},
        "stages": [
            {"name": "base", "kind": "tiny_model", "seed": 0},
            {"name": "data", "kind": "synth", "n": 8, "val_n": 2, "seed": 0, "tasks": ["counting"]},
            {"name": "grpo_a", "kind": "grpo", "model": "${base_model}", "steps": 1,
             "max_response_length": 16, "rollout_n": 4},
            {"name": "grpo_b", "kind": "grpo", "model": "${stages.grpo_a.output.model}", "steps": 2,
             "max_response_length": 32, "rollout_n": 2},
        ],
    }  # fmt: skip
    path = tmp_path / "ptst_vllm.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def vision_r1_run(recipe: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "vision_r1.cli", "run", str(recipe)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def command_lines(pids: list[int]) -> list[str]:
    lines = []
    for pid in pids:
        try:
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return lines


def kill_runner_during_second_stage(recipe: Path, run_dir: Path) -> list[str]:
    """SIGKILL the runner once grpo_b has checkpointed step 1; return what its launch was running."""
    runner = vision_r1_run(recipe)
    checkpoint = run_dir / "grpo_b" / "checkpoints" / "latest_checkpointed_iteration.txt"
    marker = str((run_dir / "grpo_b").resolve())
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while not (checkpoint.is_file() and last_metrics(run_dir / "grpo_b")[0] == 1):
            assert runner.poll() is None, f"the run ended (code {runner.returncode}) before grpo_b step 1"
            assert time.monotonic() < deadline, "timed out waiting for grpo_b's first checkpoint"
            time.sleep(0.2)
        running = command_lines(marked_processes(marker))
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=60)
        while marked_processes(marker):
            assert time.monotonic() < deadline + 60, command_lines(marked_processes(marker))
            time.sleep(0.2)
        return running
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
            runner.wait()


@pytest.mark.timeout(3 * RUN_TIMEOUT)
def test_ptst_hand_off_with_vllm_rollout_survives_a_runner_kill(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    recipe = write_recipe(tmp_path, run_dir)
    running = kill_runner_during_second_stage(recipe, run_dir)
    # vLLM's engine core (own process group, under a Ray worker) was part of the launch, and is gone.
    assert any("EngineCore" in line or "vllm" in line.lower() for line in running), running
    assert RunState.load(run_dir).stages["grpo_b"].status == "running"  # what a hard kill leaves

    resumed = subprocess.run(
        [sys.executable, "-m", "vision_r1.cli", "run", str(recipe)],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stdout[-4000:] + resumed.stderr[-4000:]
    state = RunState.load(run_dir)
    assert all(state.stages[name].status == "done" for name in state.order)
    assert state.stages["grpo_a"].attempts == 1 and state.stages["grpo_b"].attempts == 2
    assert "vLLMHttpServer" in (run_dir / "grpo_b" / "log.txt").read_text()

    # The resumed launch continued from the step-1 checkpoint instead of starting over.
    assert [step for step, _ in _steps(run_dir / "grpo_b" / "metrics" / "attempt-002.jsonl")] == [2]

    for stage, steps in (("grpo_a", 1), ("grpo_b", 2)):
        for path in sorted((run_dir / stage / "metrics").glob("*.jsonl")):
            for step, metrics in _steps(path):
                assert step <= steps
                assert abs(metrics["rollout_corr/kl"]) < MISMATCH_LIMIT, (
                    stage,
                    step,
                    metrics["rollout_corr/kl"],
                )
                assert metrics["training/rollout_probs_diff_mean"] < MISMATCH_LIMIT

    # The hand-off: grpo_b trained from grpo_a's merged model, and both merged models work.
    base = load_file(run_dir / "base" / "model" / "model.safetensors")
    after_a = load_file(run_dir / "grpo_a" / "model" / "model.safetensors")
    after_b = load_file(run_dir / "grpo_b" / "model" / "model.safetensors")
    assert (
        f"actor_rollout_ref.model.path={run_dir / 'grpo_a' / 'model'}"
        in state.stages["grpo_b"].config["overrides"]
    )
    assert _changed(base, after_a) > len(base) // 2
    assert _changed(after_a, after_b) > len(base) // 2
    assert isinstance(smoke_generate(run_dir / "grpo_b" / "model", max_new_tokens=8), str)


def _steps(path: Path) -> list[tuple[int, dict[str, float]]]:
    return [(row["step"], row["data"]) for row in map(json.loads, path.read_text().splitlines()) if row]


def _changed(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> int:
    assert before.keys() == after.keys()
    return sum(not torch.equal(before[name], after[name].to(before[name].dtype)) for name in before)
