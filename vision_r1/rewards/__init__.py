"""Verifiable rewards for Vision-R1, Visual-RFT and VLM-R1, and verl's entry point `compute_score`."""

from vision_r1.rewards.dispatch import DATA_SOURCE_KINDS, KINDS, compute_score, reward_kind
from vision_r1.rewards.math import answers_match, extract_answer
from vision_r1.rewards.result import REWARD_KEYS

__all__ = [
    "DATA_SOURCE_KINDS",
    "KINDS",
    "REWARD_KEYS",
    "answers_match",
    "compute_score",
    "extract_answer",
    "reward_kind",
]
