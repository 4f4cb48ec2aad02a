"""The OpenAI chat-completions wire format, both directions.

The client side (`request_payload`, `parse_completion`) is what the `openai` engine speaks; the server
side (`request_from_payload`, `completion_payload`) is what the local test server speaks. Keeping both
here means the two can only disagree if the protocol itself is misread.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

from data_pipeline.chat import ChatRequest, Completion, EngineFailure, ImagePart, Message, Sampling

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"


class ProtocolError(ValueError):
    """A payload that does not follow the chat-completions protocol."""


def _mime_type(data: bytes) -> str:
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    if data.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return "application/octet-stream"


def image_data_url(data: bytes) -> str:
    return f"data:{_mime_type(data)};base64,{base64.b64encode(data).decode('ascii')}"


def decode_data_url(url: str) -> bytes:
    if not url.startswith("data:") or ";base64," not in url:
        raise ProtocolError("image_url must be a base64 data URL (data:<mime>;base64,<payload>)")
    try:
        return base64.b64decode(url.split(";base64,", 1)[1], validate=True)
    except binascii.Error as error:
        raise ProtocolError(f"image_url holds invalid base64: {error}") from error


def _content_payload(message: Message) -> str | list[dict[str, Any]]:
    if all(isinstance(part, str) for part in message.parts):
        return message.text
    content: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, ImagePart):
            content.append({"type": "image_url", "image_url": {"url": image_data_url(part.data)}})
        else:
            content.append({"type": "text", "text": part})
    return content


def request_payload(request: ChatRequest, model: str, seed: int | None) -> dict[str, Any]:
    """The JSON body of POST /chat/completions for `request`."""
    payload: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": _content_payload(m)} for m in request.messages],
        **request.sampling.as_dict(),
    }
    if seed is not None:
        payload["seed"] = seed
    return payload


def _text_of(content: Any) -> str:
    """Message content as text: a string, or the text parts of a content list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    raise EngineFailure("malformed_response", f"message content of type {type(content).__name__}")


def parse_completion(body: Any) -> Completion:
    """Read the first choice of a chat-completions response; a refusal is a permanent failure."""
    try:
        choice = body["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError) as error:
        raise EngineFailure("malformed_response", f"no choices[0].message in response ({error!r})") from error
    finish_reason = choice.get("finish_reason") or "stop"
    if message.get("refusal") or finish_reason == "content_filter":
        raise EngineFailure("content_refused", str(message.get("refusal") or "finish_reason=content_filter"))
    # vLLM/SGLang/DeepSeek name the split-off thinking `reasoning_content`; newer vLLM also `reasoning`.
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    usage = body.get("usage") or {}
    return Completion(
        content=_text_of(message.get("content")),
        reasoning_content=_text_of(reasoning) if reasoning else None,
        finish_reason=finish_reason,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
    )


def _message_from_payload(index: int, message: Any) -> Message:
    if not isinstance(message, dict) or "role" not in message:
        raise ProtocolError(f"messages[{index}] must be an object with a role")
    content = message.get("content")
    if isinstance(content, str):
        return Message(message["role"], (content,))
    if not isinstance(content, list):
        raise ProtocolError(f"messages[{index}].content must be a string or a list of parts")
    parts: list[str | ImagePart] = []
    for position, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            parts.append(str(part.get("text", "")))
        elif kind == "image_url":
            image_url = part.get("image_url")
            url = image_url.get("url") if isinstance(image_url, dict) else image_url
            parts.append(ImagePart(decode_data_url(str(url))))
        else:
            raise ProtocolError(f"messages[{index}].content[{position}] has unsupported type {kind!r}")
    return Message(message["role"], tuple(parts))


def request_from_payload(payload: Any) -> tuple[ChatRequest, str, int | None]:
    """Server side: (request, model name, seed) from a POST body."""
    if not isinstance(payload, dict) or not isinstance(payload.get("messages"), list):
        raise ProtocolError("body must be a JSON object with a 'messages' list")
    messages = tuple(_message_from_payload(i, m) for i, m in enumerate(payload["messages"]))
    known = {"model", "messages", "temperature", "top_p", "max_tokens", "seed", "stream", "n"}
    sampling = Sampling(
        temperature=float(payload.get("temperature", 1.0)),
        top_p=float(payload.get("top_p", 1.0)),
        max_tokens=int(payload.get("max_tokens") or 256),
        extra={k: v for k, v in payload.items() if k not in known},
    )
    seed = payload.get("seed")
    return ChatRequest(messages, sampling), str(payload.get("model", "")), None if seed is None else int(seed)


def completion_payload(completion: Completion, model: str, request_id: str) -> dict[str, Any]:
    """Server side: the response body for one completion."""
    message: dict[str, Any] = {"role": "assistant", "content": completion.content}
    if completion.reasoning_content is not None:
        message["reasoning_content"] = completion.reasoning_content
    return {
        "id": request_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": completion.finish_reason}],
        "usage": {
            "prompt_tokens": completion.prompt_tokens,
            "completion_tokens": completion.completion_tokens,
            "total_tokens": completion.prompt_tokens + completion.completion_tokens,
        },
    }
