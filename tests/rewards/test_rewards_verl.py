"""Our compute_score inside verl 0.9.1's own reward code, on a batch tokenized by the tiny model.

verl loads the function from `reward.custom_reward_function.path=pkg://vision_r1.rewards` (name
`compute_score`) exactly as `main_ppo` does; the batch mixes every reward kind, which also proves
the fixed result keys that verl's reward loop needs when it stacks per-sample extras.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from vision_r1.rewards import REWARD_KEYS

pytestmark = pytest.mark.slow

T = "<think>I look at the figure and reason step by step.</think>\n"
ROWS = [
    # data_source, response, ground truth, extra_info, expected score
    # an interval: only the symbolic judge settles it, so it runs in the reward worker's thread
    ("hiyouga/geometry3k", T + "<answer> Final Answer:[0,\\infty) </answer>", "[0, \\infty)", {}, 1.0),
    ("geometry3k", T + "<answer> Final Answer:\\frac{\\sqrt{2}}{2} </answer>", "\\sqrt{2}/2", {}, 1.0),
    ("geometry3k", "Final Answer: 12", "12", {}, 0.0),
    ("mathvista_testmini", T + "<answer>(B) 30°</answer>", "30°", {"choices": ["15°", "30°", "45°"]}, 1.0),
    ("anything", T + "<answer>7</answer>", "8", {"reward": "r1v"}, 0.5),
    (
        "refcoco_val",
        T + '<answer>{"bbox_2d": [100, 100, 300, 300]}</answer>',
        "[100, 50, 300, 150]",
        {"coordinate_space": "norm1000", "image_size": [1000, 500]},
        2.0,
    ),
    ("lisa", T + "<answer>(0, 0), (10, 10)</answer>", [0, 0, 10, 10], {}, 2.0),
    (
        "coco",
        T + "<answer>[{'Position': [0, 0, 10, 10], 'Confidence': 1.0}]</answer>",
        "[[0, 0, 10, 10]]",
        {},
        3.0,
    ),
    (
        "ovd",
        T + '<answer>[{"bbox_2d": [0, 0, 10, 10], "label": "cat"}]</answer>',
        '[{"bbox_2d": [0, 0, 10, 10], "label": "cat"}]',
        {},
        2.0,
    ),
    ("flowers102", T + "<answer>Pink Primrose</answer>", "pink_primrose", {}, 2.0),
]


@pytest.fixture(scope="module")
def verl_config(tiny_model_dir: Path):
    import verl
    from hydra import compose, initialize_config_dir

    config_dir = str(Path(verl.__file__).parent / "trainer" / "config")
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        return compose(
            config_name="ppo_trainer",
            overrides=[
                "reward.custom_reward_function.path=pkg://vision_r1.rewards",
                "reward.custom_reward_function.name=compute_score",
                "+reward.custom_reward_function.reward_kwargs.symbolic_time_limit_s=20.0",
                "reward.num_workers=1",
                f"actor_rollout_ref.model.path={tiny_model_dir}",
            ],
        )


@pytest.fixture(scope="module")
def batch(tiny_model_dir: Path):
    """A rollout-shaped DataProto: left-padded prompts, right-padded responses, rows of our parquet."""
    from transformers import AutoTokenizer
    from verl import DataProto

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    prompts = [
        tokenizer.apply_chat_template(
            [{"role": "user", "content": f"Question {index}: what is the answer?"}],
            add_generation_prompt=True,
            tokenize=True,
            return_dict=False,
        )
        for index in range(len(ROWS))
    ]
    responses = [tokenizer(response, add_special_tokens=False)["input_ids"] for _, response, *_ in ROWS]
    prompt_width, response_width = max(map(len, prompts)), max(map(len, responses)) + 3
    pad = tokenizer.pad_token_id
    prompt_ids = torch.tensor([[pad] * (prompt_width - len(p)) + list(p) for p in prompts])
    response_ids = torch.tensor([list(r) + [pad] * (response_width - len(r)) for r in responses])
    mask = torch.tensor(
        [
            [0] * (prompt_width - len(p)) + [1] * (len(p) + len(r)) + [0] * (response_width - len(r))
            for p, r in zip(prompts, responses, strict=True)
        ]
    )
    return DataProto.from_dict(
        tensors={
            "prompts": prompt_ids,
            "responses": response_ids,
            "input_ids": torch.cat([prompt_ids, response_ids], dim=1),
            "attention_mask": mask,
            "position_ids": torch.clamp(mask.cumsum(dim=1) - 1, min=0),
        },
        non_tensors={
            "data_source": np.array([row[0] for row in ROWS], dtype=object),
            "reward_model": np.array(
                [
                    {
                        "style": "rule",
                        "ground_truth": row[2] if isinstance(row[2], str) else json.dumps(row[2]),
                    }
                    for row in ROWS
                ],
                dtype=object,
            ),
            "extra_info": np.array(
                [dict(row[3], index=index) for index, row in enumerate(ROWS)], dtype=object
            ),
        },
    )


def _expected_rewards(batch) -> torch.Tensor:
    """The score at each response's last valid token, zeros elsewhere (verl's placement)."""
    lengths = batch.batch["attention_mask"][:, batch.batch["prompts"].shape[1] :].sum(dim=1)
    expected = torch.zeros(batch.batch["responses"].shape, dtype=torch.float32)
    for index, (*_, score) in enumerate(ROWS):
        expected[index, lengths[index] - 1] = score
    return expected


def test_naive_reward_manager_scores_a_decoded_batch(verl_config, batch, tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.workers.reward_manager.naive import NaiveRewardManager

    compute_score = get_custom_reward_fn(verl_config)
    manager = NaiveRewardManager(
        AutoTokenizer.from_pretrained(tiny_model_dir), num_examine=0, compute_score=compute_score
    )
    output = manager(batch, return_dict=True)
    assert torch.equal(output["reward_tensor"], _expected_rewards(batch))
    extra = output["reward_extra_info"]
    assert set(extra) == set(REWARD_KEYS)
    assert all(len(values) == len(ROWS) for values in extra.values())
    assert extra["accuracy"][:4] == [1.0, 1.0, 1.0, 1.0]  # the unformatted third row is still correct


@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_reward_loop_in_ray_workers(verl_config, batch) -> None:
    """verl's production path: RewardLoopManager -> Ray actor -> naive manager -> executor thread."""
    import ray
    from verl.experimental.reward_loop.reward_loop import RewardLoopManager

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        scored = RewardLoopManager(verl_config).compute_rm_score(batch)
    finally:
        ray.shutdown()
    assert torch.equal(scored.batch["rm_scores"], _expected_rewards(batch))
    assert set(scored.meta_info["reward_extra_keys"]) == set(REWARD_KEYS)
    assert scored.non_tensor_batch["iou"].tolist()[5] == pytest.approx(1.0)
