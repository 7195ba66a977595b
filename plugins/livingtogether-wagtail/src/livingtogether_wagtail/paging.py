"""A listing's rows asked of the core a page at a time (one for every listing of the plugin)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class Paged(Sequence[T], Generic[T]):
    """A listing's rows as Django's paginator reads them, asked of the core a page at a
    time: ``len()`` is the total (one row read), ``rows[a:b]`` one page; every row is
    never loaded. ``fetch(limit, offset)`` is the core's paged call (a page with ``items`` and
    ``total``)."""

    def __init__(self, fetch: Callable[[int, int], Any]) -> None:
        self.fetch = fetch
        self.total: int | None = None

    def __len__(self) -> int:
        if self.total is None:
            self.total = self.fetch(1, 0).total
        return self.total

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, int):
            found = self[index:index + 1] if index >= 0 else self[len(self) + index:][:1]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, step = index.indices(len(self))
        if step != 1:
            raise ValueError("a listing's page is a plain slice")
        if stop <= start:
            return []
        page = self.fetch(stop - start, start)
        self.total = page.total
        return list(page.items)
