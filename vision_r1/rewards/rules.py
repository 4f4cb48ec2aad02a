"""Which project's scoring rules a box or label reward follows: ours, or a published original.

Our rules fix what we consider defects of the originals (NaN rewards, substring label matches, a
0-2 GIoU scale next to 0-1 terms). A user reproducing a paper can ask for the original behaviour,
per row (`extra_info["reward_rules"]`) or for a whole run (verl's `reward_kwargs.reward_rules`):
- `vision_r1` (default): ours, documented in each reward module;
- `visual_rft`: Liuziyu77/Visual-RFT's `detection`, `giou` and `classification` rewards;
- `vlm_r1`: om-ai-lab/VLM-R1's `map` rewards (every predicted box scored 1.0, answer order kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RULES = ("vision_r1", "visual_rft", "vlm_r1")
DEFAULT_RULES = "vision_r1"


def reward_rules(extra_info: Mapping[str, Any]) -> str:
    """The rules a sample asks for; an unknown name is an error naming the known ones."""
    rules = str(extra_info.get("reward_rules") or DEFAULT_RULES).strip().lower()
    if rules not in RULES:
        raise ValueError(f"unknown reward_rules {rules!r}; known: {list(RULES)}")
    return rules
