"""One progress bar per generation step: done / total, rate, and how many were reused or failed."""

from __future__ import annotations

from collections import Counter

from tqdm import tqdm


class StepProgress:
    def __init__(self, step_names: tuple[str, ...], total: int, enabled: bool):
        self._counts: dict[str, Counter[str]] = {name: Counter() for name in step_names}
        self._bars = (
            {
                name: tqdm(total=total, desc=f"{name:<12}", unit="req", position=position, leave=True)
                for position, name in enumerate(step_names)
            }
            if enabled
            else {}
        )

    def update(self, step: str, outcome: str) -> None:
        """`outcome`: "new" (requested now), "reused" (from the journal), "failed" or "failed_reused"
        (permanent failures), "pending" (sent, no answer this run) or "not_sent" (its endpoint was given
        up); both pending kinds are sent again by the next run."""
        counts = self._counts[step]
        counts[outcome] += 1
        bar = self._bars.get(step)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(
                reused=counts["reused"],
                errors=counts["failed"] + counts["failed_reused"],
                pending=counts["pending"] + counts["not_sent"],
                refresh=False,
            )

    def counts(self) -> dict[str, dict[str, int]]:
        return {step: dict(counts) for step, counts in self._counts.items()}

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
