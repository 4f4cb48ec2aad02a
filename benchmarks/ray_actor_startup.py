"""What one Ray actor costs to start on this machine, bare and when it imports verl, as verl's actors do.

    python benchmarks/ray_actor_startup.py [--actors 8]

A GRPO stage of the tiny recipe spends most of its time before its first step: verl's v1 trainer
starts its actors one after another (TaskRunnerV1, TransferQueueController, SimpleStorageUnit,
WorkerDict, HFRolloutServer, RewardLoopWorker, GlobalRequestLoadBalancer, AgentLoopWorkerTQ), each
in a new Ray worker process that imports verl (torch, tensordict, transformers) before it can do
anything. This measures that floor outside verl: on a fresh local Ray cluster, `--actors` actors
created one after another (each waits for the previous to be ready, as verl's chain does), first
bare, then importing verl in `__init__`. The difference per actor is the import; the bare figure is
Ray's own process start. Times are wall seconds from `.remote()` to the actor answering.
"""

from __future__ import annotations

import argparse
import os
import time

import ray


@ray.remote(num_cpus=0)
class BareActor:
    def ready(self) -> bool:
        return True


@ray.remote(num_cpus=0)
class VerlImportingActor:
    def __init__(self) -> None:
        import verl  # noqa: F401  (what every verl actor pays before its own work)

    def ready(self) -> bool:
        return True


def chain_seconds(actor_class: ray.actor.ActorClass, count: int) -> list[float]:
    """Start `count` actors one after another; the seconds each took to answer."""
    seconds, alive = [], []
    for _ in range(count):
        start = time.perf_counter()
        actor = actor_class.remote()
        ray.get(actor.ready.remote())
        seconds.append(time.perf_counter() - start)
        alive.append(actor)  # verl's actors live until the job ends
    for actor in alive:
        ray.kill(actor)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--actors", type=int, default=8, help="actors per chain (verl's GRPO job starts 8)")
    args = parser.parse_args()
    ray.init(address="local", include_dashboard=False, num_cpus=os.cpu_count(), log_to_driver=False)
    try:
        for label, actor_class in (("bare", BareActor), ("importing verl", VerlImportingActor)):
            seconds = chain_seconds(actor_class, args.actors)
            each = " ".join(f"{value:.1f}" for value in seconds)
            print(f"{label:<15} {sum(seconds):5.1f} s for {args.actors} actors in a chain ({each})")
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
