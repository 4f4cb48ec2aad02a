"""Compose verl's own Hydra configs with a stage's overrides and validate them before anything launches.

A misspelled key or a wrong type must fail in seconds with the key named, not after a Ray cluster
has started. We therefore compose exactly what `verl.trainer.main_ppo` / `verl.trainer.sft_trainer`
would compose, run verl's own validation on it, and add the type check Hydra does not do for
verl's untyped YAML defaults.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from omegaconf import DictConfig, ListConfig, OmegaConf

PPO_CONFIG = "ppo_trainer"  # verl/trainer/main_ppo.py: @hydra.main(config_name="ppo_trainer")
SFT_CONFIG = (
    "sft_trainer_engine"  # verl/trainer/sft_trainer.py: @hydra.main(config_name="sft_trainer_engine")
)

# verl keys whose int default also accepts a string (verl/trainer/sft_trainer.py: "after_each_epoch").
_STRING_ALTERNATIVES = {"trainer.save_freq"}


class VerlConfigError(ValueError):
    """A verl override that verl would reject; the message names the stage and the key."""


def compose(config_name: str, overrides: Sequence[str]) -> DictConfig:
    """Compose `verl/trainer/config/<config_name>.yaml` with Hydra command-line style overrides."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    try:
        with initialize_config_module(config_module="verl.trainer.config", version_base=None):
            return hydra_compose(config_name=config_name, overrides=list(overrides))
    except (HydraException, OmegaConfBaseException) as exc:
        raise VerlConfigError(str(exc).strip()) from None


@functools.cache
def verl_defaults(config_name: str) -> DictConfig:
    """verl's own defaults for a config, read-only; composed once per process (a compose takes a
    second or more, and planning a recipe asks for the defaults once per verl stage)."""
    config = compose(config_name, [])
    OmegaConf.set_readonly(config, True)
    return config


def _override_key(text: str) -> str:
    key = text.split("=", 1)[0].strip()
    return key.lstrip("+~")


def _type_error(key: str, default: object, value: object) -> str | None:
    if default is None or value is None or key in _STRING_ALTERNATIVES:
        return None
    expected: tuple[type, ...]
    if isinstance(default, bool):
        expected = (bool,)
    elif isinstance(default, int | float):
        expected = (int, float)  # verl writes float fields with int defaults (entropy_coeff: 0)
    elif isinstance(default, ListConfig | list):
        expected = (ListConfig, list)
    elif isinstance(default, DictConfig | dict):
        expected = (DictConfig, dict)
    else:
        return None
    if isinstance(value, bool) and bool not in expected:
        return f"{key}={value!r}: expected {type(default).__name__} (default {default!r}), got a boolean"
    if not isinstance(value, expected):
        return f"{key}={value!r}: expected {type(default).__name__} (default {default!r}), got {type(value).__name__}"
    return None


def check_types(config_name: str, config: DictConfig, overrides: Sequence[str]) -> None:
    """Compare every overridden value's type with verl's default for that key."""
    defaults = verl_defaults(config_name)
    problems = []
    for text in overrides:
        key = _override_key(text)
        if text.startswith(("+", "~")):
            continue
        default = OmegaConf.select(defaults, key, throw_on_missing=False)
        value = OmegaConf.select(config, key, throw_on_missing=False)
        problem = _type_error(key, default, value)
        if problem:
            problems.append(problem)
    if problems:
        raise VerlConfigError("wrong type for verl key(s):\n  " + "\n  ".join(problems))


def validate_ppo(overrides: Sequence[str]) -> DictConfig:
    """What `verl.trainer.main_ppo.main` checks before starting Ray, plus the type check."""
    from verl.trainer.main_ppo import need_critic, need_reference_policy, validate_config

    config = compose(PPO_CONFIG, overrides)
    check_types(PPO_CONFIG, config, overrides)
    try:
        validate_config(
            config, use_reference_policy=need_reference_policy(config), use_critic=need_critic(config)
        )
    except Exception as exc:  # verl raises AssertionError/ValueError/InstantiationException here
        raise VerlConfigError(f"verl rejected the PPO config: {exc}") from None
    return config


def validate_sft(overrides: Sequence[str]) -> DictConfig:
    """Compose the SFT config and build verl's typed sections, as `sft_trainer` does at start-up."""
    from verl.utils.config import omega_conf_to_dataclass

    config = compose(SFT_CONFIG, overrides)
    check_types(SFT_CONFIG, config, overrides)
    for section in ("engine", "optim", "checkpoint"):
        try:
            omega_conf_to_dataclass(config[section])
        except Exception as exc:
            raise VerlConfigError(f"verl rejected the SFT config section {section!r}: {exc}") from None
    return config


def top_level_keys(config_name: str) -> set[str]:
    """The top-level sections of a verl config; used to route `--` overrides to the stages they fit."""
    return set(verl_defaults(config_name).keys())
