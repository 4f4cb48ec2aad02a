"""Optional LLM answer extraction for free-form responses the rules cannot parse.

The rule-based extractor only reads answers the model states in a recognisable place (`<answer>`,
`Final Answer:`, `\\boxed{}`). Base models and weakly formatted responses often state the answer in
prose; the original evaluation sent every response to gpt-4o-mini for that. Here an LLM is asked only
when the rules find nothing, through any OpenAI-compatible chat endpoint (a local vLLM server works,
no paid API needed). Its answer is still compared by the same rule-based `answers_match`, so the LLM
never decides correctness. The extractor depends on the one-method `ChatCompleter` interface, so any
engine (e.g. the cold-start pipeline's) can be plugged in with a small adapter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

SYSTEM_PROMPT = (
    "You read a question and a model's response to it and copy out the final answer the response "
    "gives. Reply with the answer only: a number (no units), an expression, or an option letter for "
    "multiple choice. If the response gives no final answer, reply NONE."
)
# Long reasoning puts the answer at the end; the head of a 16K-token response adds cost, not signal.
RESPONSE_TAIL_CHARS = 6000


class ChatCompleter(Protocol):
    def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's reply text to a list of {role, content} messages."""
        ...


@dataclass(frozen=True)
class ExtractorEndpoint:
    """Where the extractor model is served. The key is read from the environment, never stored."""

    base_url: str
    model: str
    api_key_env: str = "OPENAI_API_KEY"
    timeout_s: float = 60.0
    max_retries: int = 3


class OpenAIChatCompleter:
    """`ChatCompleter` over the `openai` client (its own retries with backoff on 429/5xx/timeouts)."""

    def __init__(self, endpoint: ExtractorEndpoint) -> None:
        from openai import OpenAI

        self.model = endpoint.model
        self.client = OpenAI(
            base_url=endpoint.base_url,
            api_key=os.environ.get(endpoint.api_key_env) or "EMPTY",  # local servers accept any key
            timeout=endpoint.timeout_s,
            max_retries=endpoint.max_retries,
        )

    def complete(self, messages: list[dict[str, str]]) -> str:
        reply = self.client.chat.completions.create(
            model=self.model, messages=messages, temperature=0.0, max_tokens=64
        )
        return reply.choices[0].message.content or ""


class LLMAnswerExtractor:
    def __init__(self, completer: ChatCompleter) -> None:
        self.completer = completer

    def extract(self, question: str, response: str) -> str | None:
        """The final answer stated in `response`, or None when the LLM finds none."""
        tail = response[-RESPONSE_TAIL_CHARS:]
        user = f"Question:\n{question}\n\nResponse:\n{tail}\n\nFinal answer:"
        reply = self.completer.complete(
            [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
        ).strip()
        if not reply or reply.upper().rstrip(".") == "NONE":
            return None
        return reply
