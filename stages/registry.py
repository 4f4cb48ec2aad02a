"""Stage kind name -> the object that plans and runs it."""

from __future__ import annotations

from pathlib import Path

from stages.base import StageKind, outputs_in
from stages.cold_start import ColdStartKind
from stages.evaluate import EvalKind
from stages.grpo import GrpoKind
from stages.sft import SftKind
from stages.synth import SynthKind
from stages.tiny_model import TinyModelKind

KINDS: dict[str, StageKind] = {
    "tiny_model": TinyModelKind(),
    "synth": SynthKind(),
    "cold_start": ColdStartKind(),
    "sft": SftKind(),
    "grpo": GrpoKind(),
    "eval": EvalKind(),
}


def kind_of(name: str) -> StageKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown stage kind {name!r} (known: {', '.join(KINDS)})") from None


def declared_outputs(kind: str, stage_dir: Path) -> dict[str, str]:
    """Where a stage of this kind puts its outputs; known before it runs, so references resolve early."""
    if kind not in KINDS:
        return {}  # the schema reports the unknown kind with its location
    return outputs_in(stage_dir, KINDS[kind].OUTPUTS)
