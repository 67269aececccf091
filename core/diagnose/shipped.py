"""The real curves LossLab ships in ``resources/curves``: how each was made, and the case it shows.

Every file is a run of the Network Lab's engine (``core.nets.trainer.Trainer``, CPU, float32,
torch on one thread), headless: one of the one-click experiments of ``core.nets.experiments`` or
a training set up here. ``python -m core.diagnose.shipped`` writes them again (the same numbers
up to float rounding across torch versions); ``tests/core/test_diagnose.py`` diagnoses each file
as :data:`SHIPPED`'s case and re-trains the quick ones to compare.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import resources
from core.diagnose.curves import COLUMNS, baseline_loss

CURVES_DIR = resources.path("curves")


@dataclass(frozen=True)
class ShippedCurve:
    name: str  # file stem
    case: str  # what diagnose() must call it
    experiment: str | None  # a key of core.nets.experiments.EXPERIMENTS, with ...
    run: str | None  # ... the label of its run; or None and the settings below
    data: dict[str, Any] | None = None
    model: dict[str, Any] | None = None
    train: dict[str, Any] | None = None
    fmt: str = "csv"  # "csv" (with a '# baseline' line) or "json" (a dict of columns)


_MOONS = {"name": "moons", "seed": 0}
_MLP = {"hidden": (16, 16), "activation": "relu"}

SHIPPED: tuple[ShippedCurve, ...] = (
    ShippedCurve("overfitting", "overfitting", "overfitting", "42 training points"),
    ShippedCurve("mismatch", "mismatch", "mismatch", "shifted validation", fmt="json"),
    ShippedCurve("plateau", "plateau", "shallow_vs_deep", "deep: 6 layers"),
    ShippedCurve("plateau_shallower", "model_bias", "shallow_vs_deep", "shallow: 1 layer"),
    ShippedCurve("noisy_batches", "noisy_batches", "batch_norm", "with BN"),
    ShippedCurve(
        "model_bias",
        "model_bias",
        None,
        None,
        _MOONS,
        {"hidden": ()},
        {"optimizer": {"name": "adam", "lr": 0.05}, "epochs": 100},
    ),
    ShippedCurve(
        "oscillation",
        "oscillation",
        None,
        None,
        _MOONS,
        {"hidden": (16, 16), "activation": "tanh"},
        {"optimizer": {"name": "sgd", "lr": 2.0, "momentum": 0.9}, "epochs": 100},
    ),
    ShippedCurve(
        "lr_too_small",
        "lr_too_small",
        None,
        None,
        _MOONS,
        _MLP,
        {"optimizer": {"name": "sgd", "lr": 0.003}, "epochs": 100},
    ),
    ShippedCurve(
        "divergence",
        "divergence",
        None,
        None,
        {"name": "sine", "seed": 0},
        _MLP,
        {"optimizer": {"name": "sgd", "lr": 3.0}, "epochs": 100, "loss": "mse"},
    ),
    ShippedCurve(
        "good_fit",
        "good_fit",
        None,
        None,
        _MOONS,
        _MLP,
        {"optimizer": {"name": "adam", "lr": 0.01}, "epochs": 100},
        fmt="json",
    ),
)


def _settings(curve: ShippedCurve) -> tuple[dict[str, Any], Any, Any]:
    """(dataset arguments, ModelConfig, TrainConfig) of a shipped curve."""
    from core.nets.experiments import EXPERIMENTS
    from core.nets.models import ModelConfig
    from core.nets.trainer import TrainConfig

    if curve.experiment is not None:
        run = next(r for r in EXPERIMENTS[curve.experiment].runs if r.label == curve.run)
        return dict(run.data), run.model, run.train
    return dict(curve.data or {}), ModelConfig(**(curve.model or {})), TrainConfig(**curve.train)


def produce(curve: ShippedCurve, epochs: int | None = None) -> tuple[list[dict], float]:
    """Train the curve's run headless: its rows (the columns of ``COLUMNS``) and baseline."""
    import torch

    from core.diagnose.flowchart import train_run
    from core.nets.datasets import make_dataset
    from core.nets.experiments import ExperimentRun

    torch.set_num_threads(1)
    data, model, train = _settings(curve)
    records = train_run(ExperimentRun(curve.name, data, model, train), epochs=epochs)
    dataset = make_dataset(**data)
    baseline = baseline_loss(dataset.y_train, dataset.task, train.loss)
    rows = [
        {
            "epoch": r.epoch,
            "train_loss": r.train_loss,
            "val_loss": r.val_loss,
            "train_acc": r.train_accuracy,
            "val_acc": r.val_accuracy,
        }
        for r in records
    ]
    return rows, baseline


def _cell(value: float) -> str:
    return "" if isinstance(value, float) and math.isnan(value) else f"{value:.6g}"


def render(curve: ShippedCurve, rows: list[dict], baseline: float) -> str:
    """The file's text: CSV with a ``# baseline`` comment, or JSON columns with ``baseline``."""
    if curve.fmt == "json":  # Keras' history.history layout, one column a line
        lines = [f' "baseline": {baseline:.6g}']
        for name in COLUMNS:
            values = [None if math.isnan(row[name]) else float(f"{row[name]:.6g}") for row in rows]
            if name == "epoch":
                values = [int(value) for value in values]
            lines.append(f" {json.dumps(name)}: {json.dumps(values)}")
        return "{\n" + ",\n".join(lines) + "\n}\n"
    lines = [f"# baseline: {baseline:.6g}", ",".join(COLUMNS)]
    lines += [",".join(_cell(row[name]) for name in COLUMNS) for row in rows]
    return "\n".join(lines) + "\n"


def path_of(curve: ShippedCurve):
    return CURVES_DIR / f"{curve.name}.{curve.fmt}"


def main() -> None:
    from core.fileio import write_atomic

    CURVES_DIR.mkdir(exist_ok=True)
    for curve in SHIPPED:
        rows, baseline = produce(curve)
        write_atomic(path_of(curve), render(curve, rows, baseline))
        print(f"wrote {path_of(curve).name}: {len(rows)} epochs")


if __name__ == "__main__":
    main()
