"""The files we write load through verl 0.9.1's own dataset classes with the tiny model's processor."""

from __future__ import annotations

from pathlib import Path

import pytest
from omegaconf import OmegaConf

from vision_r1.data import single_turn_sft_row, write_sft_parquet
from vision_r1.data.synth import synth_example, write_synth_dataset


@pytest.fixture(scope="module")
def processor(tiny_model_dir: Path):
    from transformers import AutoProcessor

    return AutoProcessor.from_pretrained(tiny_model_dir)


def test_synth_rl_set_loads_in_rlhf_dataset(tmp_path: Path, processor) -> None:
    from verl.utils.dataset.rl_dataset import RLHFDataset

    write_synth_dataset(tmp_path, 12, seed=3)
    config = OmegaConf.create(
        {
            "max_prompt_length": 1024,
            "filter_overlong_prompts_workers": 0,  # no forked pool after torch (see cpu_ppo_overrides)
            "cache_dir": str(tmp_path / "cache"),
        }
    )
    dataset = RLHFDataset(
        str(tmp_path / "rl_train.parquet"), processor.tokenizer, config, processor=processor
    )
    assert len(dataset) == 12
    item = dataset[0]
    content = item["raw_prompt"][0]["content"]
    assert [part["type"] for part in content] == ["image", "text"]
    assert content[0]["image"].size == (224, 224)
    assert item["reward_model"]["style"] == "rule" and item["extra_info"]["index"] == 0


def test_sft_set_loads_in_multiturn_sft_dataset(tmp_path: Path, processor) -> None:
    from verl.utils.dataset.multiturn_sft_dataset import MultiTurnSFTDataset

    rows = []
    for index in range(3):
        example = synth_example(5, index, ["counting", "arithmetic"])
        rows.append(
            single_turn_sft_row(example.question, example.images, "I read the image.", example.answer)
        )
    write_sft_parquet(rows, tmp_path / "sft.parquet")
    config = OmegaConf.create({"pad_mode": "no_padding", "max_length": 2048, "truncation": "error"})
    dataset = MultiTurnSFTDataset(
        str(tmp_path / "sft.parquet"), processor.tokenizer, config, processor=processor
    )
    assert len(dataset) == 3
    item = dataset[0]
    image_pad = processor.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    assert int((item["input_ids"] == image_pad).sum()) == 64  # a 224x224 image is 64 merged tokens
    assert "pixel_values" in item["multi_modal_inputs"]
    trained = processor.tokenizer.decode(item["input_ids"][item["loss_mask"].bool()])
    assert "I read the image." in trained and "<image>" not in trained
