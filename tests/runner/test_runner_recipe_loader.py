"""Recipe loading: references, defaults, overrides, and precise errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from vision_r1.recipe.loader import RecipeError, load_recipe

BASE = {
    "name": "t",
    "base_model": "Org/Model",
    "run_dir": "runs/t",
    "defaults": {"grpo": {"lr": 1e-6, "reward": "hfrrf", "rollout_batch_size": 4, "mini_batch_size": 2}},
    "stages": [
        {"name": "data", "kind": "synth", "n": 10},
        {
            "name": "sft",
            "kind": "sft",
            "model": "${base_model}",
            "dataset": "${stages.data.output.rl_train}",
            "lr": 1e-5,
            "global_batch_size": 2,
            "max_length": 256,
        },
        {
            "name": "rl",
            "kind": "grpo",
            "model": "${stages.sft.output.model}",
            "dataset": "${stages.data.output.rl_train}",
            "steps": 2,
            "max_prompt_length": 128,
            "max_response_length": 32,
            "rollout_n": 4,
        },
    ],
}


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_references_defaults_and_run_dir_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    recipe = load_recipe(write(tmp_path, BASE))
    run_dir = tmp_path / "runs" / "t"
    assert recipe.run_dir == str(run_dir)
    sft, rl = recipe.stage("sft"), recipe.stage("rl")
    assert sft.model == "Org/Model"
    assert sft.dataset == str(run_dir / "data" / "sets" / "rl_train.parquet")
    assert rl.model == str(run_dir / "sft" / "model")
    assert rl.lr == 1e-6 and rl.reward == "hfrrf"  # from defaults.grpo


def test_overrides_by_stage_name_index_and_top_level(tmp_path: Path) -> None:
    recipe = load_recipe(
        write(tmp_path, BASE),
        ["stages.rl.steps=7", "stages.0.n=3", "base_model=Other/M", "stages.rl.lr=2e-6", "run_dir=/tmp/x"],
    )
    assert recipe.stage("rl").steps == 7
    assert recipe.stage("data").n == 3
    assert recipe.stage("sft").model == "Other/M"
    assert recipe.stage("rl").lr == 2e-6  # an explicit override beats defaults.grpo
    assert recipe.run_dir == "/tmp/x"


@pytest.mark.parametrize(
    ("mutate", "overrides", "message"),
    [
        (lambda d: d["stages"][1].update(lrr=1), [], "stages.sft.lrr: Extra inputs are not permitted"),
        (
            lambda d: d["stages"][2].update(rollout_n=1),
            [],
            "stages.rl.rollout_n: Input should be greater than or equal to 2",
        ),
        (lambda d: d["stages"][2].update(mini_batch_size=3), [], "must be a multiple of mini_batch_size"),
        (lambda d: d["stages"].append(dict(d["stages"][0])), [], "stage name 'data' is used twice"),
        (lambda d: d["stages"][0].update(kind="nope"), [], "stages.data.kind: unknown stage kind 'nope'"),
        (lambda d: d["stages"][1].update(model="${stages.rl.output.model}"), [], "not an earlier stage"),
        (
            lambda d: d["stages"][1].update(model="${stages.data.output.weights}"),
            [],
            "has no output 'weights'",
        ),
        (lambda d: d["stages"][1].update(model="${nothing}"), [], "unknown reference ${nothing}"),
        (lambda d: None, ["stages.nostage.lr=1"], "no stage named 'nostage'"),
        (lambda d: None, ["justakey"], "not of the form key=value"),
        (lambda d: d.pop("base_model"), [], "base_model: Field required"),
    ],
)
def test_bad_recipes_name_the_file_and_key(
    tmp_path: Path, mutate, overrides: list[str], message: str
) -> None:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(RecipeError) as caught:
        load_recipe(path, overrides)
    text = str(caught.value)
    assert message in text
    if not overrides:  # file problems name the file; command-line problems quote the override
        assert str(path) in text


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="recipe file not found"):
        load_recipe(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(RecipeError, match="not valid YAML"):
        load_recipe(bad)
    bad.write_text("- a list\n")
    with pytest.raises(RecipeError, match="must be a mapping"):
        load_recipe(bad)
