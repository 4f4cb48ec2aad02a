"""Learning, measured: `recipes/tiny_learn.yaml` run once through the stage runner and verl on CPU.

One run (module fixture) serves the three claims of the recipe, each read back the way
`vision-r1 report` reads it: SFT puts held-out responses into the exact think/answer format, GRPO
raises the brief_thinking reward, and the same stage trained on minus the reward lowers it.
The control runs 12 of the recipe's 40 steps here (its reward reaches 0 within about 6 steps; this
saves a minute of CI), everything else runs as the README runs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vision_r1.report.learning import RewardCurve, format_shares, reward_curves
from vision_r1.report.run_data import RunData, load_run

RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "tiny_learn.yaml"
RUN_TIMEOUT = 2400
STEPS = {"grpo": 40, "grpo_control": 12}

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(RUN_TIMEOUT + 120)]


@pytest.fixture(scope="module")
def learned_run(tmp_path_factory: pytest.TempPathFactory) -> RunData:
    run_dir = tmp_path_factory.mktemp("learn") / "tiny_learn"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "vision_r1.cli", "run", str(RECIPE), f"run_dir={run_dir}"),
            f"stages.grpo_control.steps={STEPS['grpo_control']}",
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return load_run(run_dir)


def curve(run: RunData, stage: str) -> RewardCurve:
    (found,) = [c for c in reward_curves(run) if c.stage == stage]
    assert len(found.rewards) == STEPS[stage]
    return found


def test_sft_puts_held_out_responses_into_the_exact_format(learned_run: RunData) -> None:
    shares = format_shares(learned_run)
    assert shares["eval_base"] <= 5.0
    assert shares["eval_sft"] >= 90.0


def test_grpo_raises_the_reward_by_at_least_0_3(learned_run: RunData) -> None:
    grpo = curve(learned_run, "grpo")
    assert not grpo.negated
    assert grpo.last_mean - grpo.first_mean >= 0.3


def test_the_negated_control_lowers_the_reward(learned_run: RunData) -> None:
    control = curve(learned_run, "grpo_control")
    assert control.negated
    assert control.first_mean > 0.0  # the target was reachable, so there was something to lose
    assert control.last_mean <= control.first_mean / 2
