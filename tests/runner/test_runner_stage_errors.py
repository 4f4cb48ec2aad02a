"""Stages refuse to start, with a clear message, on a bad dataset or a device the machine lacks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rich.console import Console

from vision_r1.data import encode_png, write_sft_parquet, write_synth_dataset
from vision_r1.data.parquet_io import write_rows
from vision_r1.data.sft_format import SFT_SCHEMA, single_turn_sft_row
from vision_r1.recipe.loader import load_recipe
from vision_r1.run_state import RunState
from vision_r1.runner import RunError, Runner, Selection
from vision_r1.tiny_model.smoke import smoke_image


def sft_recipe(tmp_path: Path, model: Path, dataset: Path, device: str = "cpu") -> Path:
    recipe = {
        "name": "errors",
        "base_model": str(model),
        "run_dir": str(tmp_path / "run"),
        "resources": {"device": device, "gpus_per_node": 8},
        "stages": [
            {
                "name": "sft",
                "kind": "sft",
                "model": "${base_model}",
                "dataset": str(dataset),
                "lr": 1e-5,
                "steps": 1,
                "global_batch_size": 2,
                "max_length": 512,
            }
        ],
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def run(path: Path, tmp_path: Path, preflight: bool = True) -> str:
    console = Console(file=(tmp_path / "console.txt").open("w"), width=200)
    with pytest.raises(RunError) as caught:
        Runner(load_recipe(path), console=console, echo=False, preflight_before_run=preflight).run(
            Selection()
        )
    return str(caught.value)


def test_a_dataset_of_the_wrong_kind_is_refused_before_launch(tmp_path: Path, tiny_model_dir: Path) -> None:
    write_synth_dataset(tmp_path / "synth", 4, seed=0, tasks=["counting"])
    message = run(sft_recipe(tmp_path, tiny_model_dir, tmp_path / "synth" / "rl_train.parquet"), tmp_path)
    assert "is a rl file; this stage needs a sft file" in message
    assert RunState.load(tmp_path / "run").stages["sft"].status == "failed"
    assert not (tmp_path / "run" / "sft" / "checkpoints").exists()  # verl never started


def test_a_bad_row_is_named_with_file_row_and_field(tmp_path: Path, tiny_model_dir: Path) -> None:
    good = single_turn_sft_row("How many?", [encode_png(smoke_image())], "count them", "2")
    broken = {**good, "images": []}  # the question still has its <image> tag
    dataset = tmp_path / "sft.parquet"
    write_rows(dataset, SFT_SCHEMA, [good, broken, good])
    message = run(sft_recipe(tmp_path, tiny_model_dir, dataset), tmp_path)
    assert "fails the data check" in message
    assert f"{dataset}: row 1: field" in message
    assert "vision-r1 data check" in message


def test_more_gpus_than_the_machine_has(tmp_path: Path, tiny_model_dir: Path) -> None:
    dataset = tmp_path / "sft.parquet"
    write_sft_parquet([single_turn_sft_row("Q?", [encode_png(smoke_image())], "t", "1")], dataset)
    recipe = sft_recipe(tmp_path, tiny_model_dir, dataset, device="gpu")
    assert "preflight found 2 error(s)" in run(recipe, tmp_path)  # 1 row, batch 2 over 8 ranks
    message = run(recipe, tmp_path, preflight=False)  # the launch itself checks the device too
    assert "asks for 8 GPUs per node but this machine has 0" in message
