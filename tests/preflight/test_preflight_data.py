"""What the preflight and the pre-launch check read from the data: system prompts, host memory, image cuts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from preflight_helpers import BEFORE, SHIPPED, Preflight, messages

from stages.dataset_check import check_stage_dataset
from vision_r1.data import encode_png, single_turn_sft_row, write_sft_parquet
from vision_r1.data.check import check_file
from vision_r1.data.prompts import R1_SYSTEM_PROMPT
from vision_r1.recipe.loader import load_recipe
from vision_r1.runner import Runner


@pytest.mark.slow
def test_defect_8_zero_is_evaluated_with_its_training_system_prompt(
    preflight: Preflight, zero_set: Path
) -> None:
    data = (f"stages.grpo_4k.dataset={zero_set / 'rl_train.parquet'}",)
    [failed] = messages(preflight(BEFORE / "vision_r1_zero.yaml", data), "eval", "system prompt", "error")
    assert failed.startswith("stage grpo_4k trained with the system prompt 'A conversation between User and")
    assert failed.endswith("but this evaluation passes none")
    shipped = preflight(SHIPPED / "vision_r1_zero.yaml", data)
    assert messages(shipped, "eval", "system prompt", "ok") == [
        "the same system prompt as stage grpo_4k trained with"
    ]
    recipe = load_recipe(SHIPPED / "vision_r1_zero.yaml")
    [command] = Runner(recipe).plan_all([recipe.stage("eval")])["eval"].commands
    assert command.argv[command.argv.index("--system-prompt") + 1] == R1_SYSTEM_PROMPT


def _sft_file(path: Path, rows: int, side: int = 224) -> Path:
    """Every row its own noise image: parquet would store identical image bytes once."""

    def image() -> bytes:
        return encode_png(Image.effect_noise((side, side), 64).convert("RGB"))

    write_sft_parquet(
        [single_turn_sft_row(f"Count {i}.", [image()], "I count one.", "1") for i in range(rows)], path
    )
    return path


@pytest.mark.slow
def test_defect_12_sft_host_memory_against_the_node(preflight: Preflight, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    dataset = _sft_file(tmp_path / "sft.parquet", 20)
    group = pq.ParquetFile(dataset).metadata.row_group(0)  # one group of 20 rows
    columns = [group.column(i) for i in range(group.num_columns)]
    # Each rank holds the conversations; the images are read from files (the SFT stage's copy).
    size = sum(c.total_uncompressed_size for c in columns if not c.path_in_schema.startswith("images"))
    per_node = 8 * 19.9 * size / (1 << 30)
    unset = preflight(SHIPPED / "vision_r1_long.yaml", (f"stages.sft.dataset={dataset}",), only="sft")
    [seen] = messages(unset, "sft", "host memory", "ok")
    assert seen.startswith("8 ranks x ") and f"= {per_node:.1f} GiB per node" in seen
    assert seen.endswith("set resources.host_memory_gb to have it checked")
    [disk] = messages(unset, "sft", "checkpoint disk", "ok")
    assert "+ the set's images as files" in disk  # the stage's copy of them counts on disk
    small = preflight(
        SHIPPED / "vision_r1_long.yaml",
        (f"stages.sft.dataset={dataset}", "resources.host_memory_gb=0.0001"),
        only="sft",
    )
    [failed] = messages(small, "sft", "host memory", "error")
    assert failed.endswith("more than 80% of host_memory_gb 0.0001")


def test_sft_rows_cut_inside_their_image_tokens_are_bad_rows(tmp_path: Path, tiny_model_dir: Path) -> None:
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    dataset = _sft_file(tmp_path / "sft.parquet", 1)
    [cut] = check_file(dataset, processor, max_length=40).bad_rows
    assert cut.field == "images" and "max_length 40 cuts the row inside its image tokens" in cut.reason
    budget = {"min_pixels": 3136, "max_pixels": 3136}  # 4 visual tokens instead of 64
    assert check_file(dataset, processor, max_length=40, pixels=budget).bad_rows == []


def test_the_launch_check_counts_what_verl_will_drop(
    tmp_path: Path, tiny_model_dir: Path, zero_set: Path
) -> None:
    from transformers import AutoProcessor

    rl = zero_set / "rl_train.parquet"
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    lengths = sorted(check_file(rl, processor).prompt_lengths)
    limit = lengths[len(lengths) // 2]  # half the prompts are longer
    over = sum(length > limit for length in lengths)
    assert 0 < over < len(lengths)
    summary = check_stage_dataset(str(rl), "rl", str(tiny_model_dir), limit, limit + 64)
    assert summary == (
        f"dataset {rl}: {over} of the first {len(lengths)} prompts are longer than "
        f"max_prompt_length {limit} and will be dropped by verl"
    )
    budget = {"min_pixels": 3136, "max_pixels": 3136}  # 4 visual tokens per image instead of up to 64
    assert check_file(rl, processor, limit, pixels=budget).over_prompt_limit == 0
