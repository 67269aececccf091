"""Network scenes (the Network Lab; ``core.nets``): ``"network": {dataset, model, loss,
training}``. ``core.scene`` re-exports every name.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from core.limits import MAX_SEED
from core.scene_fields import (
    MAX_STEPS,
    Flag,
    Integer,
    Number,
    OptimizerSpec,
    ScheduleSpec,
    _Model,
    _try_build,
)


class NetworkAugmentationSpec(_Model):
    """Digits augmentation toggles (``core.nets.datasets.Augmentation``)."""

    flip: Flag = False
    shift: Flag = False
    noise: Flag = False
    cutout: Flag = False
    mixup: Flag = False


class NetworkDatasetSpec(_Model):
    """``core.nets.datasets.make_dataset``'s arguments; ``size``/``noise`` absent: its defaults."""

    name: str
    size: Integer | None = None
    noise: Number | None = None
    seed: Integer = Field(default=0, ge=0, le=MAX_SEED)
    val_fraction: Number = 0.3
    mismatch: Literal["shift", "rotate"] | None = None
    mismatch_amount: Number | None = None
    augmentation: NetworkAugmentationSpec | None = None

    @model_validator(mode="after")
    def _valid(self) -> NetworkDatasetSpec:
        from core.nets.datasets import check_dataset

        check_dataset(self.name, self.size, self.noise, self.val_fraction, self.mismatch)
        if self.augmentation is not None and self.name != "digits":
            raise ValueError("augmentation works on images: only for the 'digits' dataset")
        return self


class NetworkModelSpec(_Model):
    """``core.nets.models.ModelConfig``: hidden layer widths (0 to 6 layers of 1 to 128)."""

    hidden: list[Integer] = Field(default_factory=lambda: [8, 8], max_length=6)
    activation: str = "relu"
    batch_norm: Flag = False
    dropout: Number = Field(default=0.0, ge=0.0, lt=1.0)
    init: str = "default"

    @model_validator(mode="after")
    def _valid(self) -> NetworkModelSpec:
        from core.nets.models import ModelConfig

        ModelConfig(**self.model_dump())
        return self


class EarlyStoppingSpec(_Model):
    patience: Integer = Field(default=20, ge=1)
    restore_best: Flag = True


class NetworkTrainingSpec(_Model):
    optimizer: OptimizerSpec
    schedule: ScheduleSpec | None = None  # advances once per epoch
    epochs: Integer = Field(default=100, ge=0, le=MAX_STEPS)
    batch_size: Integer = Field(default=0, ge=0)  # 0: full batch
    early_stopping: EarlyStoppingSpec | None = None
    kfold: Integer | None = Field(default=None, ge=2, le=20)
    seed: Integer = Field(default=0, ge=0, le=MAX_SEED)

    @field_validator("optimizer")
    @classmethod
    def _not_newton(cls, value: OptimizerSpec) -> OptimizerSpec:
        from core.nets.rules import optimizer_problem

        problem = optimizer_problem(value.name)
        if problem is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _schedule_fits(self) -> NetworkTrainingSpec:
        if self.schedule is not None and self.epochs > 0:
            from core.schedules import check_schedule

            schedule, lr = self.schedule.to_config(), self.optimizer.lr
            _try_build(lambda: check_schedule(schedule, self.epochs, lr))
        return self


class NetworkSpec(_Model):
    """``"network": {dataset, model, loss, training}``: a scene for the Network Lab."""

    dataset: NetworkDatasetSpec
    model: NetworkModelSpec = Field(default_factory=NetworkModelSpec)
    loss: Literal["cross_entropy", "mse"] | None = None  # None: cross-entropy, mse for 1D data
    training: NetworkTrainingSpec

    @field_validator("loss")
    @classmethod
    def _fits_the_task(cls, value: str | None, info) -> str | None:
        from core.nets.datasets import task_of

        dataset = info.data.get("dataset")
        if (
            value == "cross_entropy"
            and dataset is not None
            and task_of(dataset.name) != ("classification")
        ):
            raise ValueError(f"'{dataset.name}' is a regression dataset: its loss is 'mse'")
        return value

    @field_validator("training")
    @classmethod
    def _batches_fit_the_model(cls, value: NetworkTrainingSpec, info) -> NetworkTrainingSpec:
        model = info.data.get("model")
        from core.nets.rules import batch_norm_problem

        if model is not None:
            problem = batch_norm_problem(value.batch_size, model.batch_norm, model.hidden)
            if problem is not None:
                raise ValueError(problem)
        return value
