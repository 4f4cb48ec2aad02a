"""`rollout.name=hf`: verl's two rollout roles for the transformers-backed server.

verl splits a rollout backend in two (compare `verl/workers/rollout/vllm_rollout/`):
- a `RolloutReplica` (`HFReplica`), created by the trainer's `LLMServerManager`, that launches
  the server actors and hands their handles to the agent loop's load balancer;
- a `BaseRollout` server adapter (`HFServerAdapter`), created inside each hybrid actor worker by
  `ActorRolloutRefWorker.init_model`, through which the trainer pushes the new weights after
  every step (`update_weights`) and wakes/sleeps the server.
Only the hybrid mode (rollout colocated with the FSDP actor, verl's default for GRPO) exists here;
one replica per trainer rank, each a single process (no tensor/pipeline parallelism).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import ray
import torch
from verl.workers.rollout.base import BaseRollout
from verl.workers.rollout.replica import RolloutMode, RolloutReplica

from vision_r1.verl_cpu.rollout.server import HFRolloutServer

ROLLOUT_NAME = "hf"


def server_actor_name(replica_rank: int, name_suffix: str = "") -> str:
    return f"{ROLLOUT_NAME}_server_{replica_rank}{name_suffix}"


class HFReplica(RolloutReplica):
    """Launches one `HFRolloutServer` actor per replica, next to the trainer worker it serves."""

    async def launch_servers(self) -> None:
        if self.rollout_mode != RolloutMode.HYBRID:
            raise NotImplementedError(f"hf rollout supports the hybrid mode only, not {self.rollout_mode}")
        if self.world_size != 1:
            raise ValueError(
                "hf rollout runs one process per replica: set rollout tensor/data/pipeline parallel sizes to 1"
            )
        node_id = await self.workers[0].__ray_call__.remote(
            lambda worker: ray.get_runtime_context().get_node_id()
        )
        name = server_actor_name(self.replica_rank, self.name_suffix)
        server = (
            ray.remote(HFRolloutServer)
            .options(
                name=name,
                num_cpus=0,  # shares the CPU slot of the trainer worker it is colocated with
                max_concurrency=self.max_concurrency,
                scheduling_strategy=ray.util.scheduling_strategies.NodeAffinitySchedulingStrategy(
                    node_id=node_id, soft=False
                ),
            )
            .remote(config=self.config, model_config=self.model_config)
        )
        await server.ready.remote()  # returns once the policy is loaded
        self.servers = [server]
        self._server_handle = server
        # verl keys its load balancer by address; this server speaks Ray calls only, no HTTP.
        self._server_address = f"{name}@{ray.util.get_node_ip_address()}"


class HFServerAdapter(BaseRollout):
    """The trainer worker's handle on its replica's server: weight sync and wake/sleep."""

    def __init__(self, config: Any, model_config: Any, device_mesh: Any, replica_rank: int = -1) -> None:
        super().__init__(config, model_config, device_mesh)
        rank = int(os.environ["RANK"])
        self.replica_rank = rank if replica_rank == -1 else replica_rank
        self._server: Any = None

    @property
    def server(self) -> Any:
        # Looked up lazily: the server is launched after the worker builds this adapter.
        if self._server is None:
            self._server = ray.get_actor(server_actor_name(self.replica_rank))
        return self._server

    async def resume(self, tags: list[str]) -> None:
        await self.server.wake_up.remote(tags=tags)

    async def release(self) -> None:
        await self.server.sleep.remote()

    async def update_weights(
        self,
        weights: Iterable[tuple[str, torch.Tensor]],
        global_steps: int | None = None,
        wire_format: str = "named_tensors",
        **kwargs: Any,
    ) -> None:
        """Send the actor's full tensors to the server (through Ray's object store) and wait."""
        if wire_format != "named_tensors":
            raise NotImplementedError(f"hf rollout takes full named tensors, not {wire_format!r}")
        if kwargs.get("peft_config") is not None:
            raise NotImplementedError("hf rollout takes merged weights; set model.lora.merge=True for LoRA")
        named = [(name, tensor.detach().to("cpu").contiguous()) for name, tensor in weights]
        await self.server.update_weights.remote(named, global_steps)
