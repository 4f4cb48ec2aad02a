"""The one shape every reward kind returns.

verl's reward loop builds its logged columns from the keys of the FIRST sample's result and then
indexes every other sample by those keys, so a batch that mixes kinds (math rows next to grounding
rows) crashes unless all kinds return the same keys. Hence a fixed set; a component a kind does
not use is 0.0.
"""

from __future__ import annotations

import math

REWARD_KEYS = ("score", "format", "accuracy", "iou", "confidence")


def finite(value: float) -> float:
    """NaN and infinities become 0.0: no reward computation may hand verl a NaN."""
    value = float(value)
    return value if math.isfinite(value) else 0.0


def reward_result(
    score: float, *, format: float, accuracy: float, iou: float = 0.0, confidence: float = 0.0
) -> dict[str, float]:
    """`score` is the reward; the rest are its components, logged by verl per data source.

    - format: 1.0 when the response has the layout the kind asks for;
    - accuracy: the task result (answer correct, IoU reward, AP, label match), in [0, 1];
    - iou: the raw IoU / mean matched IoU for box kinds;
    - confidence: the detection confidence reward.
    """
    return {
        "score": finite(score),
        "format": finite(format),
        "accuracy": finite(accuracy),
        "iou": finite(iou),
        "confidence": finite(confidence),
    }
