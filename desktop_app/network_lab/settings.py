"""The Network Lab's settings as plain JSON data: what ``page.model.settings`` holds.

The keys ``dataset``, ``model``, ``loss`` and ``training`` are a scene's ``"network"`` section
(``core.scene.NetworkSpec``, written by ``core.nets.spec.spec_data``); two more belong to the page
only: ``per_step`` (plot every step's mini-batch loss) and ``points`` (clicked training points,
``[x, y, class]`` each). No Qt here: the forms write these values, the page reads them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from core.nets.datasets import DATASET_DEFAULTS, task_of
from core.nets.models import ModelConfig
from core.nets.spec import NetworkSetup, setup_from_spec, spec_data
from core.nets.trainer import TrainConfig

SCENE_KEYS = ("dataset", "model", "loss", "training")


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
    """The settings of a validated network scene (``core.scene.Scene`` with ``network``)."""
    return settings_of_setup(setup_from_spec(scene.network))


def default_settings() -> dict[str, Any]:
    """What the page shows before any scene: circles, a 2-8-8-2 tanh network, Adam."""
    setup = NetworkSetup(
        data={"name": "circles", "seed": 0, "val_fraction": 0.3},
        model=ModelConfig(hidden=(8, 8), activation="tanh"),
        train=TrainConfig(optimizer={"name": "adam", "lr": 0.03}, epochs=300),
    )
    return settings_of_setup(setup)


def network_section(settings: dict[str, Any]) -> dict[str, Any]:
    """The scene's ``"network"`` data of these settings."""
    return {key: settings[key] for key in SCENE_KEYS if key in settings}


def setup_of_settings(settings: dict[str, Any]) -> NetworkSetup:
    """Validated trainer configs; raises ``core.scene.SceneError`` (a ``ValueError``) naming the
    field of a setting the scene format refuses."""
    from core.scene import parse_scene

    scene = parse_scene({"format": 1, "network": network_section(settings)})
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
