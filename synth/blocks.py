"""Columns of an interface file computed a block of rows at a time, when the file is rendered.

The largest files of a month (every insured person's relation, the household register) are plain functions of the
population: held whole as formatted text they cost more than the population itself. A source can instead give
`RowBlocks`: a function of a row range that returns every column of those rows, and the file's columns are
`Deferred` views of it. `errors.render_chunks` reads a file one block of rows at a time (``col[b0:b1]``), so only
one block of formatted rows exists at a time; the values are those the whole columns would hold (the function is
elementwise), so the bytes are the same. Anything else (check tables, tests: np.asarray, iteration, an index
array) sees the whole column, built for that use.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


class RowBlocks:
    """`build(b0, b1)` → {column: array of rows b0..b1}; the last block built is kept, so the columns of one block
    (read one after the other by the renderer) are computed once."""

    def __init__(self, n: int, build: Callable[[int, int], dict[str, np.ndarray]]):
        self.n, self.build = n, build
        self._key: tuple[int, int] | None = None
        self._block: dict[str, np.ndarray] = {}

    def block(self, b0: int, b1: int) -> dict[str, np.ndarray]:
        if self._key != (b0, b1):
            self._key, self._block = None, {}
            self._block, self._key = self.build(b0, b1), (b0, b1)
        return self._block

    def columns(self, names) -> dict[str, Deferred]:
        return {c: Deferred(self, c) for c in names}


class Deferred:
    """One column of a RowBlocks: ``col[b0:b1]`` computes (or reuses) that block; the whole column on demand."""

    def __init__(self, rows: RowBlocks, name: str):
        self.rows, self.name = rows, name

    def __len__(self) -> int:
        return self.rows.n

    @property
    def shape(self) -> tuple[int]:
        return (self.rows.n,)

    def __getitem__(self, key):
        if isinstance(key, slice):
            b0, b1, step = key.indices(self.rows.n)
            if step == 1:
                return self.rows.block(b0, max(b0, b1))[self.name]
        return np.asarray(self)[key]

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self.rows.build(0, self.rows.n)[self.name])
        return a if dtype is None else a.astype(dtype)

    def __iter__(self):
        return iter(np.asarray(self))
