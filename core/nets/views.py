"""What the Network Lab's views show, computed from a model's predictions (numpy only): the
decision boundary of 2D data and the confusion matrix of classes."""

from __future__ import annotations

import contourpy
import numpy as np


def boundary_line(
    xs: np.ndarray, ys: np.ndarray, probability: np.ndarray, level: float = 0.5
) -> np.ndarray:
    """The ``probability == level`` contour of a grid (row = y) as one NaN-separated ``(K, 2)``
    line; ``(0, 2)`` when the grid never crosses the level."""
    generator = contourpy.contour_generator(
        np.asarray(xs, float),
        np.asarray(ys, float),
        np.asarray(probability, float),
        line_type="ChunkCombinedNan",
    )
    line = generator.lines(level)[0][0]
    return np.empty((0, 2)) if line is None else line


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """``(classes, classes)`` counts: row = true class, column = predicted class."""
    truth, predicted = np.asarray(truth, np.int64), np.asarray(predicted, np.int64)
    if truth.shape != predicted.shape:
        raise ValueError(f"truth {truth.shape} and predictions {predicted.shape} differ")
    confusion = np.zeros((classes, classes), np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    return confusion
