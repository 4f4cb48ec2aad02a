"""Multi-node torchrun through a Ray cluster: one torchrun launcher on each of N nodes.

    python -m vision_r1.node_launch --address ADDR --nnodes N --nproc-per-node K \\
        [--rdzv-endpoint HOST:PORT] [--forward-env NAME ...] -- -m verl.trainer.sft_trainer ...

torchrun needs one launcher per node, all pointed at the same rendezvous. The runner lives on one
node; the cluster a multi-node recipe names (`resources.ray_address`) is how it reaches the others,
as verl's GRPO trainer does. A placement group with one bundle per node (STRICT_SPREAD: never two on
one node) holds one launcher actor per node; node 0's launcher picks the rendezvous endpoint (its
address and a free port) unless one is given; every launcher then runs
`torchrun --nnodes=N --nproc_per_node=K --rdzv_backend=c10d --rdzv_endpoint=...` and its output
comes back here through Ray's log forwarding, so the stage's log holds every node's output.

When one node's launcher fails (torchrun exits non-zero, or its actor is lost with its node) the
others are stopped at once rather than left waiting in a collective, and this process exits with
that launcher's code (1 for a lost node). When this process
dies, Ray ends its job and kills the launcher actors; each torchrun gets SIGTERM from the kernel
then (PR_SET_PDEATHSIG), which makes it stop its ranks.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence

PLACEMENT_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
_PR_SET_PDEATHSIG = 1


def torchrun_argv(
    nnodes: int, nproc_per_node: int, endpoint: str, script: Sequence[str], is_host: bool | None
) -> list[str]:
    """One node's launcher: torchrun with a c10d rendezvous shared by all nodes.

    `is_host` says whether this node serves the rendezvous store. torchrun guesses it by comparing
    the endpoint's host with the machine's own names, which fails where the node's address is not
    among them (containers, several nodes on one machine) and leaves every node a client; when
    node 0 picked the endpoint itself it is the host, and saying so removes the guess."""
    host = [] if is_host is None else [f"--rdzv_conf=is_host={int(is_host)}"]
    return [
        sys.executable, "-m", "torch.distributed.run", f"--nnodes={nnodes}",
        f"--nproc_per_node={nproc_per_node}", "--rdzv_backend=c10d", f"--rdzv_endpoint={endpoint}",
        *host, *script,
    ]  # fmt: skip


def _terminate_with_parent() -> None:
    """Runs in torchrun before exec: SIGTERM it (it then stops its ranks) when its launcher dies."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class NodeLauncher:
    """A Ray actor on one node: finds the rendezvous address there, runs and stops torchrun."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None

    def rendezvous_endpoint(self) -> str:
        import ray

        with socket.socket() as probe:
            probe.bind(("", 0))
            port = probe.getsockname()[1]
        return f"{ray.util.get_node_ip_address()}:{port}"

    def run(self, argv: list[str], node_rank: int) -> int:
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=_terminate_with_parent,
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            print(f"[node {node_rank}] {line}", end="", flush=True)
        return self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)


def launch(
    address: str,
    nnodes: int,
    nproc_per_node: int,
    script: Sequence[str],
    rdzv_endpoint: str | None,
    forward_env: Sequence[str],
) -> int:
    """Run `script` under torchrun on `nnodes` nodes of the cluster at `address`; the first failing
    node's exit code, or 0."""
    import ray
    from ray.util.placement_group import placement_group
    from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

    env_vars = {name: os.environ[name] for name in forward_env if name in os.environ}
    ray.init(address=address, runtime_env={"env_vars": env_vars}, log_to_driver=True)
    group = placement_group([{"CPU": 1}] * nnodes, strategy="STRICT_SPREAD")
    ready, _ = ray.wait([group.ready()], timeout=PLACEMENT_TIMEOUT_S)
    if not ready:
        nodes = sum(1 for node in ray.nodes() if node["Alive"])
        print(
            f"node_launch: the Ray cluster at {address} has {nodes} live node(s); {nnodes} nodes with a free "
            f"CPU slot each are needed (waited {PLACEMENT_TIMEOUT_S:.0f} s)",
            file=sys.stderr,
        )
        return 2
    launcher_class = ray.remote(num_cpus=1, max_concurrency=2)(NodeLauncher)  # `stop` runs beside `run`
    launchers = [
        launcher_class.options(
            scheduling_strategy=PlacementGroupSchedulingStrategy(group, placement_group_bundle_index=rank)
        ).remote()
        for rank in range(nnodes)
    ]
    endpoint = rdzv_endpoint or ray.get(launchers[0].rendezvous_endpoint.remote())
    print(f"node_launch: {nnodes} nodes, rendezvous at {endpoint}", flush=True)

    def argv(rank: int) -> list[str]:
        is_host = None if rdzv_endpoint else rank == 0
        return torchrun_argv(nnodes, nproc_per_node, endpoint, script, is_host)

    pending = {launcher.run.remote(argv(rank), rank): rank for rank, launcher in enumerate(launchers)}
    while pending:
        [done], _ = ray.wait(list(pending), num_returns=1)
        rank = pending.pop(done)
        try:
            code = ray.get(done)
        except ray.exceptions.RayError as exc:  # the launcher's actor is gone: its node died
            print(f"node_launch: node {rank}'s launcher was lost ({type(exc).__name__})", flush=True)
            code = 1
        if code != 0:
            print(f"node_launch: node {rank} exited with code {code}; stopping the other nodes", flush=True)
            for launcher in launchers:
                with contextlib.suppress(ray.exceptions.RayError):  # a lost node's launcher is gone
                    ray.get(launcher.stop.remote(), timeout=STOP_TIMEOUT_S)
            return code
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--address", required=True, help="Ray cluster address (host:port, or auto)")
    parser.add_argument("--nnodes", type=int, required=True)
    parser.add_argument("--nproc-per-node", type=int, required=True)
    parser.add_argument("--rdzv-endpoint", help="host:port (default: node 0's address, a free port)")
    parser.add_argument("--forward-env", action="append", default=[], help="variable to pass to every node")
    parser.add_argument("script", nargs=argparse.REMAINDER, help="after --: what torchrun runs")
    args = parser.parse_args(argv)
    script = args.script[1:] if args.script[:1] == ["--"] else args.script
    if not script:
        parser.error("nothing to run: give torchrun's script after --")
    sys.exit(
        launch(args.address, args.nnodes, args.nproc_per_node, script, args.rdzv_endpoint, args.forward_env)
    )


if __name__ == "__main__":
    main()
