"""`refcoco`, `lisa` and `classification` against values worked out by hand, plus the options and
summary plumbing shared by every task kind."""

from __future__ import annotations

import random

import pytest

from vision_r1.evaluation.benchmarks import BenchmarkSpec
from vision_r1.evaluation.cli import benchmark_options
from vision_r1.evaluation.items import BenchmarkFormatError, EvalItem
from vision_r1.evaluation.summary_markdown import benchmark_markdown
from vision_r1.evaluation.tasks import prepare_items, task_summary

T = "<think>t</think>"


def item(item_id: str, answer: str, data_source: str = "x", **extra) -> EvalItem:
    return EvalItem(item_id, [{"role": "user", "content": "<image>q"}], [b""], answer, data_source=data_source,
                    extra_info=extra)  # fmt: skip


def test_refcoco_acc_at_0_5_is_strictly_greater_and_rescales_model_input_boxes() -> None:
    truth = "[0, 0, 100, 100]"
    items = [
        item("a", truth),
        item("b", truth),
        item("c", truth),
        item("d", truth, coordinate_space="model_input", image_size=[200, 100], model_input_size=[100, 50]),
        item("e", truth),
    ]
    responses = [
        f"{T}<answer>[0, 0, 100, 90]</answer>",  # IoU 0.9
        f"{T}<answer>[0, 0, 100, 50]</answer>",  # IoU exactly 0.5: not counted
        "[0, 0, 100, 100]",  # no answer tags: no box, as in VLM-R1's script
        "<answer>[0, 0, 50, 50]</answer>",  # model-input box x2 -> [0, 0, 100, 100]; format broken
        f'{T}<answer>{{"bbox_2d": [0, 0, 80, 100]}}</answer>',  # IoU 0.8
    ]
    summary = task_summary("refcoco", items, [{"response": r} for r in responses], {})
    values = summary["task"]["values"]
    assert summary["metric"] == "Acc@0.5" and summary["accuracy"] == 60.0
    assert values == {"acc50": 60.0, "acc50_strict": 40.0, "mean_iou": 64.0, "items": 5}


def test_refcoco_subset_is_vlm_r1s_seeded_shuffle_and_never_the_default() -> None:
    items = [item(str(i), "[0, 0, 1, 1]") for i in range(50)]
    assert prepare_items("refcoco", items, {}) == items
    chosen = prepare_items("refcoco", items, {"subset": 10})
    shuffled = list(range(50))
    random.seed(42)  # what VLM-R1's test_rec_r1.py does before taking data[:sample_num]
    random.shuffle(shuffled)
    assert [int(i.item_id) for i in chosen] == shuffled[:10]
    assert prepare_items("refcoco", items, {"subset": 10, "seed": 1}) != chosen
    with pytest.raises(BenchmarkFormatError, match=r"item 0: .*one box"):
        prepare_items("refcoco", [item("0", "[[0, 0, 1, 1], [1, 1, 2, 2]]")], {})


def test_lisa_giou_is_the_mean_and_ciou_the_cumulative_ratio() -> None:
    items = [item("a", "[0, 0, 10, 10]"), item("b", "[0, 0, 100, 100]"), item("c", "[0, 0, 10, 10]")]
    responses = [
        f"{T}<answer>(0, 0), (10, 10)</answer>",  # inter 100, union 100
        "<answer>[0, 0, 100, 50]</answer>",  # inter 5000, union 10000; not strict
        f"{T}<answer>none</answer>",  # no box: inter 0, union 100
    ]
    values = task_summary("lisa", items, [{"response": r} for r in responses], {})["task"]["values"]
    assert values["giou"] == pytest.approx(100 * (1 + 0.5 + 0) / 3, abs=0.01)
    assert values["ciou"] == pytest.approx(100 * 5100 / 10200, abs=0.01)
    assert values["giou_strict"] == pytest.approx(100 / 3, abs=0.01)
    assert values["ciou_strict"] == pytest.approx(100 * 100 / 10200, abs=0.01)


def test_classification_top1_per_dataset_and_class_official_and_strict() -> None:
    items = [
        item("1", "pink primrose", "flowers102"),
        item("2", "pink primrose", "flowers102"),
        item("3", "tabby", "pets37"),
        item("4", "tabby", "pets37"),
    ]
    responses = [
        f"{T}<answer>Pink_Primrose</answer>",  # both rules
        f"{T}<answer>a pink primrose flower</answer>",  # substring: Visual-RFT yes, exact no
        f"{T}<answer></answer>",  # empty answer: Visual-RFT's rule says yes (its defect)
        "tabby",  # no answer tags: no
    ]
    summary = task_summary("classification", items, [{"response": r} for r in responses], {})
    task = summary["task"]
    assert summary["accuracy"] == 75.0 and task["values"]["top1_strict"] == 25.0
    assert task["tables"]["per dataset"]["rows"] == {"flowers102": [2, 100.0, 50.0], "pets37": [2, 50.0, 0.0]}
    assert task["tables"]["per class"]["rows"]["tabby"] == [2, 50.0, 0.0]
    markdown = benchmark_markdown(
        {"name": "cls", "items": 4, "accuracy": 75.0, "format_rate": 75.0, "extraction_rate": 75.0,
         "truncated_rate": 0.0, "response_tokens": {"mean": 1, "p50": 1, "p90": 1, "p99": 1, "max": 1},
         "by_category": {}, **summary}
    )  # fmt: skip
    assert (
        "| top1 | top1_strict | items | classes |" in markdown
        and "| flowers102 | 2 | 100.00 | 50.00 |" in markdown
    )


def test_options_are_checked_and_addressed_by_benchmark_name() -> None:
    assert benchmark_options(["val.subset=2000", "val.seed=7"], ["val"]) == {
        "val": {"subset": 2000, "seed": 7}
    }
    with pytest.raises(ValueError, match="no benchmark named 'test'"):
        benchmark_options(["test.subset=1"], ["val"])
    with pytest.raises(ValueError, match=r"unknown options \['subsett'\] \(known: subset, seed\)"):
        BenchmarkSpec("refcoco", "val.parquet", options={"subsett": 1})
    with pytest.raises(ValueError, match="known: none"):
        BenchmarkSpec("lisa", "x.parquet", options={"subset": 1})
    assert BenchmarkSpec.parse("refcoco=data/refcoco_testA.parquet").name == "refcoco_testA"
