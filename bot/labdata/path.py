"""What every lab run that follows a path of points shares."""

from __future__ import annotations


class TracedPath:
    """Read-only views of a run's ``path`` (every point, the start first) and ``values``
    (f along it); mixed into the frozen dataclasses that hold them."""

    path: tuple[tuple[float, ...], ...]
    values: tuple[float, ...]

    @property
    def final(self) -> tuple[float, ...]:
        return self.path[-1]

    @property
    def final_value(self) -> float:
        return self.values[-1]

    @property
    def steps_taken(self) -> int:
        return len(self.path) - 1
