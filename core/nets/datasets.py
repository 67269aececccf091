"""Offline datasets for the Network Lab: 2D classification, 1D regression and the 8x8 digits.

Every dataset is drawn from a seeded ``numpy.random.Generator`` and split into a training and a
validation set. ``mismatch`` draws the validation set from a *different* distribution (shifted or
rotated inputs): the notes' "mismatch", where training and validation losses differ for a reason
that more training data does not fix.

=========  ================================  =====  =====  ========================================
name       task                              size   noise  what noise is
=========  ================================  =====  =====  ========================================
circles    2 classes: disc inside a ring     400    0.1    std of Gaussian noise on the coordinates
xor        2 classes: sign of x*y            400    0.1    same
gaussians  2 classes: two Gaussian blobs     400    0.1    same (the blobs' own spread is 0.3)
spiral     2 classes: two spirals            400    0.05   same
moons      2 classes: two half moons         400    0.1    same
blobs      K classes: K Gaussian blobs       450    0.05   same (each blob's own spread is 0.18)
spirals    K classes: K-arm spiral (CS231n)  450    0.04   same
pinwheel   K classes: K curved pinwheel arms 450    0.03   same
sine       regression: sin(2 pi x)           100    0.15   std of Gaussian noise on y
sinc       regression: sin(5 pi x)/(5 pi x)  200    0.0    same (the course homework's function)
digits     10 classes: 8x8 images            1797   0.0    std of Gaussian noise on pixels (0..1)
=========  ================================  =====  =====  ========================================

The K-class sets (``MULTICLASS_2D``) take ``classes`` (3 to 6, default 3) and draw the same
number of points of each class (within one). 2D inputs lie in about [-1, 1]^2, 1D inputs in
[-1, 1]; digit pixels are scaled from 0..16 to 0..1 and flattened to 64 inputs. Mismatch
``shift`` moves the validation inputs by ``amount`` (2D: along both axes; 1D: the interval
[-1, 1] becomes [-1 + a, 1 + a]; digits: ``amount`` pixels to the right); ``rotate`` turns them
by ``amount`` degrees about the origin (digits: about the image centre; not for 1D). The digits
augmentation (flips, shifts, noise, cutout, mixup) works on torch batches and is applied by the
trainer to each training batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

import resources

Task = Literal["classification", "regression"]

BINARY_2D = ("circles", "xor", "gaussians", "spiral", "moons")
MULTICLASS_2D = ("blobs", "spirals", "pinwheel")  # take ``classes``
CLASSIFICATION_2D = (*BINARY_2D, *MULTICLASS_2D)
REGRESSION_1D = ("sine", "sinc")
DATASET_NAMES = (*CLASSIFICATION_2D, *REGRESSION_1D, "digits")
MIN_CLASSES, MAX_CLASSES, DEFAULT_CLASSES = 3, 6, 3  # the K-class sets' range
DIGITS_COUNT = 1797

# Per dataset: default size and noise (see the module docstring).
DATASET_DEFAULTS: dict[str, dict[str, float]] = {
    "circles": {"size": 400, "noise": 0.1},
    "xor": {"size": 400, "noise": 0.1},
    "gaussians": {"size": 400, "noise": 0.1},
    "spiral": {"size": 400, "noise": 0.05},
    "moons": {"size": 400, "noise": 0.1},
    "blobs": {"size": 450, "noise": 0.05, "classes": DEFAULT_CLASSES},
    "spirals": {"size": 450, "noise": 0.04, "classes": DEFAULT_CLASSES},
    "pinwheel": {"size": 450, "noise": 0.03, "classes": DEFAULT_CLASSES},
    "sine": {"size": 100, "noise": 0.15},
    "sinc": {"size": 200, "noise": 0.0},
    "digits": {"size": DIGITS_COUNT, "noise": 0.0},
}
MISMATCH_KINDS = ("shift", "rotate")
# Default mismatch amounts: a shift in input units (digits: pixels), a rotation in degrees.
MISMATCH_DEFAULTS = {"shift": 0.5, "rotate": 45.0}
DIGITS_MISMATCH_DEFAULTS = {"shift": 2.0, "rotate": 30.0}
MAX_SIZE = 20_000


@dataclass(frozen=True)
class Dataset:
    """A training and a validation set, as numpy arrays ready for torch.

    ``x_*`` are float32 ``(N, input_dim)``; ``y_*`` are int64 class labels ``(N,)`` for
    classification and float32 targets ``(N,)`` for regression.
    """

    name: str
    task: Task
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    classes: int  # 0 for regression
    bounds: tuple[tuple[float, float], ...] = ()  # display range per input (2D and 1D data)
    image_shape: tuple[int, int] | None = None  # (8, 8) for the digits
    description: dict[str, str] = field(default_factory=dict)

    @property
    def input_dim(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def output_dim(self) -> int:
        return self.classes if self.task == "classification" else 1

    def with_points(self, points: np.ndarray, labels: np.ndarray) -> Dataset:
        """A copy with ``points`` (M, input_dim) and their labels added to the training set."""
        points = np.asarray(points, dtype=np.float32).reshape(-1, self.input_dim)
        dtype = np.int64 if self.task == "classification" else np.float32
        labels = np.asarray(labels, dtype=dtype).reshape(-1)
        if len(points) != len(labels):
            raise ValueError(f"{len(points)} points but {len(labels)} labels")
        if (
            self.task == "classification"
            and len(labels)
            and not (labels.min() >= 0 and labels.max() < self.classes)
        ):
            raise ValueError(f"labels must lie in 0..{self.classes - 1}")
        return replace(
            self,
            x_train=np.concatenate([self.x_train, points]),
            y_train=np.concatenate([self.y_train, labels]),
        )


# --- generators: (n, noise, rng) -> inputs (n, d), targets (n,) ---------------------------------


def _two_classes(n: int) -> np.ndarray:
    return np.concatenate([np.zeros(n // 2, np.int64), np.ones(n - n // 2, np.int64)])


def _circles(n, noise, rng):
    labels = _two_classes(n)
    radius = np.where(labels == 0, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    return x + rng.normal(0.0, noise, x.shape), labels


def _xor(n, noise, rng):
    x = rng.uniform(-1.0, 1.0, (n, 2))
    x += np.sign(x) * 0.05  # a small gap along the axes, like TensorFlow Playground's
    labels = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return x + rng.normal(0.0, noise, x.shape), labels


def _gaussians(n, noise, rng):
    labels = _two_classes(n)
    centres = np.where(labels[:, None] == 0, -0.5, 0.5)
    x = centres + rng.normal(0.0, 0.3, (n, 2))
    return x + rng.normal(0.0, noise, x.shape), labels


def _spiral(n, noise, rng):
    labels = _two_classes(n)
    rank = np.concatenate([np.arange(n // 2), np.arange(n - n // 2)]) / max(n // 2, 1)
    angle = 1.75 * 2 * np.pi * rank + np.pi * labels
    radius = rank
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1)
    return x + rng.normal(0.0, noise, x.shape), labels


def _moons(n, noise, rng):
    labels = _two_classes(n)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], 1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1)
    x = np.where(labels[:, None] == 0, upper, lower)
    x = (x - [0.5, 0.25]) * 0.8  # centred, inside about [-1, 1]^2
    return x + rng.normal(0.0, noise, x.shape), labels


def _class_labels(n: int, classes: int) -> np.ndarray:
    """0..classes-1, each class ``n // classes`` or one more times, in blocks."""
    return np.repeat(
        np.arange(classes, dtype=np.int64),
        np.diff(np.linspace(0, n, classes + 1).round().astype(np.int64)),
    )


def _rank_in_class(labels: np.ndarray) -> np.ndarray:
    """Each point's place along its class, 0 to 1 (labels in blocks)."""
    counts = np.bincount(labels)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    index = np.arange(len(labels)) - starts[labels]
    return index / np.maximum(counts[labels] - 1, 1)


def _blobs(n, noise, rng, classes):
    labels = _class_labels(n, classes)
    angle = 2 * np.pi * labels / classes + np.pi / 2
    centres = 0.6 * np.stack([np.cos(angle), np.sin(angle)], 1)
    x = centres + rng.normal(0.0, 0.18, (n, 2))
    return x + rng.normal(0.0, noise, x.shape), labels


def _spirals(n, noise, rng, classes):
    # CS231n's spiral: arm k sweeps about 4 radians outwards from the centre.
    labels = _class_labels(n, classes)
    radius = _rank_in_class(labels)
    angle = 2 * np.pi * labels / classes + 4.0 * radius
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1)
    return x + rng.normal(0.0, noise, x.shape), labels


def _pinwheel(n, noise, rng, classes):
    # Johnson et al. (2016)'s pinwheel: stretched blobs, each bent more the further out it is.
    labels = _class_labels(n, classes)
    along = rng.normal(1.0, 0.3, n)
    across = rng.normal(0.0, 0.05, n)
    angle = 2 * np.pi * labels / classes + 0.25 * np.exp(along)
    cos, sin = np.cos(angle), np.sin(angle)
    x = 0.55 * np.stack([along * cos - across * sin, along * sin + across * cos], 1)
    return x + rng.normal(0.0, noise, x.shape), labels


def sinc_target(x: np.ndarray) -> np.ndarray:
    """sin(5 pi x) / (5 pi x), 1 at x = 0 (numpy's sinc is sin(pi x)/(pi x))."""
    return np.sinc(5.0 * x)


def sine_target(x: np.ndarray) -> np.ndarray:
    return np.sin(2 * np.pi * x)


def _regression(target):
    def make(n, noise, rng):
        x = rng.uniform(-1.0, 1.0, (n, 1))
        return x, target(x[:, 0]) + rng.normal(0.0, noise, n)

    return make


_GENERATORS = {
    "circles": _circles,
    "xor": _xor,
    "gaussians": _gaussians,
    "spiral": _spiral,
    "moons": _moons,
    "blobs": _blobs,
    "spirals": _spirals,
    "pinwheel": _pinwheel,
    "sine": _regression(sine_target),
    "sinc": _regression(sinc_target),
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "circles": {
        "en": "A disc of one class inside a ring of the other.",
        "zh": "一类点组成圆盘，另一类环绕其外。",
    },
    "xor": {"en": "XOR: the class is the sign of x·y.", "zh": "异或：类别由 x·y 的符号决定。"},
    "gaussians": {"en": "Two Gaussian blobs.", "zh": "两团高斯分布的点。"},
    "spiral": {
        "en": "Two interleaved spirals: hard for small networks.",
        "zh": "两条交错的螺旋：小网络很难分开。",
    },
    "moons": {"en": "Two interleaving half moons.", "zh": "两个交错的半月形。"},
    "blobs": {
        "en": "K Gaussian blobs around a circle, one class each.",
        "zh": "K 团围成一圈的高斯分布点，每团一类。",
    },
    "spirals": {
        "en": "A K-arm spiral (CS231n): one class per arm; no straight line separates them.",
        "zh": "K 条臂的螺旋（CS231n）：每条臂一类，任何直线都分不开。",
    },
    "pinwheel": {
        "en": "K stretched blobs bent into a pinwheel, one class per blade.",
        "zh": "K 团拉长并弯曲成风车状的点，每片叶一类。",
    },
    "sine": {"en": "A noisy sine wave sin(2πx).", "zh": "带噪声的正弦 sin(2πx)。"},
    "sinc": {
        "en": "sin(5πx)/(5πx), the homework's function.",
        "zh": "作业中的函数 sin(5πx)/(5πx)。",
    },
    "digits": {"en": "8×8 handwritten digits (1,797 images).", "zh": "8×8 手写数字（1797 张）。"},
}


# --- digits ----------------------------------------------------------------------------------


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits as shipped with scikit-learn: uint8 images (N, 8, 8) in 0..16, labels."""
    with np.load(resources.path("data", "digits.npz"), allow_pickle=False) as data:
        return data["images"], data["labels"].astype(np.int64)


def transform_images(
    images: torch.Tensor, shift: torch.Tensor | None = None, angle: torch.Tensor | None = None
) -> torch.Tensor:
    """Shift (pixels, (N, 2) as right/down) and rotate (degrees, (N,)) images (N, H, W).

    Bilinear resampling with zeros outside (``torch.nn.functional.grid_sample``); whole-pixel
    shifts are exact.
    """
    n, height, width = images.shape
    dtype = images.dtype
    theta = torch.zeros(n, 2, 3, dtype=dtype)
    radians = torch.zeros(n, dtype=dtype) if angle is None else torch.deg2rad(angle.to(dtype))
    cos, sin = torch.cos(radians), torch.sin(radians)
    theta[:, 0, 0], theta[:, 0, 1], theta[:, 1, 0], theta[:, 1, 1] = cos, -sin, sin, cos
    if shift is not None:
        # The grid maps output to input: moving content right means sampling further left.
        theta[:, 0, 2] = -shift[:, 0].to(dtype) * 2.0 / width
        theta[:, 1, 2] = -shift[:, 1].to(dtype) * 2.0 / height
    grid = F.affine_grid(theta, (n, 1, height, width), align_corners=False)
    out = F.grid_sample(images[:, None], grid, mode="bilinear", align_corners=False)
    return out[:, 0]


# --- the public maker ------------------------------------------------------------------------


def _split(n: int, val_fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    n_val = int(round(n * val_fraction))
    n_val = min(max(n_val, 1), n - 1)
    order = rng.permutation(n)
    return order[n_val:], order[:n_val]


def _rotate(points: np.ndarray, degrees: float) -> np.ndarray:
    a = np.deg2rad(degrees)
    rotation = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    return points @ rotation.T


def _square_bounds(*arrays: np.ndarray) -> tuple[tuple[float, float], ...]:
    reach = max(float(np.abs(a).max()) for a in arrays if len(a))
    half = max(1.25, np.ceil((reach + 0.15) * 4) / 4)
    return ((-half, half), (-half, half))


def task_of(name: str) -> Task:
    return "regression" if name in REGRESSION_1D else "classification"


def check_dataset(
    name: str,
    size: int | None = None,
    noise: float | None = None,
    val_fraction: float = 0.3,
    mismatch: str | None = None,
    classes: int | None = None,
) -> tuple[int, float]:
    """The (size, noise) :func:`make_dataset` would use, without drawing anything.

    Raises ``ValueError`` naming the problem for an unknown name, a size below 4 or above
    ``MAX_SIZE`` (the digits: 1,797), a negative noise, a validation fraction outside
    [0.05, 0.9], an unknown mismatch kind (``rotate`` needs 2D points or images), or a class
    count that is not a K-class set's (:func:`classes_problem`).
    """
    if name not in DATASET_DEFAULTS:
        raise ValueError(f"unknown dataset {name!r}; choose one of: {', '.join(DATASET_NAMES)}")
    defaults = DATASET_DEFAULTS[name]
    size = int(defaults["size"] if size is None else size)
    noise = float(defaults["noise"] if noise is None else noise)
    limit = DIGITS_COUNT if name == "digits" else MAX_SIZE
    if not 4 <= size <= limit:
        raise ValueError(f"size must be between 4 and {limit}, got {size}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    if not 0.05 <= val_fraction <= 0.9:
        raise ValueError(f"val_fraction must be between 0.05 and 0.9, got {val_fraction}")
    if mismatch is not None and mismatch not in MISMATCH_KINDS:
        raise ValueError(f"mismatch must be one of {', '.join(MISMATCH_KINDS)} (or none)")
    if mismatch == "rotate" and name in REGRESSION_1D:
        raise ValueError("mismatch 'rotate' needs 2D points or images; use 'shift' for 1D data")
    problem = classes_problem(name, classes)
    if problem is not None:
        raise ValueError(problem)
    if name in MULTICLASS_2D and size < class_count(name, classes) * 2:
        raise ValueError(f"size must be at least 2 points per class, got {size}")
    return size, noise


def classes_problem(name: str, classes: int | None) -> str | None:
    """Why ``classes`` does not fit dataset ``name`` (``None``: it fits). Only the K-class sets
    (``MULTICLASS_2D``) take a class count, from ``MIN_CLASSES`` to ``MAX_CLASSES``."""
    if classes is None:
        return None
    if name not in DATASET_DEFAULTS:
        return None  # check_dataset names the unknown dataset
    if name not in MULTICLASS_2D:
        return f"'{name}' has a fixed number of classes; classes is for {', '.join(MULTICLASS_2D)}"
    if isinstance(classes, bool) or not isinstance(classes, int | np.integer):
        return f"classes must be an integer, got {classes!r}"
    if not MIN_CLASSES <= classes <= MAX_CLASSES:
        return f"classes must be between {MIN_CLASSES} and {MAX_CLASSES}, got {classes}"
    return None


def class_count(name: str, classes: int | None = None) -> int:
    """The classes dataset ``name`` has (0 for regression); ``classes`` for the K-class sets."""
    if name in MULTICLASS_2D:
        return int(DEFAULT_CLASSES if classes is None else classes)
    if name == "digits":
        return 10
    return 0 if name in REGRESSION_1D else 2


def make_dataset(
    name: str,
    *,
    size: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    val_fraction: float = 0.3,
    mismatch: str | None = None,
    mismatch_amount: float | None = None,
    classes: int | None = None,
) -> Dataset:
    """Draw dataset ``name`` (see the module docstring); ``None`` takes the dataset's default.
    ``classes``: the K-class sets' number of classes (3 to 6).

    Raises ``ValueError`` as :func:`check_dataset` does.
    """
    size, noise = check_dataset(name, size, noise, val_fraction, mismatch, classes)
    rng = np.random.default_rng(seed)
    if name == "digits":
        return _digits(size, noise, rng, val_fraction, mismatch, mismatch_amount)
    if name in MULTICLASS_2D:
        x, y = _GENERATORS[name](size, noise, rng, class_count(name, classes))
    else:
        x, y = _GENERATORS[name](size, noise, rng)
    train, val = _split(size, val_fraction, rng)
    x_val = x[val]
    if mismatch is not None:
        amount = MISMATCH_DEFAULTS[mismatch] if mismatch_amount is None else mismatch_amount
        if name in REGRESSION_1D:
            # Draw the validation inputs from the shifted interval, with the same target.
            x_val = rng.uniform(-1.0 + amount, 1.0 + amount, (len(val), 1))
            target = sine_target if name == "sine" else sinc_target
            y = y.copy()
            y[val] = target(x_val[:, 0]) + rng.normal(0.0, noise, len(val))
        elif mismatch == "shift":
            x_val = x_val + amount
        else:
            x_val = _rotate(x_val, amount)
    classification = name in CLASSIFICATION_2D
    if classification:
        bounds = _square_bounds(x, x_val)
    else:
        low = min(float(x.min()), float(x_val.min()))
        high = max(float(x.max()), float(x_val.max()))
        bounds = ((low - 0.1, high + 0.1),)
    return Dataset(
        name=name,
        task="classification" if classification else "regression",
        x_train=x[train].astype(np.float32),
        y_train=y[train].astype(np.int64 if classification else np.float32),
        x_val=x_val.astype(np.float32),
        y_val=y[val].astype(np.int64 if classification else np.float32),
        classes=class_count(name, classes),
        bounds=bounds,
        description=DESCRIPTIONS[name],
    )


def _digits(size, noise, rng, val_fraction, mismatch, amount) -> Dataset:
    images, labels = load_digits()
    if size < len(images):
        keep = np.sort(rng.choice(len(images), size, replace=False))
        images, labels = images[keep], labels[keep]
    x = images.astype(np.float32) / 16.0
    if noise > 0:
        x = np.clip(x + rng.normal(0.0, noise, x.shape), 0.0, 1.0).astype(np.float32)
    train, val = _split(len(x), val_fraction, rng)
    x_val = x[val]
    if mismatch is not None:
        amount = DIGITS_MISMATCH_DEFAULTS[mismatch] if amount is None else amount
        tensor = torch.from_numpy(x_val)
        count = len(tensor)
        if mismatch == "shift":
            moved = transform_images(tensor, shift=torch.tensor([[amount, 0.0]]).expand(count, 2))
        else:
            moved = transform_images(tensor, angle=torch.full((count,), float(amount)))
        x_val = moved.numpy()
    return Dataset(
        name="digits",
        task="classification",
        x_train=x[train].reshape(len(train), 64),
        y_train=labels[train],
        x_val=np.ascontiguousarray(x_val.reshape(len(val), 64), dtype=np.float32),
        y_val=labels[val],
        classes=10,
        image_shape=(8, 8),
        description=DESCRIPTIONS["digits"],
    )


# --- k-fold ----------------------------------------------------------------------------------


def kfold_indices(n: int, k: int, seed: int = 0) -> list[np.ndarray]:
    """``k`` disjoint validation folds covering ``0..n-1`` (sizes differ by at most one)."""
    if not 2 <= k <= n:
        raise ValueError(f"k-fold needs 2 <= k <= {n} (the number of samples), got k = {k}")
    order = np.random.default_rng(seed).permutation(n)
    return [np.sort(fold) for fold in np.array_split(order, k)]


def kfold_datasets(data: Dataset, k: int, seed: int = 0) -> list[Dataset]:
    """The ``k`` train/validation splits of k-fold cross-validation.

    The pool is the training and validation sets together (the training set alone when the
    validation set comes from a mismatched distribution, which must not leak into training);
    each sample of the pool is in exactly one fold's validation set.
    """
    x = np.concatenate([data.x_train, data.x_val])
    y = np.concatenate([data.y_train, data.y_val])
    folds = kfold_indices(len(x), k, seed)
    out = []
    for fold in folds:
        mask = np.ones(len(x), bool)
        mask[fold] = False
        out.append(replace(data, x_train=x[mask], y_train=y[mask], x_val=x[fold], y_val=y[fold]))
    return out


# --- digits augmentation ---------------------------------------------------------------------

AUGMENTATIONS = ("flip", "shift", "noise", "cutout", "mixup")


@dataclass(frozen=True)
class Augmentation:
    """Toggles for the digits augmentation, applied to each training batch.

    ``flip``: mirror left-right with probability 1/2; ``shift``: move by -1, 0 or +1 pixel along
    each axis; ``noise``: add Gaussian noise (std 0.1) and clip to [0, 1]; ``cutout``: blank a
    random 3x3 square; ``mixup``: blend each image with another of the batch by lambda ~ Beta(0.4,
    0.4) and blend the one-hot targets the same way (targets become class probabilities).
    """

    flip: bool = False
    shift: bool = False
    noise: bool = False
    cutout: bool = False
    mixup: bool = False

    def any(self) -> bool:
        return any(getattr(self, name) for name in AUGMENTATIONS)


def augment_batch(
    x: torch.Tensor,
    targets: torch.Tensor,
    options: Augmentation,
    classes: int,
    generator: torch.Generator,
    image_shape: tuple[int, int] = (8, 8),
) -> tuple[torch.Tensor, torch.Tensor]:
    """Augment a batch of flattened images; with mixup the targets become (B, classes) floats."""
    n = len(x)
    height, width = image_shape
    images = x.reshape(n, height, width)
    if options.flip:
        flip = torch.rand(n, generator=generator) < 0.5
        images = torch.where(flip[:, None, None], images.flip(-1), images)
    if options.shift:
        shift = torch.randint(-1, 2, (n, 2), generator=generator)
        images = transform_images(images, shift=shift)
    if options.noise:
        noise = torch.randn(images.shape, generator=generator, dtype=images.dtype) * 0.1
        images = (images + noise).clamp(0.0, 1.0)
    if options.cutout:
        centre = torch.randint(0, max(height, width), (n, 2), generator=generator)
        rows = torch.arange(height)[None, :, None]
        cols = torch.arange(width)[None, None, :]
        inside = ((rows - centre[:, 0, None, None]).abs() <= 1) & (
            (cols - centre[:, 1, None, None]).abs() <= 1
        )
        images = images.masked_fill(inside, 0.0)
    x = images.reshape(n, height * width)
    if options.mixup:
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator))
        lam = np.random.default_rng(seed).beta(0.4, 0.4, n).astype(np.float32)
        lam_t = torch.from_numpy(lam).to(x.dtype)
        partner = torch.randperm(n, generator=generator)
        x = lam_t[:, None] * x + (1 - lam_t[:, None]) * x[partner]
        soft = targets if targets.is_floating_point() else F.one_hot(targets, classes).to(x.dtype)
        targets = lam_t[:, None] * soft + (1 - lam_t[:, None]) * soft[partner]
    return x, targets


def augmentation_preview(
    data: Dataset, options: Augmentation, count: int = 8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` training images before and after augmentation, each (count, H, W) in 0..1."""
    if data.image_shape is None:
        raise ValueError("augmentation works on images (the digits)")
    generator = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(data.x_train[:count])
    y = torch.from_numpy(data.y_train[:count])
    augmented, _ = augment_batch(x, y, options, data.classes, generator, data.image_shape)
    shape = (len(x), *data.image_shape)
    return x.numpy().reshape(shape), augmented.numpy().reshape(shape)
