"""The registry behind `vision-r1 data convert --from FORMAT`: one entry per source format."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vision_r1.data.convert.boxes import BoxTarget, ResizePolicy
from vision_r1.data.convert.coco import coco_rows
from vision_r1.data.convert.geometry3k import geometry3k_rows
from vision_r1.data.convert.image_folder import image_folder_rows
from vision_r1.data.convert.refcoco import refcoco_rows
from vision_r1.data.convert.runner import Produced
from vision_r1.data.convert.sharegpt import sharegpt_rows
from vision_r1.data.convert.sources import split_paths
from vision_r1.data.convert.visual_rft import visual_rft_rows
from vision_r1.data.convert.vlm_r1 import vlm_r1_rows


@dataclass
class ConvertOptions:
    """Every option of `data convert`; each format reads the ones that apply to it."""

    source: str
    image_root: str | None = None
    reward: str | None = None
    coordinate_space: str = "model_input"
    resize: ResizePolicy = field(default_factory=ResizePolicy)
    box_format: str = "xyxy"
    reward_method: str | None = None
    task: str = "auto"
    source_space: str = "norm1000"
    split: str | None = None
    categories: str = "all"
    split_file: Path | None = None
    negatives: int = 0
    shots: int | None = None
    seed: int = 0
    data_source: str | None = None
    require_format: bool = False

    @property
    def roots(self) -> list[Path]:
        return split_paths(self.image_root)

    @property
    def target(self) -> BoxTarget:
        return BoxTarget(self.coordinate_space, self.resize)


@dataclass(frozen=True)
class SourceFormat:
    default_target: str
    rows: Callable[[ConvertOptions], Iterator[Produced]]
    summary: str


def _single_root(options: ConvertOptions) -> Path:
    if len(options.roots) != 1:
        raise ValueError("--image-root must name exactly one folder for this format")
    return options.roots[0]


FORMATS: dict[str, SourceFormat] = {
    "geometry3k": SourceFormat(
        "rl",
        lambda o: geometry3k_rows(
            o.source, o.roots, o.reward or "hfrrf", o.data_source or "geometry3k", o.split
        ),
        "table with images/problem/answer (parquet, JSON, JSONL, folder, or HF save_to_disk dir)",
    ),
    "sharegpt": SourceFormat(
        "sft",
        lambda o: sharegpt_rows(o.source, o.roots, o.require_format),
        "ShareGPT JSON/JSONL: {image(s), conversations: [{from, value}] or [{role, content}]}",
    ),
    "vlm-r1": SourceFormat(
        "rl",
        lambda o: vlm_r1_rows(
            o.source,
            o.image_root or "",
            o.reward_method,
            o.reward or "r1v",
            o.target,
            o.data_source or "vlm_r1",
        ),
        "VLM-R1 JSONL files joined by ':' with one image folder each (--image-root a:b)",
    ),
    "visual-rft": SourceFormat(
        "rl",
        lambda o: visual_rft_rows(o.source, o.roots, o.task, o.source_space, o.target),
        "Visual-RFT JSON: {image_path, problem, solution} (classification or detection)",
    ),
    "refcoco": SourceFormat(
        "rl",
        lambda o: refcoco_rows(o.source, o.roots, o.box_format, o.reward or "iou", o.target),
        "REC records: image, expression(s), bbox (xyxy, or xywh with --box-format xywh)",
    ),
    "coco": SourceFormat(
        "rl",
        lambda o: coco_rows(
            o.source,
            _single_root(o),
            o.categories,
            o.split_file,
            o.negatives,
            o.seed,
            o.reward or "detection",
            o.target,
        ),
        "COCO instances JSON + --image-root; one row per (image, category)",
    ),
    "image-folder": SourceFormat(
        "rl",
        lambda o: image_folder_rows(o.source, o.data_source or "image_folder", o.shots, o.seed),
        "ROOT/<class>/<images> (flowers102, pets37, cars196, aircraft); --shots K per class",
    ),
}
