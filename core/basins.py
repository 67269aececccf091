"""Basin maps: which minimum did each start point reach?"""

from __future__ import annotations

import numpy as np


def label_basins(
    finals: np.ndarray, minima: np.ndarray | None, radius: float
) -> tuple[np.ndarray, np.ndarray]:
    """Label each final point (N, 2) by the minimum it reached.

    Known ``minima`` (M, 2) come first: a point within ``radius`` of one gets its index. The other
    points are grouped greedily (a new group whenever a point is farther than ``radius`` from every
    group's first point). Returns ``(labels (N,), centres (K, 2))``; -1 labels a non-finite point.
    """
    finals = np.asarray(finals, dtype=float)
    centres = [] if minima is None else [np.asarray(m, dtype=float) for m in minima]
    labels = np.full(len(finals), -1, dtype=np.int64)
    finite = np.isfinite(finals).all(axis=1)
    for index in np.flatnonzero(finite):
        point = finals[index]
        if centres:
            distances = np.linalg.norm(np.asarray(centres) - point, axis=1)
            nearest = int(np.argmin(distances))
            if distances[nearest] <= radius:
                labels[index] = nearest
                continue
        centres.append(point)
        labels[index] = len(centres) - 1
    return labels, np.asarray(centres).reshape(-1, 2)


def grid_starts(x_range, y_range, side: int) -> np.ndarray:
    """``side x side`` start points on a grid, row-major in y then x (row = y, as images)."""
    xs = np.linspace(*x_range, side)
    ys = np.linspace(*y_range, side)
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def random_starts(x_range, y_range, count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([rng.uniform(*x_range, count), rng.uniform(*y_range, count)], axis=1)
