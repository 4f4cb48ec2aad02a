"""`vision-r1 report RUN_DIR`: a run directory as a self-contained HTML page, PNGs and summary.md.

`build_report(run_dir, out=None) -> Path` is the entry point for code; matplotlib loads only then.
"""


def build_report(run_dir, out=None):
    """See `vision_r1.report.builder.build_report` (imported lazily: matplotlib is slow to load)."""
    from vision_r1.report.builder import build_report as build

    return build(run_dir, out)


__all__ = ["build_report"]
