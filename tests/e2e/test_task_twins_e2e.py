"""The five Visual-RFT / VLM-R1 task recipes' tiny twins, end to end on CPU through verl's main_ppo.

All five run one after the other in one test against one Ray cluster that the test starts
in-process (each GRPO stage joins it through `resources.ray_address` instead of paying a local Ray
start-up, ~15 s) and stops with Ray's own shutdown. Side by side they do not fit a 2-core, 24 GiB
machine (five CPU GRPO jobs starve each other's Ray workers). Each twin: tiny model -> synthetic
task rows -> one GRPO step with the task's reward -> merge -> the dataset-level evaluation kind,
whose numbers are checked against the rows.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vision_r1.data import iter_rows
from vision_r1.run_state import RunState
from vision_r1.run_status import last_metrics

RECIPES = Path(__file__).resolve().parents[2] / "recipes"
RUN_TIMEOUT = 600
RAY_CPU_SLOTS = 8  # what one CPU GRPO job holds (vision_r1.verl_cpu.launch.RAY_CPU_SLOTS)
# twin -> (benchmark name, metric, reward kind the GRPO stage forces)
TWINS = {
    "vlm_r1_rec_tiny": ("rec_val", "Acc@0.5", "iou"),
    "vlm_r1_ovd_tiny": ("ovd_val", "mAP", "map_length"),
    "visual_rft_cls_tiny": ("classification_val", "top-1", "classification"),
    "visual_rft_det_tiny": ("detection_val", "mAP", "detection"),
    "visual_rft_lisa_tiny": ("grounding_val", "gIoU", "giou"),
}


def run_twin(name: str, run_dir: Path, ray_address: str) -> float:
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "vision_r1.cli", "run", str(RECIPES / f"{name}.yaml"), f"run_dir={run_dir}",
         f"resources.ray_address={ray_address}"],
        capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    return time.monotonic() - started


def check_dataset_level_numbers(name: str, run_dir: Path, bench: dict) -> None:
    """The numbers that do not depend on what the random model wrote, against the validation rows."""
    rows = list(iter_rows(run_dir / "data" / "sets" / "rl_val.parquet"))
    values = bench["task"]["values"]
    if name == "vlm_r1_rec_tiny":  # options: {subset: 3}: VLM-R1's seed-42 shuffle, first 3 of 4
        order = list(range(len(rows)))
        random.Random(42).shuffle(order)
        results = [json.loads(line) for line in (run_dir / "eval" / "rec_val" / "results.jsonl").open()]
        assert sorted(int(r["id"]) for r in results) == sorted(order[:3]) and values["items"] == 3
    elif name in ("vlm_r1_ovd_tiny", "visual_rft_det_tiny"):
        truths = sum(len(json.loads(r["reward_model"]["ground_truth"])) for r in rows)
        assert (values["images"], values["truth_boxes"]) == (len(rows), truths)
        assert set(bench["task"]["tables"]["per category"]["rows"]) >= {
            r["extra_info"]["category"] for r in rows if r["extra_info"]["category"]
        }
    elif name == "visual_rft_cls_tiny":
        labels = {r["reward_model"]["ground_truth"] for r in rows}
        assert set(bench["task"]["tables"]["per class"]["rows"]) == labels
    else:
        assert values["items"] == len(rows) and 0.0 <= values["ciou"] <= 100.0


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(len(TWINS) * RUN_TIMEOUT + 120)
def test_task_twins_train_and_score_on_one_ray_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ray

    monkeypatch.chdir(tmp_path)
    ray.init(num_cpus=RAY_CPU_SLOTS, include_dashboard=False, log_to_driver=False)
    started = time.monotonic()
    try:
        address = ray.get_runtime_context().gcs_address
        seconds = {name: run_twin(name, tmp_path / name, address) for name in TWINS}
    finally:
        ray.shutdown()
    print(f"twins: {time.monotonic() - started:.0f} s in all;", {k: round(v) for k, v in seconds.items()})
    for name, (benchmark, metric, reward) in TWINS.items():
        run_dir = tmp_path / name
        state = RunState.load(run_dir)
        assert all(state.stages[stage].status == "done" for stage in state.order)
        overrides = state.stages["grpo"].config["overrides"]
        assert f"+ray_kwargs.ray_init.address={address}" in overrides
        assert f"+reward.custom_reward_function.reward_kwargs.reward_override={reward}" in overrides
        step, metrics = last_metrics(run_dir / "grpo")
        assert step == 1 and metrics["critic/score/mean"] == metrics["critic/score/mean"]  # scored, finite
        assert (run_dir / "grpo" / "model" / "model.safetensors").is_file()
        bench = json.loads((run_dir / "eval" / "summary.json").read_text())["benchmarks"][benchmark]
        headline = {"Acc@0.5": "acc50", "mAP": "AP", "top-1": "top1", "gIoU": "giou"}[metric]
        assert bench["metric"] == metric and bench["accuracy"] == bench["task"]["values"][headline]
        check_dataset_level_numbers(name, run_dir, bench)
        assert f"Dataset-level metrics ({metric}" in (run_dir / "eval" / "summary.md").read_text()
    report = subprocess.run(
        [sys.executable, "-m", "vision_r1.cli", "report", str(tmp_path / "vlm_r1_ovd_tiny")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "vlm_r1_ovd_tiny" / "report" / "report.html").read_text()
    assert "eval &middot; ovd_val: mAP" in page and "per category" in page
