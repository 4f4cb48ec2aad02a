"""The `hf` rollout server without Ray: generation from expanded image prompts, log-probs, weights, abort."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from PIL import Image

from vision_r1.tiny_model.smoke import SMOKE_QUESTION, smoke_image
from vision_r1.verl_cpu.rollout.generation import generate_tokens
from vision_r1.verl_cpu.rollout.server import HFRolloutServer, load_policy


def _prompt_ids(model_dir: Path, image: Image.Image) -> list[int]:
    """Prompt ids as verl's agent loop builds them: chat template, one `<|image_pad|>` per visual token."""
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(model_dir)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": SMOKE_QUESTION}]}]
    text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    return processor(text=[text], images=[image], return_tensors="pt")["input_ids"][0].tolist()


@pytest.fixture(scope="module")
def policy(tiny_model_dir: Path):
    model, processor = load_policy(str(tiny_model_dir), "float32")
    return model, processor.image_processor


def test_vision_placeholders_are_never_sampled(policy, tiny_model_dir: Path) -> None:
    """A sampled <|image_pad|>/<|video_pad|> would break verl's get_rope_index (no image behind it)."""
    from transformers import AutoProcessor

    model, image_processor = policy
    tokenizer = AutoProcessor.from_pretrained(tiny_model_dir).tokenizer
    placeholders = [tokenizer.convert_tokens_to_ids(t) for t in ("<|image_pad|>", "<|video_pad|>")]
    with torch.no_grad():  # make the placeholders the model's favourite tokens
        model.lm_head.weight[placeholders] *= 50
    try:
        image = smoke_image()
        prompt = _prompt_ids(tiny_model_dir, image)
        sampling = {"temperature": 1.0, "top_p": 1.0, "top_k": -1, "ignore_eos": True, "seed": 0}
        free = generate_tokens(model, image_processor, prompt, sampling, 8, images=[image])
        banned = generate_tokens(
            model, image_processor, prompt, sampling, 8, images=[image], banned_token_ids=placeholders
        )
    finally:
        with torch.no_grad():
            model.lm_head.weight[placeholders] /= 50
    assert set(free.token_ids) & set(placeholders)  # the test's premise: unbanned, they are sampled
    assert not set(banned.token_ids) & set(placeholders)


def test_greedy_generation_log_probs_match_a_model_forward(policy, tiny_model_dir: Path) -> None:
    model, image_processor = policy
    image = smoke_image()
    prompt = _prompt_ids(tiny_model_dir, image)
    sampling = {"temperature": 0, "top_p": 1.0, "top_k": -1, "logprobs": True}
    first = generate_tokens(
        model, image_processor, prompt, sampling, 6, images=[image], logprobs_mode="raw_logprobs"
    )
    again = generate_tokens(
        model, image_processor, prompt, sampling, 6, images=[image], logprobs_mode="raw_logprobs"
    )
    assert first.token_ids == again.token_ids and not first.aborted
    assert 1 <= len(first.token_ids) <= 6 and len(first.log_probs) == len(first.token_ids)
    # Re-score prompt + response in one forward pass, as verl's actor does for old_log_prob.
    vision = image_processor(images=[image], return_tensors="pt")
    ids = torch.tensor([prompt + first.token_ids])
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=torch.ones_like(ids), **vision).logits[0]
    scored = torch.log_softmax(logits[len(prompt) - 1 : -1].float(), -1)
    expected = scored.gather(-1, torch.tensor(first.token_ids)[:, None]).squeeze(-1)
    torch.testing.assert_close(torch.tensor(first.log_probs), expected, atol=1e-4, rtol=1e-4)


def test_sampling_respects_budget_and_a_set_abort_stops_after_one_token(policy, tiny_model_dir: Path) -> None:
    model, image_processor = policy
    image = smoke_image()
    prompt = _prompt_ids(tiny_model_dir, image)
    sampling = {"temperature": 1.0, "top_p": 0.9, "top_k": 20, "ignore_eos": True, "seed": 3}
    full = generate_tokens(model, image_processor, prompt, sampling, 5, images=[image])
    assert len(full.token_ids) == 5 and full.log_probs is None
    abort = threading.Event()
    abort.set()
    stopped = generate_tokens(model, image_processor, prompt, sampling, 5, images=[image], abort=abort)
    assert stopped.aborted and len(stopped.token_ids) == 1
    with pytest.raises(ValueError, match="unsupported sampling"):
        generate_tokens(model, image_processor, prompt, {"best_of": 2}, 5, images=[image])


def _server(model_dir: Path) -> HFRolloutServer:
    config = SimpleNamespace(
        dtype="float32",
        max_model_len=None,
        prompt_length=256,
        response_length=4,
        repetition_penalty=1.0,
        ignore_eos=True,
        logprobs_mode="processed_logprobs",
    )
    return HFRolloutServer(config, SimpleNamespace(path=str(model_dir)))


def test_server_takes_weight_updates_and_serves_token_outputs(tiny_model_dir: Path) -> None:
    async def scenario() -> None:
        server = _server(tiny_model_dir)
        state = {name: tensor.clone() for name, tensor in server.model.state_dict().items()}
        bumped = {name: tensor + 0.5 for name, tensor in state.items()}
        assert await server.update_weights(list(bumped.items()), global_steps=7) == len(state)
        for name, tensor in server.model.state_dict().items():
            assert torch.equal(tensor, bumped[name])
        with pytest.raises(KeyError, match="does not have"):
            await server.update_weights([("no.such.weight", torch.zeros(1))], global_steps=8)
        output = await server.generate(
            prompt_ids=_prompt_ids(tiny_model_dir, smoke_image()),
            sampling_params={"temperature": 0.0, "logprobs": True},
            request_id="r1",
            image_data=[smoke_image()],
        )
        assert len(output.token_ids) == 4 == len(output.log_probs)  # response_length budget, EOS ignored
        assert output.stop_reason == "completed" and output.extra_fields["global_steps"] == 7

    asyncio.run(scenario())


def test_server_abort_rejects_until_resumed(tiny_model_dir: Path) -> None:
    async def scenario() -> None:
        server = _server(tiny_model_dir)
        request = {"prompt_ids": [1, 2, 3], "sampling_params": {"temperature": 0.0}, "request_id": "r"}
        assert (await server.abort_all_requests(reject_request=True))["aborted_count"] == 0
        rejected = await server.generate(**request)
        assert rejected.stop_reason == "aborted" and rejected.token_ids == []
        await server.resume_generation()
        served = await server.generate(**request)
        assert served.stop_reason == "completed" and len(served.token_ids) == 4

    asyncio.run(scenario())


def test_server_bans_the_models_vision_placeholders(tiny_model_dir: Path) -> None:
    from transformers import AutoProcessor

    tokenizer = AutoProcessor.from_pretrained(tiny_model_dir).tokenizer
    expected = {tokenizer.convert_tokens_to_ids(t) for t in ("<|image_pad|>", "<|video_pad|>")}
    assert set(_server(tiny_model_dir).banned_token_ids) == expected
