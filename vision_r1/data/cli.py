"""`vision-r1 data ...`: build, convert and check the dataset files every stage trains on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="data",
    help="Datasets: synthetic visual math, converters from common formats, validation through verl.",
    no_args_is_help=True,
)

TemplateOption = Annotated[
    str,
    typer.Option(
        "--template",
        help="RL prompt template: vision_r1 (no system prompt), zero (R1 system prompt), think_instruction, "
        "or a YAML file with `system` and `user` ({question}) keys.",
    ),
]


@app.command()
def synth(
    out_dir: Annotated[
        Path, typer.Argument(help="Directory for rl_train/rl_val/coldstart_input parquet files.")
    ],
    n: Annotated[int, typer.Option("--n", min=1, help="Training rows.")] = 1000,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 0,
    val_n: Annotated[int | None, typer.Option(help="Validation rows (default n/10, at least 1).")] = None,
    tasks: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated tasks: counting,arithmetic,bar_chart,triangle,rec,detection (the default set) "
            "and ovd,grounding,classification (Visual-RFT / VLM-R1 task kinds)."
        ),
    ] = None,
    math_reward: Annotated[
        str, typer.Option(help="Reward kind of the math rows: hfrrf, r1v or math.")
    ] = "hfrrf",
    template: TemplateOption = "vision_r1",
) -> None:
    """Render a synthetic visual-math set with exact answers (plus a small REC/detection subset)."""
    from vision_r1.data.prompts import load_template
    from vision_r1.data.synth import write_synth_dataset

    if math_reward not in ("hfrrf", "r1v", "math"):
        raise typer.BadParameter(f"{math_reward!r} is not a math reward kind (hfrrf, r1v, math)")
    chosen = [name.strip() for name in tasks.split(",")] if tasks else None
    try:
        manifest = write_synth_dataset(
            out_dir,
            n,
            seed=seed,
            val_n=val_n,
            tasks=chosen,
            math_reward=math_reward,
            template=load_template(template),
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    for name, rows in manifest["files"].items():
        typer.echo(f"{out_dir / name}: {rows} rows")
    typer.echo(f"per source: {manifest['train_rows_per_source']}")


@app.command()
def convert(
    source: Annotated[
        str, typer.Argument(help="Input file/folder (vlm-r1: several JSONL files joined by ':').")
    ],
    out: Annotated[Path, typer.Argument(help="Output parquet file.")],
    from_format: Annotated[
        str,
        typer.Option(
            "--from",
            help="Source format: geometry3k, sharegpt, vlm-r1, visual-rft, refcoco, coco, image-folder.",
        ),
    ],
    to: Annotated[
        str | None,
        typer.Option(help="Output: rl, coldstart (cold-start input table) or sft; default per format."),
    ] = None,
    image_root: Annotated[
        str | None,
        typer.Option(help="Folder(s) image paths are relative to; ':'-joined, one per file for vlm-r1."),
    ] = None,
    template: TemplateOption = "vision_r1",
    strict: Annotated[bool, typer.Option(help="Stop at the first bad row instead of skipping it.")] = False,
    reward: Annotated[
        str | None,
        typer.Option(
            help="Reward kind (default: hfrrf geometry3k, r1v vlm-r1 text answers, iou refcoco, detection coco)."
        ),
    ] = None,
    coordinate_space: Annotated[
        str, typer.Option(help="Box targets: model_input (Qwen2.5-VL input frame), pixel or norm1000.")
    ] = "model_input",
    processor: Annotated[
        Path | None, typer.Option(help="Model/processor dir whose pixel limits define the model_input frame.")
    ] = None,
    min_pixels: Annotated[
        int | None, typer.Option(help="Processor min_pixels (default Qwen2.5-VL's 3136).")
    ] = None,
    max_pixels: Annotated[
        int | None, typer.Option(help="Processor max_pixels (default Qwen2.5-VL's 12845056).")
    ] = None,
    box_format: Annotated[str, typer.Option(help="refcoco boxes: xyxy or xywh (COCO style).")] = "xyxy",
    reward_method: Annotated[
        str | None, typer.Option(help="vlm-r1: file-level accu_reward_method per file, ':'-joined.")
    ] = None,
    task: Annotated[
        str, typer.Option(help="visual-rft: auto, classification, detection or grounding (LISA boxes).")
    ] = "auto",
    source_space: Annotated[
        str, typer.Option(help="visual-rft source boxes: norm1000 or pixel.")
    ] = "norm1000",
    split: Annotated[str | None, typer.Option(help="Split of an HF datasets dir (default train).")] = None,
    categories: Annotated[str, typer.Option(help="coco: all, base or novel categories.")] = "all",
    split_file: Annotated[
        Path | None,
        typer.Option(help='coco: JSON {"base": [...], "novel": [...]} (default: the 48/17 OVD split).'),
    ] = None,
    negatives: Annotated[int, typer.Option(min=0, help="coco: absent categories per image (answer []).")] = 0,
    shots: Annotated[
        int | None, typer.Option(min=1, help="image-folder: images per class (few-shot set); default all.")
    ] = None,
    seed: Annotated[
        int, typer.Option(help="coco: seed for the negative categories; image-folder: for shots.")
    ] = 0,
    data_source: Annotated[
        str | None,
        typer.Option(
            help="data_source value (geometry3k, vlm-r1; image-folder: flowers102, pets37, cars196, aircraft)."
        ),
    ] = None,
    require_format: Annotated[
        bool,
        typer.Option(
            help="sharegpt: reject assistant turns that are not <think>...</think><answer>...</answer>."
        ),
    ] = False,
) -> None:
    """Convert a dataset from a common format into an RL set, a cold-start input table or an SFT set."""
    from vision_r1.data.convert.boxes import ResizePolicy
    from vision_r1.data.convert.formats import FORMATS, ConvertOptions
    from vision_r1.data.convert.runner import ConversionError, run_conversion
    from vision_r1.data.prompts import load_template

    if from_format not in FORMATS:
        raise typer.BadParameter(
            f"unknown format {from_format!r}; choose from {sorted(FORMATS)}", param_hint="--from"
        )
    resize = ResizePolicy.from_processor_dir(processor) if processor else ResizePolicy()
    resize = ResizePolicy(resize.factor, min_pixels or resize.min_pixels, max_pixels or resize.max_pixels)
    options = ConvertOptions(
        source=source,
        image_root=image_root,
        reward=reward,
        coordinate_space=coordinate_space,
        resize=resize,
        box_format=box_format,
        reward_method=reward_method,
        task=task,
        source_space=source_space,
        split=split,
        categories=categories,
        split_file=split_file,
        negatives=negatives,
        shots=shots,
        seed=seed,
        data_source=data_source,
        require_format=require_format,
    )
    spec = FORMATS[from_format]
    try:
        report = run_conversion(
            spec.rows(options),
            out,
            to or spec.default_target,
            load_template(template),
            strict=strict,
            progress=True,
        )
    except (ConversionError, ValueError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    for line in report.lines():
        typer.echo(line)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="RL, SFT or cold-start input parquet file.")],
    processor: Annotated[
        Path | None,
        typer.Option(
            help="Model/processor dir for token counts (default: the tiny model, built in a temp dir)."
        ),
    ] = None,
    max_prompt_length: Annotated[
        int, typer.Option(help="Prompt limit to count rows against (data.max_prompt_length).")
    ] = 4096,
    max_length: Annotated[int, typer.Option(help="SFT sequence limit to count rows against.")] = 16384,
    limit: Annotated[int | None, typer.Option(min=1, help="Check only the first N rows.")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write the full report (all bad rows) as JSON.")
    ] = None,
) -> None:
    """Validate a dataset file and load it through verl's RLHFDataset / MultiTurnSFTDataset; exit 1 on bad rows."""
    import tempfile

    from transformers import AutoProcessor

    from vision_r1.data.check import check_file, write_report

    with tempfile.TemporaryDirectory(prefix="vision-r1-check-model-") as scratch:
        if processor is None:
            from vision_r1.tiny_model import build_tiny_model

            typer.echo("no --processor given: counting tokens with the tiny model's processor")
            processor = build_tiny_model(Path(scratch) / "tiny", seed=0)
        loaded = AutoProcessor.from_pretrained(processor)
    try:
        result = check_file(
            file, loaded, max_prompt_length=max_prompt_length, max_length=max_length, limit=limit
        )
    except (ValueError, FileNotFoundError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    for line in result.lines():
        typer.echo(line)
    if report:
        write_report(result, report)
    if result.bad_rows:
        raise typer.Exit(1)


@app.command("export-sharegpt")
def export_sharegpt_command(
    sft_file: Annotated[Path, typer.Argument(help="SFT parquet (messages + images).")],
    out_dir: Annotated[Path, typer.Argument(help="Folder for <name>.json, images/ and dataset_info.json.")],
    name: Annotated[str, typer.Option(help="Dataset name in dataset_info.json.")] = "vision_r1_sft",
) -> None:
    """Export an SFT set to LLaMA-Factory's ShareGPT format (JSON + image files + dataset_info.json)."""
    from vision_r1.data.sharegpt_export import export_sharegpt

    rows = export_sharegpt(sft_file, out_dir, name)
    typer.echo(f"{out_dir / (name + '.json')}: {rows} rows; images in {out_dir / 'images'}")
