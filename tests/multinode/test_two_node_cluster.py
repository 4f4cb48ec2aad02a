"""Multi-node through the real engines, simulated on one machine: a two-node Ray cluster on localhost.

Both nodes are real `ray start --block` processes with their own temp dirs, ports, CPU slots and one
trainer rank each (`cpu_rank`); the test starts them and stops them with Ray's own shut-down of
each node (SIGTERM to `ray start --block`), never by process name. On that cluster:
- a GRPO stage with `resources.nnodes: 2` joins it through `resources.ray_address` and puts one
  trainer rank on each node; its driver (the runner) is SIGKILLed after the step-1 checkpoint,
  and the next `vision-r1 run` resumes from it;
- an SFT stage runs under torchrun with `--nnodes=2` and a c10d rendezvous on localhost, one node
  launcher per Ray node;
- on a two-node cluster of its own, the second node is killed mid-stage: the stage fails with its
  log tail and the surviving node's launcher is stopped;
- on another, the second node is killed mid-GRPO: the stage fails, keeps its checkpoint, and resumes
  from it once a replacement node has joined.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from vision_r1.data import encode_png, single_turn_sft_row, write_sft_parquet
from vision_r1.orphans import marked_processes, stop_marked
from vision_r1.ray_cluster import RayNode, auth_env, ray_node
from vision_r1.run_state import RunState
from vision_r1.run_status import last_metrics
from vision_r1.tiny_model.smoke import smoke_image
from vision_r1.verl_cpu import CPU_RANK_RESOURCE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RUN_TIMEOUT = 900
HEAD_CPUS = 8  # the driver's actors (TaskRunner, TransferQueue, agent loop) and rank 0's bundle
NODE_CPUS = 6  # rank 1's bundle (3 slots) and a node launcher, with room to spare


@dataclass(frozen=True)
class TwoNodes:
    address: str
    nodes: tuple[RayNode, RayNode]


def node_counts(address: str) -> tuple[int, int]:
    """How many nodes Ray lists as alive and as dead (a killed node stays alive to Ray until its
    health checks fail)."""
    probe = "import ray, sys; ray.init(address=sys.argv[1], log_to_driver=False); "
    probe += (
        "alive = [n['Alive'] for n in ray.nodes()]; print('NODES', alive.count(True), alive.count(False))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, address],
        env={**os.environ, **auth_env()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    counts = re.search(r"^NODES (\d+) (\d+)$", out.stdout, re.MULTILINE)  # Ray may print more lines
    return (int(counts[1]), int(counts[2])) if counts else (0, 0)


@contextlib.contextmanager
def two_node_cluster(work: Path) -> Iterator[TwoNodes]:
    """A head and a second node on localhost, each stopped by Ray's own shut-down of that node."""
    markers = (f"two-node-head-{work}", f"two-node-second-{work}")
    with contextlib.ExitStack() as stack:
        head = stack.enter_context(ray_node(HEAD_CPUS, {CPU_RANK_RESOURCE: 1}, work / "head.log", markers[0]))
        address = head.address()
        second = stack.enter_context(
            ray_node(NODE_CPUS, {CPU_RANK_RESOURCE: 1}, work / "second.log", markers[1], join=address)
        )
        deadline = time.monotonic() + 180
        while node_counts(address)[0] < 2:
            assert time.monotonic() < deadline, (work / "second.log").read_text()[-3000:]
            time.sleep(2)
        yield TwoNodes(address, (head, second))
    for marker in markers:  # stopped by Ray's own node shut-down, nothing left behind
        assert marked_processes(marker) == []


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoNodes]:
    with two_node_cluster(tmp_path_factory.mktemp("cluster")) as nodes:
        yield nodes


def write_recipe(tmp_path: Path, address: str, stages: list[dict]) -> Path:
    recipe = {
        "name": "two_nodes",
        "base_model": "none",
        "run_dir": str(tmp_path / "run"),
        "resources": {
            "device": "cpu",
            "nnodes": 2,
            "cpus_per_node": 1,
            "ray_address": address,
            "stall_timeout_s": 300,
        },
        "stages": stages,
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe, sort_keys=False))
    return path


def vision_r1_run(recipe: Path, **kwargs) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "vision_r1.cli", "run", str(recipe)],
        env={**os.environ, **auth_env()},
        start_new_session=True,
        **kwargs,
    )


def node_of(pid: int, nodes: tuple[RayNode, RayNode]) -> int:
    """Which node a Ray worker runs on: the one whose raylet (its parent) lives in that node's temp dir."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    parent = int(stat[stat.rfind(")") + 2 :].split()[1])
    raylet = Path(f"/proc/{parent}/cmdline").read_bytes().decode(errors="replace")
    return next(index for index, node in enumerate(nodes) if str(node.temp_dir) in raylet)


def trainer_ranks(marker: str) -> list[int]:
    """PIDs of the launch's verl trainer workers (`ray::WorkerDict`)."""
    found = []
    for pid in marked_processes(marker):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"ray::WorkerDict"):
                found.append(pid)
    return found


def grpo_recipe(tmp_path: Path, address: str, model: Path, steps: int) -> Path:
    """Synthetic counting data, then a GRPO stage over both nodes that checkpoints every step."""
    grpo = {
        "name": "grpo", "kind": "grpo", "model": str(model), "dataset": "${stages.data.output.rl_train}",
        "steps": steps, "save_freq": 1, "lr": 1.0e-3, "max_prompt_length": 256, "max_response_length": 16,
        "rollout_n": 2, "rollout_batch_size": 2, "mini_batch_size": 2, "micro_batch_size_per_gpu": 1,
    }  # fmt: skip
    data = {"name": "data", "kind": "synth", "n": 8, "val_n": 2, "seed": 0, "tasks": ["counting"]}
    return write_recipe(tmp_path, address, [data, grpo])


def wait_for_step_1_checkpoint(runner: subprocess.Popen[bytes], stage_dir: Path, deadline: float) -> None:
    checkpoint = stage_dir / "checkpoints" / "latest_checkpointed_iteration.txt"
    while not (checkpoint.is_file() and last_metrics(stage_dir)[0] == 1):
        assert runner.poll() is None, f"the run ended (code {runner.returncode}) before step 1"
        assert time.monotonic() < deadline, "timed out waiting for the step-1 checkpoint"
        time.sleep(0.5)


@pytest.mark.timeout(3 * RUN_TIMEOUT)
def test_grpo_puts_one_rank_on_each_node_and_resumes_after_the_driver_is_killed(
    two_nodes: TwoNodes, tiny_model_dir: Path, tmp_path: Path
) -> None:
    recipe = grpo_recipe(tmp_path, two_nodes.address, tiny_model_dir, steps=2)
    stage_dir = tmp_path / "run" / "grpo"
    marker = str(stage_dir.resolve())
    runner = vision_r1_run(recipe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + RUN_TIMEOUT
    with stopped_at_exit(runner):
        wait_for_step_1_checkpoint(runner, stage_dir, deadline)
        ranks = trainer_ranks(marker)
        assert len(ranks) == 2, ranks
        assert sorted(node_of(pid, two_nodes.nodes) for pid in ranks) == [0, 1]  # one rank per node
        runner.send_signal(signal.SIGKILL)  # the driver's runner dies hard
        runner.wait(timeout=60)
        while marked_processes(marker):  # its orphan watcher stops the launch on both nodes
            assert time.monotonic() < deadline, marked_processes(marker)
            time.sleep(0.5)
    assert RunState.load(tmp_path / "run").stages["grpo"].status == "running"

    resumed = vision_r1_run(recipe, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = resumed.communicate(timeout=RUN_TIMEOUT)
    assert resumed.returncode == 0, output.decode()[-4000:]
    state = RunState.load(tmp_path / "run")
    assert state.stages["grpo"].status == "done" and state.stages["grpo"].attempts == 2
    resumed_steps = (stage_dir / "metrics" / "attempt-002.jsonl").read_text().count('"step"')
    assert resumed_steps == 1  # only step 2: the launch continued from the step-1 checkpoint
    shards = sorted(
        p.name for p in (stage_dir / "checkpoints" / "global_step_2" / "actor").glob("model_*.pt")
    )
    assert shards == ["model_world_size_2_rank_0.pt", "model_world_size_2_rank_1.pt"]
    assert (stage_dir / "model" / "model.safetensors").is_file()


@contextlib.contextmanager
def stopped_at_exit(run: subprocess.Popen[bytes]) -> Iterator[None]:
    """Whatever the block asserts, the run (its whole session) does not outlive it."""
    try:
        yield
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()


def kill_second_node(run: subprocess.Popen[bytes], nodes: TwoNodes) -> str:
    """The second node dies while `run` is mid-stage: its Ray processes are SIGKILLed (a shut-down
    would drain it first). Returns what the run printed once it ended."""
    assert stop_marked(nodes.nodes[1].marker, grace_s=0.0) > 0
    output, _ = run.communicate(timeout=RUN_TIMEOUT)
    return output.decode()


def assert_stage_failed_and_left_nothing(run: subprocess.Popen[bytes], shown: str, stage_dir: Path) -> None:
    """Exit status 2, the failure and log tail shown, the stage marked failed with no model, and
    (within a minute) no process carrying the stage's marker."""
    stage = stage_dir.name
    assert run.returncode == 2, shown[-4000:]
    assert f"failed {stage} after" in shown and f"error: stage '{stage}' failed" in shown
    assert f"full log: {stage_dir / 'log.txt'}" in shown
    assert RunState.load(stage_dir.parent).stages[stage].status == "failed"
    assert not (stage_dir / "model").exists()
    deadline = time.monotonic() + 60
    while marked_processes(str(stage_dir.resolve())):
        assert time.monotonic() < deadline, marked_processes(str(stage_dir.resolve()))
        time.sleep(0.5)


def sft_recipe(tmp_path: Path, address: str, model: Path, steps: int) -> Path:
    image = encode_png(smoke_image())
    rows = [single_turn_sft_row(f"How many shapes? ({i})", [image], "I count them.", "2") for i in range(8)]
    dataset = tmp_path / "sft.parquet"
    write_sft_parquet(rows, dataset)
    sft = {
        "name": "sft", "kind": "sft", "model": str(model), "dataset": str(dataset), "steps": steps,
        "lr": 1.0e-4, "global_batch_size": 2, "micro_batch_size_per_gpu": 1, "max_length": 512,
    }  # fmt: skip
    return write_recipe(tmp_path, address, [sft])


@pytest.mark.timeout(2 * RUN_TIMEOUT)
def test_sft_runs_under_torchrun_with_one_launcher_per_node(
    two_nodes: TwoNodes, tiny_model_dir: Path, tmp_path: Path
) -> None:
    recipe = sft_recipe(tmp_path, two_nodes.address, tiny_model_dir, steps=2)
    run = vision_r1_run(recipe, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output, _ = run.communicate(timeout=RUN_TIMEOUT)
    assert run.returncode == 0, output.decode()[-4000:]
    stage_dir = tmp_path / "run" / "sft"
    log = (stage_dir / "log.txt").read_text()
    assert "--nnodes=2" in log and "rendezvous at" in log
    assert "[node 0]" in log and "[node 1]" in log  # each node's torchrun reported into the stage log
    assert last_metrics(stage_dir)[0] == 2
    shards = sorted(p.name for p in (stage_dir / "checkpoints" / "global_step_2").glob("model_*.pt"))
    assert shards == ["model_world_size_2_rank_0.pt", "model_world_size_2_rank_1.pt"]
    assert (stage_dir / "model" / "model.safetensors").is_file()


@pytest.mark.timeout(2 * RUN_TIMEOUT)
def test_a_node_that_dies_mid_stage_fails_the_stage_and_stops_the_other_node(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The README's "when a node dies mid-stage", on a cluster of its own: the second node's Ray
    processes are killed while both nodes' torchrun launchers run; the stage fails with its log tail, the launcher on
    the surviving node is stopped, and nothing of the stage is left."""
    with two_node_cluster(tmp_path / "cluster") as nodes:
        recipe = sft_recipe(tmp_path, nodes.address, tiny_model_dir, steps=2)
        stage_dir = tmp_path / "run" / "sft"
        run = vision_r1_run(recipe, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        with stopped_at_exit(run):
            deadline = time.monotonic() + RUN_TIMEOUT
            log = stage_dir / "log.txt"
            while not (log.is_file() and "[node 0]" in log.read_text() and "[node 1]" in log.read_text()):
                assert run.poll() is None, "the stage ended before both nodes' torchrun started"
                assert time.monotonic() < deadline, "timed out waiting for both nodes' torchrun"
                time.sleep(0.2)
            shown = kill_second_node(run, nodes)
        assert_stage_failed_and_left_nothing(run, shown, stage_dir)
        assert "stopping the other nodes" in log.read_text()


@pytest.mark.timeout(3 * RUN_TIMEOUT)
def test_a_node_that_dies_mid_grpo_fails_the_stage_and_a_replacement_node_resumes_it(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    """The README's "when a node dies mid-stage" for GRPO, on a cluster of its own: after the step-1
    checkpoint the second node's Ray processes are killed; the stage fails with its log tail (the
    surviving rank's collective fails on its lost peer, a call to one of its actors fails, Ray's
    health checks declare the node dead while the driver waits on one, or an agent-loop request waits
    forever and the stall watchdog stops the stage: it depends on the moment), the checkpoint stays,
    and once Ray has declared the node dead and a replacement node has joined, the same command
    resumes the stage from step 1 and finishes it."""
    with two_node_cluster(tmp_path / "cluster") as nodes:
        recipe = grpo_recipe(tmp_path, nodes.address, tiny_model_dir, steps=2)
        stage_dir = tmp_path / "run" / "grpo"
        run = vision_r1_run(recipe, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        with stopped_at_exit(run):
            wait_for_step_1_checkpoint(run, stage_dir, time.monotonic() + RUN_TIMEOUT)
            shown = kill_second_node(run, nodes)
        assert_stage_failed_and_left_nothing(run, shown, stage_dir)
        assert (stage_dir / "checkpoints" / "global_step_1").is_dir()  # finished work stays

        replacement_marker = f"two-node-replacement-{tmp_path}"
        with ray_node(
            NODE_CPUS,
            {CPU_RANK_RESOURCE: 1},
            tmp_path / "replacement.log",
            replacement_marker,
            join=nodes.address,
        ):
            # Rerun only once Ray has declared the killed node dead: until then it still lists it as
            # alive and may place the new job's actors on it, which fails the rerun (seen in CI).
            deadline = time.monotonic() + 300
            while node_counts(nodes.address) != (2, 1):
                assert time.monotonic() < deadline, (tmp_path / "replacement.log").read_text()[-3000:]
                time.sleep(2)
            resumed = vision_r1_run(recipe, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            output, _ = resumed.communicate(timeout=RUN_TIMEOUT)
        assert marked_processes(replacement_marker) == []
    assert resumed.returncode == 0, output.decode()[-4000:]
    state = RunState.load(tmp_path / "run")
    assert state.stages["grpo"].status == "done" and state.stages["grpo"].attempts == 2
    assert (stage_dir / "metrics" / "attempt-002.jsonl").read_text().count('"step"') == 1  # step 2 only
    assert (stage_dir / "model" / "model.safetensors").is_file()
