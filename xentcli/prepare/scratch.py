"""Memory reused from chunk to chunk by the preparer and the kernels."""

from __future__ import annotations

import math

import numpy as np


class Scratch:
    """Arrays reused from chunk to chunk: fresh ones pay page faults on first touch."""

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """An uninitialised float64 array of this shape, the same memory every call."""
        size = math.prod(shape)
        buffer = self._buffers.get(name)
        if buffer is None or buffer.size < size:
            buffer = self._buffers[name] = np.empty(size)
        return buffer[:size].reshape(shape)
