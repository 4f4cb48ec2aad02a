"""Split a reasoning model's reply into its thinking and its final part.

Reasoning models deliver their chain of thought in one of three ways, all handled here:
1. a separate `reasoning_content` field (vLLM/SGLang with a reasoning parser, DeepSeek's API);
2. inline `<think> ... </think>` in `content` (raw R1; the opening tag may be part of the prompt);
3. no tags at all (an ordinary model): the text before the last "Final Answer" is the thinking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from data_pipeline.chat import Completion

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
_LAST_FINAL_ANSWER = re.compile(r"final answer", re.IGNORECASE)


@dataclass(frozen=True)
class ReasonerOutput:
    thinking: str
    final: str  # what follows the thinking: the summary and the stated answer
    closed: bool  # False when the thinking was opened and never closed (cut off)
    source: str  # "reasoning_content" | "think_tags" | "untagged"


def _after_close(text: str) -> str:
    return text.split(THINK_CLOSE, 1)[1] if THINK_CLOSE in text else text


def split_reasoning(completion: Completion) -> ReasonerOutput:
    content = completion.content or ""
    if completion.reasoning_content and completion.reasoning_content.strip():
        thinking = completion.reasoning_content.replace(THINK_OPEN, "").replace(THINK_CLOSE, "")
        cut_inside_thinking = completion.finish_reason == "length" and not content.strip()
        return ReasonerOutput(
            thinking.strip(), _after_close(content).strip(), not cut_inside_thinking, "reasoning_content"
        )
    if THINK_CLOSE in content:
        thinking, final = content.split(THINK_CLOSE, 1)
        thinking = thinking.split(THINK_OPEN, 1)[1] if THINK_OPEN in thinking else thinking
        return ReasonerOutput(thinking.strip(), final.strip(), True, "think_tags")
    if THINK_OPEN in content:
        return ReasonerOutput(content.split(THINK_OPEN, 1)[1].strip(), "", False, "think_tags")
    matches = list(_LAST_FINAL_ANSWER.finditer(content))
    if matches:
        start = matches[-1].start()
        return ReasonerOutput(content[:start].strip(), content[start:].strip(), True, "untagged")
    return ReasonerOutput(content.strip(), "", True, "untagged")
