"""`rollout.name=vllm` on CPU: verl's own vLLM rollout, with a server launch that works without GPUs.

verl's `vLLMReplica.launch_servers` (`verl/workers/rollout/vllm_rollout/vllm_async_server.py`) asks
every trainer worker for its accelerator id, `get_accelerator_ids()[get_resource_name()][0]`, to
build `CUDA_VISIBLE_DEVICES` for the server; a CPU worker has no accelerator ids and the lookup
raises `KeyError: 'CPU'`. This replica launches the very same `vLLMHttpServer` actors (one per node
of the replica, same names, same handshake) without that lookup, and
- gives each server actor no CPU slot of its own: it shares the slot of the trainer worker it is
  colocated with, as the `hf` replica's server does;
- refuses `enable_sleep_mode=True` up front: vLLM's CPU platform has no sleep mode, and the engine
  would otherwise fail deep inside the server's start-up.
Everything else (the HTTP server, the agent loop, verl's `ServerAdapter` and its weight transfer)
is verl's code.
"""

from __future__ import annotations

import asyncio
from typing import Any

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
from verl.plugin.platform import get_platform
from verl.workers.rollout.vllm_rollout.vllm_async_server import vLLMHttpServer, vLLMReplica

SLEEP_MODE_ERROR = (
    "vLLM's CPU build has no sleep mode: set actor_rollout_ref.rollout.enable_sleep_mode=False "
    "(the CPU launch overrides do)"
)


def _node_id(_worker: Any) -> str:
    return ray.get_runtime_context().get_node_id()


class CPUvLLMReplica(vLLMReplica):
    """verl's vLLM replica, launched on Ray CPU slots."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config.enable_sleep_mode:
            raise ValueError(SLEEP_MODE_ERROR)
        if self.is_reward_model or self.is_teacher_model:
            raise NotImplementedError("the CPU vLLM replica serves the policy rollout only")
        self.server_class = ray.remote(num_cpus=0)(vLLMHttpServer)

    async def launch_servers(self) -> None:
        if len(self.workers) != self.world_size:
            raise ValueError(f"{len(self.workers)} workers for a replica of world size {self.world_size}")
        node_ids = await asyncio.gather(*[worker.__ray_call__.remote(_node_id) for worker in self.workers])
        per_node = self.gpus_per_replica_node
        env_vars = get_platform().rollout_env_vars()
        for node_rank in range(self.nnodes):
            first = node_rank * per_node
            server = self.server_class.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(node_id=node_ids[first], soft=False),
                runtime_env={"env_vars": env_vars},
                # the name verl's ServerAdapter looks the server up by
                name=f"{self._get_server_name_prefix()}server_{self.replica_rank}_{node_rank}{self.name_suffix}",
                max_concurrency=self.max_concurrency,
            ).remote(
                config=self.config,
                model_config=self.model_config,
                rollout_mode=self.rollout_mode,
                workers=self.workers[first : first + per_node],
                replica_rank=self.replica_rank,
                node_rank=node_rank,
                gpus_per_node=per_node,
                nnodes=self.nnodes,
                cuda_visible_devices="",
            )
            self.servers.append(server)
        master_address, master_port, dp_rpc_port = await self.servers[0].get_master_address.remote()
        await asyncio.gather(
            *[
                server.launch_server.remote(
                    master_address=master_address, master_port=master_port, dp_rpc_port=dp_rpc_port
                )
                for server in self.servers
            ]
        )
        address, port = await self.servers[0].get_server_address.remote()
        self._server_handle = self.servers[0]
        self._server_address = f"{address}:{port}"
