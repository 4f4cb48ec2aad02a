"""The tiny random-weight Qwen2.5-VL that every CPU test and the CPU demo run on."""

from vision_r1.tiny_model.builder import build_tiny_model

__all__ = ["build_tiny_model"]
