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
    # The K-class sets' number of classes (core.nets.datasets.MULTICLASS_2D); None: 3.
    classes: Integer | None = None

    @field_validator("classes")
    @classmethod
    def _classes_fit(cls, value: int | None, info) -> int | None:
        from core.nets.datasets import classes_problem

        name = info.data.get("name")
        problem = classes_problem(name, value) if name is not None else None
        if problem is not None:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _valid(self) -> NetworkDatasetSpec:
        from core.nets.datasets import check_dataset

        check_dataset(
            self.name, self.size, self.noise, self.val_fraction, self.mismatch, self.classes
        )
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


def _offered_for_networks(value: OptimizerSpec) -> OptimizerSpec:
    from core.nets.rules import optimizer_problem

    problem = optimizer_problem(value.name)
    if problem is not None:
        raise ValueError(problem)
    return value


class AverageSpec(_Model):
    """Weight averaging (``core.nets.ensembles.WeightAverager``): SWA's equal-weight mean of the
    weights at each epoch's end from ``start_epoch`` on, or EMA's moving average after every
    update (``decay`` per update, EMA only)."""

    kind: Literal["swa", "ema"]
    start_epoch: Integer = Field(default=0, ge=0, le=MAX_STEPS)
    decay: Number | None = Field(default=None, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _decay_for_ema(self) -> AverageSpec:
        if self.decay is not None and self.kind != "ema":
            raise ValueError("decay is for 'ema' only: SWA weighs every epoch's weights equally")
        return self


class SnapshotsSpec(_Model):
    """A snapshot ensemble (``core.nets.ensembles``): a cosine learning rate restarted
    ``cycles`` times (the first cycle ``first_cycle`` epochs, each next one ``t_mult`` times
    longer), a snapshot of the model at each cycle's end. The cycles set the training's length
    (``epochs`` is replaced by their total, as ``snapshot_config`` does)."""

    cycles: Integer = Field(ge=2, le=20)
    first_cycle: Integer = Field(ge=1, le=MAX_STEPS)
    t_mult: Integer = Field(default=1, ge=1, le=3)

    def total_epochs(self) -> int:
        from core.nets.ensembles import cycle_ends

        return cycle_ends(self.first_cycle, self.cycles, self.t_mult)[-1]

    @model_validator(mode="after")
    def _not_too_long(self) -> SnapshotsSpec:
        total = self.total_epochs()
        if total > MAX_STEPS:
            raise ValueError(f"the cycles take {total} epochs (at most {MAX_STEPS})")
        return self


class NetworkTrainingSpec(_Model):
    optimizer: OptimizerSpec
    schedule: ScheduleSpec | None = None  # advances once per epoch
    epochs: Integer = Field(default=100, ge=0, le=MAX_STEPS)
    batch_size: Integer = Field(default=0, ge=0)  # 0: full batch
    early_stopping: EarlyStoppingSpec | None = None
    kfold: Integer | None = Field(default=None, ge=2, le=20)
    seed: Integer = Field(default=0, ge=0, le=MAX_SEED)
    average: AverageSpec | None = None  # SWA or EMA beside the plain model
    snapshots: SnapshotsSpec | None = None  # warm restarts with a snapshot ensemble

    @field_validator("average")
    @classmethod
    def _average_fits(cls, value: AverageSpec | None, info) -> AverageSpec | None:
        from core.nets.rules import average_problem

        if value is not None:
            problem = average_problem(info.data.get("kfold"))
            if problem is not None:
                raise ValueError(problem)
        return value

    @field_validator("snapshots")
    @classmethod
    def _snapshots_fit(cls, value: SnapshotsSpec | None, info) -> SnapshotsSpec | None:
        from core.nets.rules import snapshots_problem

        if value is not None:
            data = info.data
            problem = snapshots_problem(
                schedule=data.get("schedule") is not None,
                early_stopping=data.get("early_stopping") is not None,
                kfold=data.get("kfold"),
            )
            if problem is not None:
                raise ValueError(problem)
        return value

    _not_newton = field_validator("optimizer")(_offered_for_networks)

    def trained_epochs(self) -> int:
        """The epochs a run trains: the snapshot cycles' total where there are snapshots."""
        return self.snapshots.total_epochs() if self.snapshots else self.epochs

    @model_validator(mode="after")
    def _schedule_fits(self) -> NetworkTrainingSpec:
        if self.schedule is not None and self.epochs > 0:
            from core.schedules import check_schedule

            schedule, lr = self.schedule.to_config(), self.optimizer.lr
            _try_build(lambda: check_schedule(schedule, self.epochs, lr))
        return self


class RaceMemberSpec(_Model):
    """One network of a race: the training's settings with its own optimizer and batch size."""

    label: str = Field(min_length=1, max_length=40)
    optimizer: OptimizerSpec
    batch_size: Integer = Field(default=0, ge=0)  # 0: full batch

    _not_newton = field_validator("optimizer")(_offered_for_networks)


class NetworkSpec(_Model):
    """``"network": {dataset, model, loss, training, race}``: a scene for the Network Lab."""

    dataset: NetworkDatasetSpec
    model: NetworkModelSpec = Field(default_factory=NetworkModelSpec)
    loss: Literal["cross_entropy", "mse"] | None = None  # None: cross-entropy, mse for 1D data
    training: NetworkTrainingSpec
    # A race: 2 to 8 networks that differ only in optimizer and batch size (None: one network).
    race: list[RaceMemberSpec] | None = Field(default=None, min_length=2, max_length=8)

    @field_validator("race")
    @classmethod
    def _race_fits(cls, value: list[RaceMemberSpec] | None, info) -> list[RaceMemberSpec] | None:
        from core.nets.rules import batch_norm_problem, race_problem

        training, model = info.data.get("training"), info.data.get("model")
        if value is None or training is None:
            return value
        problem = race_problem(
            [member.label for member in value],
            kfold=training.kfold,
            average=training.average is not None,
            snapshots=training.snapshots is not None,
        )
        for index, member in enumerate(value):
            if problem is None and model is not None:
                own = batch_norm_problem(member.batch_size, model.batch_norm, model.hidden)
                problem = f"[{index}] ({member.label}): {own}" if own else None
        if problem is not None:
            raise ValueError(problem)
        return value

    def run_labels(self) -> list[str]:
        """The runs a ``losslab run`` result of this network holds (what beats may name): the
        race's members or ``network``, and the averaged model or the snapshot ensemble."""
        from core.nets.spec import extra_run_labels

        plain = [m.label for m in self.race] if self.race else ["network"]
        return plain + extra_run_labels(self.training.average, self.training.snapshots)

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
