"""Shared fixtures (the tiny model is built once per test worker and reused by every test) and the
schedule of the two test workers.

The suite runs on two pytest-xdist workers (`-n 2`, setup.cfg): most of its time is
spent in end-to-end runs whose processes start one after another (verl's Ray workers each import
verl, ~5 s), which keeps about one of two cores busy, so two runs side by side finish in ~0.7 of the
time they take in turn. A test module is never split between the workers (its module fixtures, such
as a whole recipe run, must run once). The longest modules are dealt to two lanes that start first,
one per worker; every other module follows on whichever worker is free, the end-to-end ones first.
`-n 0` runs everything in one process, in this order.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests never reach a model hub: everything they load is built locally.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Each of N xdist workers gets its share of the cores for torch's OpenMP threads (inherited by every
# process a test starts). With 2 threads per process on 2 cores, two workers' trainings spin-wait on
# each other: a third of the throughput of 1 each (benchmarks/omp_oversubscription.py).
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _WORKERS)))


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly built tiny Qwen2.5-VL (seed 0), shared read-only by the whole suite."""
    from vision_r1.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model") / "model", seed=0)


# Seconds each module took on its own (2 cores, `--durations`, 2026-12-03), dealt into two lanes:
# one lane per worker, so that the longest runs never queue behind each other; the other worker's
# lane is shorter by about what the remaining modules take (~800 s side by side).
LANES = {
    "tests/e2e/test_tiny_learn_e2e.py": "lane_1",  # 508 s
    "tests/e2e/test_ptst_vllm_e2e.py": "lane_1",  # 353 s
    "tests/e2e/test_task_twins_e2e.py": "lane_2",  # 364 s
    "tests/e2e/test_tiny_recipe_e2e.py": "lane_2",  # 355 s
    "tests/multinode/test_two_node_cluster.py": "lane_2",  # 334 s (with the GRPO node-death test)
}


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _start_rank(item: pytest.Item) -> int:
    """Lanes first, then end-to-end modules, then other slow ones, then the rest."""
    if module_of(item.nodeid) in LANES:
        return 0
    if item.get_closest_marker("e2e"):
        return 1
    return 2 if item.get_closest_marker("slow") else 3


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order the modules: the unit a worker takes next is the first one left (`--no-loadscope-reorder`)."""
    rank_of_module: dict[str, int] = {}
    for item in items:
        module = module_of(item.nodeid)
        rank_of_module[module] = min(rank_of_module.get(module, 3), _start_rank(item))
    items.sort(key=lambda item: rank_of_module[module_of(item.nodeid)])  # stable: modules stay whole


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """xdist's module-by-module scheduling, with each lane as one unit."""
    from xdist.scheduler import LoadScopeScheduling

    class LaneScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = module_of(nodeid)
            return LANES.get(module, module)

    return LaneScheduling(config, log)
