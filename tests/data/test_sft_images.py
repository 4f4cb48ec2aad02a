"""The SFT stage's copy of its set with images as files: same tensors through verl, text-only memory."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from omegaconf import OmegaConf

from vision_r1.data import single_turn_sft_row, write_sft_parquet
from vision_r1.data.parquet_io import iter_rows
from vision_r1.data.sft_images import SftImageError, images_to_files
from vision_r1.data.synth import synth_example
from vision_r1.preflight.datasets import in_memory_bytes


def write_set(path: Path, rows: int, repeat_first_image: bool = False) -> None:
    examples = [synth_example(7, index, ["counting", "bar_chart"]) for index in range(rows)]
    first = examples[0].images
    write_sft_parquet(
        (
            single_turn_sft_row(
                example.question,
                first if repeat_first_image else example.images,
                "I read it.",
                example.answer,
            )
            for example in examples
        ),
        path,
    )


def test_the_copy_gives_verl_the_same_tensors_and_holds_no_image_bytes(
    tmp_path: Path, tiny_model_dir
) -> None:
    import torch
    from transformers import AutoProcessor
    from verl.utils.dataset.multiturn_sft_dataset import MultiTurnSFTDataset

    write_set(tmp_path / "sft.parquet", 4)
    made = images_to_files(
        tmp_path / "sft.parquet", tmp_path / "copy" / "train.parquet", tmp_path / "copy" / "images"
    )
    assert (made.rows, made.images, made.files_written) == (4, 4, 4)
    assert in_memory_bytes(str(tmp_path / "copy" / "train.parquet"), images=True) < 10_000  # paths, not PNGs
    processor = AutoProcessor.from_pretrained(tiny_model_dir)
    config = OmegaConf.create({"pad_mode": "no_padding", "max_length": 2048, "truncation": "error"})
    original, copy = (
        MultiTurnSFTDataset(str(path), processor.tokenizer, config, processor=processor)
        for path in (tmp_path / "sft.parquet", tmp_path / "copy" / "train.parquet")
    )
    for index in range(4):
        expected, got = original[index], copy[index]
        assert torch.equal(expected["input_ids"], got["input_ids"])
        assert torch.equal(expected["loss_mask"], got["loss_mask"])
        assert torch.equal(
            expected["multi_modal_inputs"]["pixel_values"], got["multi_modal_inputs"]["pixel_values"]
        )


def test_a_repeated_image_is_one_file_and_a_second_call_writes_nothing(tmp_path: Path) -> None:
    write_set(tmp_path / "sft.parquet", 5, repeat_first_image=True)
    target, images = tmp_path / "train.parquet", tmp_path / "images"
    first = images_to_files(tmp_path / "sft.parquet", target, images)
    assert (first.images, first.files_written) == (5, 1)
    assert len({row["images"][0]["image"] for row in iter_rows(target)}) == 1
    stamp = target.stat().st_mtime_ns
    again = images_to_files(tmp_path / "sft.parquet", target, images)
    assert again == first and target.stat().st_mtime_ns == stamp  # current copy: untouched


def test_a_changed_source_is_copied_again(tmp_path: Path) -> None:
    write_set(tmp_path / "sft.parquet", 2)
    images_to_files(tmp_path / "sft.parquet", tmp_path / "train.parquet", tmp_path / "images")
    write_set(tmp_path / "sft.parquet", 3)
    os.utime(tmp_path / "sft.parquet", ns=(1, 1))  # a different mtime even on a coarse clock
    made = images_to_files(tmp_path / "sft.parquet", tmp_path / "train.parquet", tmp_path / "images")
    assert made.rows == 3 and pq.ParquetFile(tmp_path / "train.parquet").metadata.num_rows == 3


def test_an_interrupted_copy_is_redone_and_reuses_the_image_files(tmp_path: Path, monkeypatch) -> None:
    import vision_r1.data.sft_images as sft_images

    write_set(tmp_path / "sft.parquet", 4)
    target, images = tmp_path / "train.parquet", tmp_path / "images"
    real, calls = sft_images._image_path, []

    def dies_on_the_third(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # what a Ctrl-C or a kill between rows looks like
        return real(*args)

    monkeypatch.setattr(sft_images, "_image_path", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        images_to_files(tmp_path / "sft.parquet", target, images)
    assert not target.exists()  # only a complete copy gets the name verl reads
    monkeypatch.setattr(sft_images, "_image_path", real)
    made = images_to_files(tmp_path / "sft.parquet", target, images)
    assert (made.rows, made.files_written) == (4, 2)  # the first two images were already on disk


def test_a_record_without_bytes_or_path_names_file_row_and_field(tmp_path: Path) -> None:
    image = pa.struct([("bytes", pa.binary())])
    schema = pa.schema([("messages", pa.list_(pa.struct([("role", pa.string()), ("content", pa.string())]))),
                        ("images", pa.list_(image))])  # fmt: skip
    turn = [{"role": "user", "content": "<image>q"}, {"role": "assistant", "content": "a"}]
    table = pa.Table.from_pylist(
        [
            {"messages": turn, "images": [{"bytes": b"\x89PNG..."}]},
            {"messages": turn, "images": [{"bytes": None}]},
        ],
        schema=schema,
    )
    pq.write_table(table, tmp_path / "bad.parquet")
    with pytest.raises(SftImageError, match=r"bad\.parquet: row 1, field 'images\[0\]'"):
        images_to_files(tmp_path / "bad.parquet", tmp_path / "train.parquet", tmp_path / "images")
