"""Masking people's names on public pages: enough to recognise oneself, not to identify
someone else.

A Chinese name keeps its first and last characters ("张三丰" → "张*丰"; a two-character
name keeps only the family name: "张三" → "张*"). A name written in words ("John Smith")
keeps each word's initial ("J* S*"); a single word is treated like a Chinese name.
"""

from __future__ import annotations

MASK = "*"


def _mask_word(word: str) -> str:
    if len(word) <= 1:
        return MASK
    if len(word) == 2:
        return word[0] + MASK
    return word[0] + MASK + word[-1]


def mask_name(name: str | None) -> str:
    """The name as others may see it on a public board."""
    words = (name or "").split()
    if not words:
        return MASK
    if len(words) == 1:
        return _mask_word(words[0])
    return " ".join(word[0] + MASK for word in words)
