"""Preflight: what a GPU run would reveal (parallel sizes vs heads, token budgets, batch rules, GPU
memory, checkpoint disk, packages, data), checked on any machine before anything launches."""

from vision_r1.preflight.environment import Environment
from vision_r1.preflight.findings import Finding, PreflightReport, Severity, StageReport
from vision_r1.preflight.run import run_preflight

__all__ = ["Environment", "Finding", "PreflightReport", "Severity", "StageReport", "run_preflight"]
