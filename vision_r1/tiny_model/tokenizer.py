"""A byte-level BPE tokenizer with Qwen2.5-VL's special tokens, trained locally in well under a second.

The tiny model must behave like Qwen2.5-VL for every code path that matters (chat template, image
placeholders, `<think>`/`<answer>` tags surviving `skip_special_tokens=True` decoding) without any
download, so we train our own small vocabulary on a deterministic corpus of reasoning-style text.
"""

from __future__ import annotations

import random

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

# Special tokens in Qwen2.5-VL's order. They are "special": dropped by skip_special_tokens decoding.
QWEN_SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)

# Reasoning tags are added tokens but NOT special: like Qwen's own `<think>`, they must survive the
# `skip_special_tokens=True` decoding that verl applies before scoring a response.
REASONING_TAGS = ("<think>", "</think>", "<answer>", "</answer>")

VOCAB_SIZE = 1024

_WORDS = (
    "the image shows a of and to in is that for it with as on by this be are from at or an which "
    "question answer final think step first then so we need find value angle length area triangle "
    "circle square red blue green yellow shape count number total sum difference product bar chart "
    "height width left right top bottom point line degree degrees cm units option choice correct "
    "wait alternatively hmm let me check again therefore thus because since given equals "
    "description caption reasoning detailed box position confidence objects no there are how many "
    "what which is the largest smallest compute calculate x y z a b c d e"
).split()
_SYMBOLS = [*"0123456789+-*/=()[]{}<>.,:;'\"%°$\\^_!?", "\\frac", "\\sqrt", "\\boxed", "\\angle"]


def _training_corpus(seed: int, n_lines: int = 4000) -> list[str]:
    """Deterministic sentences mixing words, numbers and LaTeX so frequent pieces get merged."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n_lines):
        pieces = []
        for _ in range(rng.randint(4, 16)):
            roll = rng.random()
            if roll < 0.7:
                word = rng.choice(_WORDS)
                pieces.append(word.capitalize() if rng.random() < 0.1 else word)
            elif roll < 0.9:
                pieces.append(str(rng.randint(0, 1000)))
            else:
                pieces.append(rng.choice(_SYMBOLS))
        lines.append(" ".join(pieces))
    return lines


def build_tokenizer(seed: int) -> Tokenizer:
    """Train the byte-level BPE and register special tokens and reasoning tags."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=list(QWEN_SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_training_corpus(seed), trainer=trainer)
    tokenizer.add_tokens(list(REASONING_TAGS))
    return tokenizer
