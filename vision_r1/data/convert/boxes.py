"""Box coordinates: source formats (xyxy / xywh, pixel / 0-1000), and the frame the model answers in.

Ground truths are always written in original-image pixels (what the rewards and the dataset-level
metrics compare against); the target space only decides what the question asks the model for and
how the reward reads the model's numbers back (`extra_info.coordinate_space`, `model_input_size`).
`model_input` is the frame Qwen2.5-VL actually sees: verl's RLHFDataset passes each image through
qwen-vl-utils' `fetch_image` (resize to multiples of 28 within 4..16384 tokens) and then the
processor resizes again within its own pixel limits. We apply the same two resizes, so a box in
that frame is exactly what the model is expected to output.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from vision_r1.data.example import Example, RowError, decode_all
from vision_r1.data.prompts import box_instruction

QWEN25_VL_MIN_PIXELS = 3136
QWEN25_VL_MAX_PIXELS = 12845056
PIXEL_SLACK = 1.0  # annotation boxes overshooting the border by < 1 px are clamped, not rejected


@dataclass(frozen=True)
class ResizePolicy:
    """The processor's resize: multiples of `factor` (patch x merge) within [min_pixels, max_pixels]."""

    factor: int = 28
    min_pixels: int = QWEN25_VL_MIN_PIXELS
    max_pixels: int = QWEN25_VL_MAX_PIXELS

    @classmethod
    def from_processor_dir(cls, directory: str | os.PathLike[str]) -> ResizePolicy:
        """The limits of the image processor saved in a model directory."""
        from transformers import AutoImageProcessor

        processor = AutoImageProcessor.from_pretrained(directory)
        size = dict(getattr(processor, "size", None) or {})
        return cls(
            factor=int(processor.patch_size) * int(processor.merge_size),
            min_pixels=int(
                size.get("shortest_edge") or getattr(processor, "min_pixels", None) or QWEN25_VL_MIN_PIXELS
            ),
            max_pixels=int(
                size.get("longest_edge") or getattr(processor, "max_pixels", None) or QWEN25_VL_MAX_PIXELS
            ),
        )

    def model_input_size(self, width: int, height: int) -> tuple[int, int]:
        from qwen_vl_utils import smart_resize as fetch_resize
        from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize as processor_resize

        fetched_h, fetched_w = fetch_resize(height, width, factor=self.factor)
        final_h, final_w = processor_resize(
            fetched_h, fetched_w, factor=self.factor, min_pixels=self.min_pixels, max_pixels=self.max_pixels
        )
        return final_w, final_h


def to_xyxy(box: list[float], box_format: str) -> list[float]:
    if len(box) != 4:
        raise RowError("box", f"expected 4 numbers, got {box!r}")
    x, y, a, b = (float(v) for v in box)
    if box_format == "xyxy":
        return [x, y, a, b]
    if box_format == "xywh":
        return [x, y, x + a, y + b]
    raise ValueError(f"unknown box format {box_format!r}; expected xyxy or xywh")


def norm1000_to_pixels(box: list[float], size: tuple[int, int]) -> list[float]:
    width, height = size
    return [box[0] * width / 1000, box[1] * height / 1000, box[2] * width / 1000, box[3] * height / 1000]


@dataclass(frozen=True)
class BoxTarget:
    """Where converted boxes go: the declared coordinate space and, for model_input, the resize."""

    space: str = "model_input"
    resize: ResizePolicy = ResizePolicy()

    def frame(self, image_size: tuple[int, int]) -> tuple[int, int]:
        if self.space == "pixel":
            return image_size
        if self.space == "norm1000":
            return 1000, 1000
        if self.space == "model_input":
            return self.resize.model_input_size(*image_size)
        raise ValueError(f"unknown coordinate space {self.space!r}")

    def model_input_size(self, image_size: tuple[int, int]) -> tuple[int, int] | None:
        return self.resize.model_input_size(*image_size) if self.space == "model_input" else None


def clamp_to_image(pixel_box: list[float], image_size: tuple[int, int]) -> list[float]:
    """An xyxy pixel box with sub-pixel overshoots of the border clamped (annotation rounding), rounded
    to 1/100 px; a box further outside is left as it is, for the row check to reject."""
    width, height = image_size
    return [
        round(min(max(v, 0.0), limit) if -PIXEL_SLACK <= v <= limit + PIXEL_SLACK else v, 2)
        for v, limit in zip(pixel_box, (width, height, width, height), strict=True)
    ]


_BOX_IN_TEXT = re.compile(
    r"\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]"
)


def boxes_in_text(text: str) -> list[list[float]]:
    """Every `[x1, y1, x2, y2]` written in a solution string (plain, JSON `bbox_2d`, or Visual-RFT `Position`)."""
    return [[float(v) for v in match] for match in _BOX_IN_TEXT.findall(text)]


_ANSWER_TAGS = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)


def strip_answer_tags(text: str) -> str:
    """The content of the last `<answer>...</answer>` in a solution, or the text itself."""
    found = _ANSWER_TAGS.findall(text)
    return (found[-1] if found else text).strip()


def box_example(
    *,
    id: str,
    data_source: str,
    images: list[bytes],
    question: str | Callable[[tuple[int, int]], str],
    pixel_boxes: list[list[float]],
    reward: str,
    target: BoxTarget,
    single: bool,
    labels: list[str] | None = None,
    image_id: str | None = None,
    category: str | None = None,
) -> Example:
    """An REC (single box) or detection (box list) example; the answer holds pixel boxes.

    `question` is either the source's own question, to which the sentence stating the coordinate
    space is appended, or a function of the target frame size that writes the whole question.
    `labels` (one per box) makes the answer a labelled list `[{"bbox_2d": [...], "label": ...}]`,
    which the `map` rewards need to score categories apart."""
    if not images:
        raise RowError("images", "no image")
    sizes = decode_all(images)
    size = sizes[0]
    if single and len(pixel_boxes) != 1:
        raise RowError("answer", f"expected exactly one box, found {len(pixel_boxes)}")
    boxes = [clamp_to_image(box, size) for box in pixel_boxes]
    frame = target.frame(size)
    if callable(question):
        text = question(frame)
    else:
        text = question.rstrip() + box_instruction(target.space, frame, multiple=not single)
    if labels is not None:
        answer = json.dumps(
            [{"bbox_2d": box, "label": label} for box, label in zip(boxes, labels, strict=True)]
        )
    else:
        answer = json.dumps(boxes[0] if single else boxes)
    return Example(
        id=id,
        data_source=data_source,
        images=images,
        question=text,
        answer=answer,
        reward=reward,
        coordinate_space=target.space,
        model_input_size=target.model_input_size(size),
        image_sizes=sizes,
        image_id=image_id,
        category=category,
    )
