"""The Network Lab's settings as plain JSON data: what ``page.model.settings`` holds.

The keys ``dataset``, ``model``, ``loss`` and ``training`` are a scene's ``"network"`` section
(``core.scene.NetworkSpec``, written by ``core.nets.spec.spec_data``); more belong to the page
only: ``per_step`` (plot every step's mini-batch loss), ``points`` (clicked training points,
``[x, y, class]`` each) and ``race`` (a race of networks: ``{"label", "optimizer",
"batch_size"}`` per member, :mod:`desktop_app.network_lab.race`; absent or empty: no race). The
race goes into a scene once the scene format has a ``network.race`` field
(:func:`scene_has_race`); until then it is the page's own. No Qt here: the forms write these
values, the page reads them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.nets.datasets import DATASET_DEFAULTS, task_of
from core.nets.models import ModelConfig
from core.nets.spec import NetworkSetup, setup_from_spec, spec_data
from core.nets.trainer import TrainConfig

SCENE_KEYS = ("dataset", "model", "loss", "training")
# settings["training"] keys the page reads itself (weight averaging, snapshot ensembles); they go
# into a scene once the scene format has them (``core.scene``'s training fields)
EXTRA_TRAINING_KEYS = ("average", "snapshots")


def plain(value: Any) -> Any:
    """JSON-shaped data (tuples as lists), so that equal settings compare equal."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def settings_of_setup(
    setup: NetworkSetup, *, per_step: bool = False, points: list | tuple = ()
) -> dict[str, Any]:
    """The settings of a setup (a scene's, an experiment run's), with the dataset's size and noise
    written out as the form shows them."""
    network = plain(spec_data(setup))
    dataset = network["dataset"]
    for key, default in DATASET_DEFAULTS[dataset["name"]].items():
        dataset.setdefault(key, default)
    return {**network, "per_step": bool(per_step), "points": plain(list(points))}


def settings_of_scene(scene: Any) -> dict[str, Any]:
    """The settings of a validated network scene (``core.scene.Scene`` with ``network``), its
    race included when the scene holds one."""
    settings = settings_of_setup(setup_from_spec(scene.network))
    race = getattr(scene.network, "race", None)
    if race:
        settings["race"] = [race_member_data(member) for member in race]
    return settings


def scene_has_race() -> bool:
    """Whether the scene format holds a race (``core.scene.NetworkSpec.race``)."""
    from core.scene import NetworkSpec

    return "race" in NetworkSpec.model_fields


def race_member_data(member: Any) -> dict[str, Any]:
    """One race member as settings data, from settings data or a validated scene model; the
    optimizer's unset hyper-parameters stay out (the scene's default is the optimizer's)."""
    if hasattr(member, "model_dump"):
        member = member.model_dump(exclude_none=True)
    return plain(
        {
            "label": str(member["label"]),
            "optimizer": dict(member["optimizer"]),
            "batch_size": int(member.get("batch_size", 0)),
        }
    )


def default_settings() -> dict[str, Any]:
    """What the page shows before any scene: circles, a 2-8-8-2 tanh network, Adam."""
    setup = NetworkSetup(
        data={"name": "circles", "seed": 0, "val_fraction": 0.3},
        model=ModelConfig(hidden=(8, 8), activation="tanh"),
        train=TrainConfig(optimizer={"name": "adam", "lr": 0.03}, epochs=300),
    )
    return settings_of_setup(setup)


def scene_training_keys() -> set[str]:
    """The training fields the scene format holds (``core.scene.NetworkTrainingSpec``)."""
    from core.scene_network import NetworkTrainingSpec

    return set(NetworkTrainingSpec.model_fields)


def network_section(settings: dict[str, Any]) -> dict[str, Any]:
    """The scene's ``"network"`` data of these settings (the race, weight averaging and snapshot
    ensembles too, where the scene format holds them)."""
    section = {key: settings[key] for key in SCENE_KEYS if key in settings}
    training = section.get("training")
    if isinstance(training, dict) and any(key in training for key in EXTRA_TRAINING_KEYS):
        known = scene_training_keys()
        section["training"] = {
            key: value
            for key, value in training.items()
            if key not in EXTRA_TRAINING_KEYS or (value is not None and key in known)
        }
    if settings.get("race") and scene_has_race():
        section["race"] = [race_member_data(member) for member in settings["race"]]
    return section


def member_setup(settings: dict[str, Any], member: dict[str, Any]) -> TrainConfig:
    """The validated training config of race ``member`` (the settings' training with its optimizer
    and batch size, no per-step records); raises ``core.scene.SceneError`` like
    :func:`setup_of_settings`."""
    from desktop_app.network_lab.race import member_config, member_training

    own = {**settings, "training": member_training(settings.get("training", {}), member)}
    own.pop("race", None)
    return member_config(setup_of_settings(own).train, member)


def setup_of_settings(settings: dict[str, Any]) -> NetworkSetup:
    """Validated trainer configs; raises ``core.scene.SceneError`` (a ``ValueError``) naming the
    field of a setting the scene format refuses."""
    from core.scene import parse_scene
    from desktop_app.network_lab.race import race_is_on

    section = network_section(settings)
    if not race_is_on(settings):
        section.pop("race", None)  # one network left is no race: the page trains it alone
    scene = parse_scene({"format": 1, "network": section})
    setup = setup_from_spec(scene.network)
    return replace(setup, train=replace(setup.train, per_step=bool(settings.get("per_step"))))


def fitted(settings: dict[str, Any], trained: dict[str, Any] | None) -> dict[str, Any]:
    """The settings with what follows from an edit: regression data take the MSE loss, and
    clicked points go when the dataset they were added to changes."""
    dataset = settings.get("dataset", {})
    out = dict(settings)
    if task_of(dataset.get("name", "")) == "regression" and out.get("loss") != "mse":
        out["loss"] = "mse"
    if out.get("points") and trained is not None and dataset != trained.get("dataset"):
        out["points"] = []
    return out


def training_extras(settings: dict[str, Any]) -> tuple[dict | None, dict | None]:
    """``(average, snapshots)`` of ``settings["training"]`` (None: off), checked as the contract
    with the scene format says; raises ValueError naming the field."""
    training = settings.get("training") or {}
    average, snapshots = training.get("average"), training.get("snapshots")
    if average is not None:
        if average.get("kind") not in ("swa", "ema"):
            raise ValueError("training.average.kind: choose 'swa' or 'ema'")
        if int(average.get("start_epoch", 0)) < 0:
            raise ValueError("training.average.start_epoch: must be >= 0")
        decay = average.get("decay")
        if average["kind"] == "ema" and decay is not None and not 0 < float(decay) < 1:
            raise ValueError("training.average.decay: must be between 0 and 1")
    if snapshots is not None:
        if not 2 <= int(snapshots.get("cycles", 0)) <= 20:
            raise ValueError("training.snapshots.cycles: 2 to 20")
        if int(snapshots.get("first_cycle", 0)) < 1:
            raise ValueError("training.snapshots.first_cycle: must be >= 1")
        if not 1 <= int(snapshots.get("t_mult", 1)) <= 3:
            raise ValueError("training.snapshots.t_mult: 1 to 3")
    return average, snapshots


def snapshot_train(train: TrainConfig, snapshots: dict[str, Any]) -> TrainConfig:
    """``train`` as a snapshot ensemble's: warm restarts, every cycle trained (no early stop)."""
    from core.nets.ensembles import snapshot_config

    return snapshot_config(
        train,
        int(snapshots["first_cycle"]),
        int(snapshots["cycles"]),
        t_mult=int(snapshots.get("t_mult", 1)),
    )
