"""What the preflight reports: per stage, one line per check, each failing line saying what to change.

`error` means the run would crash, run out of memory or disk, or silently lose steps; `warning`
means it would run but waste resources or train on something other than intended; `ok` lines
show what was checked and against which numbers; `skipped` lines say why a check could not run
here (an unknown model shape, a dataset that does not exist yet, a CPU-only install).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    OK = "ok"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Finding:
    check: str
    severity: Severity
    message: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.severity.value:<8}{self.check}: {self.message}"
        return f"{text}\n          fix: {self.fix}" if self.fix else text


def ok(check: str, message: str) -> Finding:
    return Finding(check, Severity.OK, message)


def skipped(check: str, message: str) -> Finding:
    return Finding(check, Severity.SKIPPED, message)


def error(check: str, message: str, fix: str) -> Finding:
    return Finding(check, Severity.ERROR, message, fix)


def warning(check: str, message: str, fix: str) -> Finding:
    return Finding(check, Severity.WARNING, message, fix)


@dataclass
class StageReport:
    stage: str
    kind: str
    findings: list[Finding] = field(default_factory=list)
    gpu_memory_gib: float | None = None  # the stage's peak estimate per GPU
    disk_gib: float | None = None  # what the stage leaves on disk at its peak (checkpoints + model)


@dataclass
class PreflightReport:
    stages: list[StageReport]
    run_findings: list[Finding] = field(default_factory=list)

    def all_findings(self) -> list[Finding]:
        return [f for report in self.stages for f in report.findings] + self.run_findings

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.all_findings() if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.all_findings() if f.severity is Severity.WARNING]

    def stage(self, name: str) -> StageReport:
        return next(report for report in self.stages if report.stage == name)

    def lines(self) -> list[str]:
        lines = []
        for report in self.stages:
            lines.append(f"preflight {report.stage} ({report.kind})")
            lines += [f"  {finding.line()}" for finding in report.findings]
        if self.run_findings:
            lines.append("preflight (whole run)")
            lines += [f"  {finding.line()}" for finding in self.run_findings]
        lines.append(f"preflight: {len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return lines
