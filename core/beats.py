"""Guided lessons: a lesson is a short sequence of beats, and a beat may ask students to predict.

A beat is data in the scene file (``"beats": [...]``, see docs/scene-format.md):

- ``text``: what the teacher says at this beat ({"en": ..., "zh": ...});
- ``action``: what the app does (load, play to a step and pause, play to the end, change a
  run's setting, show the Hessian at a point or run, escape the saddle, train N epochs, open a
  tool window such as the edge-of-stability or learning-rate range test on the page's task);
- ``question`` (optional): asked *before* the action runs. Students pick one of 2-4 choices;
  the action then plays and the app says whether the prediction held, with one sentence why.

The right answer is never written in the file: ``decide`` computes it from the recorded run
(``Outcomes``: loss per step, positions, validation loss per epoch), so a lesson whose runs
change cannot state a wrong answer. Research on teaching with visualizations (Crouch et al.
2004; Hundhausen, Douglas & Stasko 2002) finds that predicting first is what makes a
demonstration teach.

Headless (tests, ``losslab run`` results): ``outcomes_from_result`` reads a ``core.runner``
result, ``apply_settings`` applies the beats' ``set`` actions to the scene's data, and a beat's
question is decided by ``decide(question, outcomes.until(shown_until(beats, index)))``: what the
runs show once the beat's action has played.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Annotated, Any, Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Text = dict[str, str]  # {"en": ..., "zh": ...}
MAX_BEATS = 40


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


def _check_text(text: Text) -> Text:
    if not text.get("en"):
        raise ValueError("needs an English text ('en')")
    return text


# -- actions --------------------------------------------------------------------------------------


class LoadAction(_Data):
    """Back to the lesson's start: every run rewound to step 0, nothing playing."""

    kind: Literal["load"]


class PlayToAction(_Data):
    """Play up to ``step`` and pause there."""

    kind: Literal["play_to"]
    step: int = Field(ge=0, le=1_000_000)


class PlayAction(_Data):
    """Play to the end of the runs."""

    kind: Literal["play"]


class SetAction(_Data):
    """Change one setting of one run (``path`` such as "optimizer.lr" or "steps"), then rerun."""

    kind: Literal["set"]
    run: str
    path: str = Field(pattern=r"^(optimizer|schedule)\.[a-z_0-9]+$|^steps$|^batch_size$")
    value: float | int | bool | str


class ShowHessianAction(_Data):
    """Open the Hessian panel at a point, or following a run."""

    kind: Literal["show_hessian"]
    at: tuple[float, float] | None = None
    run: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ShowHessianAction:
        if (self.at is None) == (self.run is None):
            raise ValueError("show_hessian takes 'at' [x, y] or 'run', exactly one")
        return self


class EscapeAction(_Data):
    """Step off the saddle along the most negative eigenvector (the Hessian panel's button)."""

    kind: Literal["escape_saddle"]


class TrainAction(_Data):
    """Network Lab: train ``epochs`` more epochs, then pause."""

    kind: Literal["train"]
    epochs: int = Field(ge=1, le=10_000)


# The tool windows a lesson can open (the main window's Tools menu, desktop_app/tools.py).
Tool = Literal[
    "diagnose", "tune", "edge_of_stability", "lr_range_test", "layer_histograms", "double_descent"
]
TOOL_NAMES: tuple[str, ...] = get_args(Tool)


class OpenToolAction(_Data):
    """Open one of the tool windows on the page's current task (Tools menu)."""

    kind: Literal["open_tool"]
    tool: Tool


Action = Annotated[
    LoadAction
    | PlayToAction
    | PlayAction
    | SetAction
    | ShowHessianAction
    | EscapeAction
    | TrainAction
    | OpenToolAction,
    Field(discriminator="kind"),
]
ACTION_KINDS = (
    "load",
    "play_to",
    "play",
    "set",
    "show_hessian",
    "escape_saddle",
    "train",
    "open_tool",
)

# -- questions ------------------------------------------------------------------------------------

Rule = Literal["first_below", "lowest_final", "change", "ends_nearest", "val_rises"]
Outcome = Literal["rise", "fall", "flat", "yes", "no"]
# What a loss rule reads: the training loss (per step; per epoch for networks), a data surface's
# test loss (its shifted surface) or a network's validation loss (per epoch).
Series = Literal["loss", "test_loss", "val_loss"]


class Choice(_Data):
    """One answer students can pick: it names a run (which run …?) or an outcome (rise/fall,
    yes/no), depending on the question's rule."""

    text: Text
    run: str | None = None
    outcome: Outcome | None = None

    _text = field_validator("text")(_check_text)


class Question(_Data):
    """``rule`` says how the answer is computed from the recorded runs:

    - ``first_below``: which run's loss first falls to ``threshold`` or lower (choices: runs);
    - ``lowest_final``: which run ends with the lowest loss (choices: runs);
    - ``change``: between ``from_step`` and ``to_step`` does ``run``'s loss rise or fall
      (choices: outcomes rise/fall, optionally flat). When a choice offers ``flat``, a change
      of at most ``tolerance`` times the loss at ``from_step`` counts as flat (stuck on a
      plateau); without one, any change is a rise or a fall;
    - ``ends_nearest``: which run ends nearest to ``point`` (choices: runs), e.g. the flat
      minimum;
    - ``val_rises``: does ``run``'s validation loss rise after its minimum by more than
      ``tolerance`` (relative) — overfitting (choices: outcomes yes/no).

    ``first_below``, ``lowest_final`` and ``change`` read ``series``: the training ``loss``
    (default), ``test_loss`` (a data surface with a shift) or ``val_loss`` (a network).
    """

    text: Text
    choices: list[Choice] = Field(min_length=2, max_length=4)
    rule: Rule
    why: Text
    threshold: float | None = None
    run: str | None = None
    from_step: int | None = Field(default=None, ge=0)
    to_step: int | None = Field(default=None, ge=0)
    point: tuple[float, float] | None = None
    tolerance: float = Field(default=0.02, ge=0, le=10)
    series: Series = "loss"

    _texts = field_validator("text", "why")(_check_text)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        wanted = _RULE_NEEDS[self.rule]
        missing = [name for name in wanted if getattr(self, name) is None]
        if missing:
            raise ValueError(f"rule {self.rule!r} needs {', '.join(missing)}")
        by_run = self.rule in _RUN_RULES
        for index, choice in enumerate(self.choices):
            if by_run and choice.run is None:
                raise ValueError(f"choices[{index}]: rule {self.rule!r} needs a 'run' per choice")
            if not by_run and choice.outcome is None:
                raise ValueError(f"choices[{index}]: rule {self.rule!r} needs an 'outcome'")
        if self.rule == "change" and self.to_step <= self.from_step:
            raise ValueError("to_step must come after from_step")
        if not by_run:
            offered = {c.outcome for c in self.choices}
            allowed, needed = _OUTCOMES[self.rule]
            if not offered <= allowed or not needed <= offered:
                raise ValueError(
                    f"rule {self.rule!r} needs choices for {' and '.join(sorted(needed))} "
                    f"and allows only {', '.join(sorted(allowed))}; got "
                    f"{', '.join(sorted(offered))}"
                )
        keys = [c.run if by_run else c.outcome for c in self.choices]
        if len(set(keys)) != len(keys):
            raise ValueError("two choices give the same answer")
        return self

    def runs_named(self) -> set[str]:
        names = {c.run for c in self.choices if c.run is not None}
        return names | ({self.run} if self.run else set())


_RUN_RULES = {"first_below", "lowest_final", "ends_nearest"}
# Per outcome rule: the outcomes a choice may name, and those that must be offered (every answer
# the rule can give, so that the right one is always among the choices).
_OUTCOMES: dict[str, tuple[set[str], set[str]]] = {
    "change": ({"rise", "fall", "flat"}, {"rise", "fall"}),
    "val_rises": ({"yes", "no"}, {"yes", "no"}),
}
_RULE_NEEDS: dict[str, tuple[str, ...]] = {
    "first_below": ("threshold",),
    "lowest_final": (),
    "change": ("run", "from_step", "to_step"),
    "ends_nearest": ("point",),
    "val_rises": ("run",),
}


class Beat(_Data):
    text: Text
    action: Action | None = None
    question: Question | None = None

    _text = field_validator("text")(_check_text)


def check_beats(beats: list[Beat], run_labels: list[str], network: bool) -> None:
    """Scene-level checks: every run a beat names exists; network-only actions only in network
    scenes and the other way round. Raises ValueError with the beat's index."""
    labels = set(run_labels)
    for index, beat in enumerate(beats):
        named: set[str] = set()
        if beat.question is not None:
            named |= beat.question.runs_named()
        action = beat.action
        if action is not None and getattr(action, "run", None):
            named.add(action.run)
        unknown = named - labels
        if unknown:
            raise ValueError(
                f"beats[{index}]: no run named {', '.join(sorted(map(repr, unknown)))} "
                f"(runs: {', '.join(run_labels)})"
            )
        kind = action.kind if action is not None else None
        if network and kind in {"play_to", "set", "show_hessian", "escape_saddle"}:
            raise ValueError(f"beats[{index}]: {kind!r} is a surface action; use 'train'")
        if not network and kind == "train":
            raise ValueError(f"beats[{index}]: 'train' is for network scenes; use 'play_to'")


# -- deciding the answer from the runs ------------------------------------------------------------


class Outcomes:
    """What the runs did, per run label: ``loss`` per step (training loss per epoch for
    networks), ``position`` (surfaces: the final point ``[x, y]``, or the path, one point per
    step, whose last row is the final point), ``test_loss`` per step (data surfaces with a
    shift) and ``val_loss`` per epoch (networks)."""

    def __init__(self, runs: Mapping[str, Mapping[str, Any]]) -> None:
        self.runs = {label: dict(values) for label, values in runs.items()}

    def until(self, step: int | None) -> Outcomes:
        """The runs as recorded up to ``step`` (an epoch for networks), so that a question is
        decided by what the beat has shown; ``None``: everything. A ``position`` given as the
        final point only cannot be cut and is kept."""
        if step is None:
            return self
        cut: dict[str, dict[str, Any]] = {}
        for label, values in self.runs.items():
            cut[label] = {}
            for name, series in values.items():
                array = np.asarray(series, dtype=float)
                keep = not (name == "position" and array.ndim < 2)
                cut[label][name] = array[: step + 1] if keep else array
        return Outcomes(cut)

    def series(self, label: str, name: str) -> np.ndarray:
        try:
            values = self.runs[label][name]
        except KeyError:
            raise UndecidedError(f"run {label!r} has no {name} recorded") from None
        return np.asarray(values, dtype=float)


class UndecidedError(ValueError):
    """The runs do not (yet) decide the question: not recorded far enough, or a tie."""


def outcomes_from_result(result: Mapping[str, Any]) -> Outcomes:
    """The outcomes of a ``core.runner.run_scene`` result (or a ``losslab run`` result file).

    Surface runs: ``loss`` per step and ``position`` (the path, one ``[x, y]`` per step), plus
    ``test_loss`` where the result has one. A run with ``starts`` (several points) is summed up
    by the **median** over its points, step by step (the curve the GUI draws for a swarm), and
    its position by the coordinate-wise median of the points. JSON ``null`` (a non-finite value)
    becomes NaN. Network results: one entry per training run (``"network"``, or one per fold)
    with ``loss`` = the training loss and ``val_loss`` per epoch (epoch 0 = the initial
    weights); with k-fold, ``"network"`` holds the mean over the folds.
    """
    runs: dict[str, dict[str, Any]] = {}
    for run in result.get("runs", []):
        if "epochs" in run:
            runs[run["label"]] = _network_outcome(run["epochs"])
            continue
        many = np.asarray(run["loss"], dtype=float).ndim == 2
        outcome = {"loss": _per_step(run["loss"], many), "position": _path(run, many)}
        if "test_loss" in run:
            outcome["test_loss"] = _per_step(run["test_loss"], many)
        runs[run["label"]] = outcome
    if "kfold" in result and "network" not in runs:
        folds = [runs[run["label"]] for run in result["runs"]]
        length = min(len(fold["loss"]) for fold in folds)
        runs["network"] = {
            "loss": np.mean([fold["loss"][:length] for fold in folds], axis=0),
            "val_loss": np.asarray(result["kfold"]["val_loss_mean"], dtype=float),
        }
    return Outcomes(runs)


def _per_step(values: Any, many: bool) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if not many:
        return array
    finite = np.isfinite(array).any(axis=1)  # a step where no point is finite stays NaN
    median = np.full(array.shape[0], np.nan)
    median[finite] = np.nanmedian(array[finite], axis=1)
    return median


def _path(run: Mapping[str, Any], many: bool) -> np.ndarray:
    positions = np.asarray(run["positions"], dtype=float)
    if not many:
        return positions
    return np.stack([_per_step(positions[..., axis], True) for axis in (0, 1)], axis=1)


def _network_outcome(epochs: list[Mapping[str, Any]]) -> dict[str, np.ndarray]:
    def column(name: str) -> np.ndarray:
        return np.asarray([epoch.get(name) for epoch in epochs], dtype=float)

    return {"loss": column("train_loss"), "val_loss": column("val_loss")}


def apply_settings(data: Mapping[str, Any], beats: list[Beat], index: int) -> dict[str, Any]:
    """The scene's data (its JSON, or ``core.scene.scene_to_dict``) with every ``set`` action of
    the beats up to ``index`` applied: the runs the students see at that beat, for deciding its
    question headless. The data is copied; validate the result with ``core.scene.parse_scene``."""
    changed = copy.deepcopy(dict(data))
    for beat in beats[: index + 1]:
        action = beat.action
        if action is None or action.kind != "set":
            continue
        run = next((r for r in changed.get("runs", []) if r.get("label") == action.run), None)
        if run is None:
            raise ValueError(f"beats[{beats.index(beat)}]: no run named {action.run!r}")
        group, _, name = action.path.partition(".")
        if name:  # optimizer.lr, schedule.gamma
            run.setdefault(group, {})[name] = action.value
        else:  # steps, batch_size
            run[group] = action.value
    return changed


def shown_until(beats: list[Beat], index: int) -> int | None:
    """Where the playback stands once beat ``index``'s action has run: the step (the epoch for
    networks) up to which the runs have been shown, ``None`` for their end. A lesson starts at
    step 0; ``load`` goes back to 0, ``play_to`` to its step, ``play`` to the end, ``train``
    adds its epochs; the other actions leave it where it is. A beat's question is decided by
    ``Outcomes.until`` this step, what the students see at the reveal."""
    step: int | None = 0
    for beat in beats[: index + 1]:
        kind = beat.action.kind if beat.action is not None else None
        if kind == "load":
            step = 0
        elif kind == "play_to":
            step = beat.action.step
        elif kind == "play":
            step = None
        elif kind == "train" and step is not None:
            step += beat.action.epochs
    return step


def decide(question: Question, outcomes: Outcomes) -> int:
    """The index of the right choice, computed from what the runs did."""
    if question.rule in _RUN_RULES:
        scores = [_run_score(question, outcomes, c.run) for c in question.choices]
        best = min(scores)
        if not np.isfinite(best):
            raise UndecidedError("no run decides the question")
        if scores.count(best) > 1:
            raise UndecidedError("two runs tie")
        return scores.index(best)
    outcome = _outcome(question, outcomes)
    return [c.outcome for c in question.choices].index(outcome)


def _run_score(question: Question, outcomes: Outcomes, label: str) -> float:
    """Lower is the answer: first step below the threshold, final loss, distance to the point."""
    if question.rule == "first_below":
        loss = outcomes.series(label, question.series)
        below = np.flatnonzero(np.nan_to_num(loss, nan=np.inf) <= question.threshold)
        return float(below[0]) if below.size else float("inf")
    if question.rule == "lowest_final":
        loss = outcomes.series(label, question.series)
        return float(loss[-1]) if loss.size and np.isfinite(loss[-1]) else float("inf")
    position = outcomes.series(label, "position").reshape(-1)[-2:]
    return float(np.hypot(*(position - np.asarray(question.point))))


def _outcome(question: Question, outcomes: Outcomes) -> str:
    if question.rule == "change":
        loss = outcomes.series(question.run, question.series)
        if loss.size <= question.to_step:
            raise UndecidedError(f"run {question.run!r} has not reached step {question.to_step}")
        before = loss[question.from_step]
        delta = loss[question.to_step] - before
        if not np.isfinite(delta):
            raise UndecidedError("the loss is not finite at both steps")
        offered = {c.outcome for c in question.choices}
        if "flat" in offered and abs(delta) <= question.tolerance * max(abs(before), 1e-12):
            return "flat"
        if delta == 0:
            raise UndecidedError("the loss neither rose nor fell")
        return "rise" if delta > 0 else "fall"
    val = outcomes.series(question.run, "val_loss")
    val = val[np.isfinite(val)]
    if val.size < 2:
        raise UndecidedError("fewer than two validation losses")
    best = float(val.min())
    rose = val[-1] - best > question.tolerance * max(abs(best), 1e-12)
    return "yes" if rose else "no"


def verdict(question: Question, outcomes: Outcomes, picked: int) -> tuple[bool, int]:
    """(whether ``picked`` was right, the right index)."""
    right = decide(question, outcomes)
    return picked == right, right
