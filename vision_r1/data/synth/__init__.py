"""Procedurally rendered visual-math data with exact answers, for CPU runs and tests."""

from vision_r1.data.synth.generate import TASKS, synth_example, write_synth_dataset

__all__ = ["TASKS", "synth_example", "write_synth_dataset"]
