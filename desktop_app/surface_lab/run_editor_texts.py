"""The run editor's texts: human names of optimizers and schedules, a human label and a
one-sentence explanation per parameter (the code name stays in the tooltip), all in the
"RunEditor" translation context."""

from __future__ import annotations

import math

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

_CONTEXT = "RunEditor"  # the translation context of every text of the run editor (= self.tr's)


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


# Human names of optimizers and schedules (the data keeps the engine's names).
HUMAN_NAMES: dict[str, str] = {
    "sgd": QT_TRANSLATE_NOOP("RunEditor", "SGD"),
    "adagrad": QT_TRANSLATE_NOOP("RunEditor", "Adagrad"),
    "rmsprop": QT_TRANSLATE_NOOP("RunEditor", "RMSprop"),
    "adam": QT_TRANSLATE_NOOP("RunEditor", "Adam"),
    "adamw": QT_TRANSLATE_NOOP("RunEditor", "AdamW"),
    "lbfgs": QT_TRANSLATE_NOOP("RunEditor", "L-BFGS"),
    "lecture_momentum": QT_TRANSLATE_NOOP("RunEditor", "Momentum (lecture: m ← λm − ηg)"),
    "ema_momentum": QT_TRANSLATE_NOOP("RunEditor", "EMA momentum (v ← βv + (1−β)g)"),
    "rms": QT_TRANSLATE_NOOP("RunEditor", "RMS (lecture σ)"),
    "newton": QT_TRANSLATE_NOOP("RunEditor", "Newton"),
    "sam": QT_TRANSLATE_NOOP("RunEditor", "SAM (sharpness-aware)"),
    "constant": QT_TRANSLATE_NOOP("RunEditor", "Constant"),
    "step": QT_TRANSLATE_NOOP("RunEditor", "Step decay"),
    "exponential": QT_TRANSLATE_NOOP("RunEditor", "Exponential"),
    "cosine": QT_TRANSLATE_NOOP("RunEditor", "Cosine"),
    "warmup": QT_TRANSLATE_NOOP("RunEditor", "Warm-up then …"),
    "cosine_restarts": QT_TRANSLATE_NOOP("RunEditor", "Cosine with restarts"),
    "onecycle": QT_TRANSLATE_NOOP("RunEditor", "One-cycle"),
    "inverse_sqrt": QT_TRANSLATE_NOOP("RunEditor", "Inverse square root"),
}

# One sentence per parameter, shown as the tooltip of its label and editor.
EXPLANATIONS: dict[str, str] = {
    "lr": QT_TRANSLATE_NOOP("RunEditor", "Learning rate η: how far each step moves."),
    "momentum": QT_TRANSLATE_NOOP(
        "RunEditor", "How much of the previous movement is kept in each step (0 = none)."
    ),
    "dampening": QT_TRANSLATE_NOOP(
        "RunEditor", "Scales down the new gradient added to the momentum buffer."
    ),
    "nesterov": QT_TRANSLATE_NOOP(
        "RunEditor", "Nesterov momentum: look ahead along the momentum before using the gradient."
    ),
    "weight_decay": QT_TRANSLATE_NOOP(
        "RunEditor", "Pulls the parameters towards 0 (L2 penalty) in every step."
    ),
    "betas": QT_TRANSLATE_NOOP(
        "RunEditor",
        "Decay rates of the running averages of the gradient (β₁) and of its square (β₂).",
    ),
    "eps": QT_TRANSLATE_NOOP(
        "RunEditor", "Small number added to the denominator so it never divides by zero."
    ),
    "alpha": QT_TRANSLATE_NOOP(
        "RunEditor", "Decay rate of the running average of the squared gradient."
    ),
    "amsgrad": QT_TRANSLATE_NOOP(
        "RunEditor", "AMSGrad: divide by the largest squared-gradient average seen so far."
    ),
    "bias_correction": QT_TRANSLATE_NOOP(
        "RunEditor", "Correct the running averages for starting at zero (off: the lecture's Adam)."
    ),
    "beta": QT_TRANSLATE_NOOP(
        "RunEditor",
        "Decay rate of the moving average of the gradients (0 = plain gradient descent).",
    ),
    "damping": QT_TRANSLATE_NOOP(
        "RunEditor", "Added to the Hessian's diagonal so that the Newton step stays finite."
    ),
    "rho": QT_TRANSLATE_NOOP(
        "RunEditor",
        "SAM's radius ρ: each step first climbs ρ along the gradient and descends with the "
        "gradient found there (0 = the base optimizer).",
    ),
    "base": QT_TRANSLATE_NOOP(
        "RunEditor", "The optimizer SAM wraps: it takes the step with the ascent point's gradient."
    ),
    "centered": QT_TRANSLATE_NOOP(
        "RunEditor", "Divide by the gradient's variance instead of its raw second moment."
    ),
    "lr_decay": QT_TRANSLATE_NOOP(
        "RunEditor", "Shrinks the learning rate as lr / (1 + (t − 1) · lr_decay)."
    ),
    "initial_accumulator_value": QT_TRANSLATE_NOOP(
        "RunEditor", "Starting value of the sum of squared gradients."
    ),
    "max_iter": QT_TRANSLATE_NOOP("RunEditor", "Most inner iterations per optimizer step."),
    "tolerance_grad": QT_TRANSLATE_NOOP(
        "RunEditor", "Stop the inner iterations when the gradient is smaller than this."
    ),
    "tolerance_change": QT_TRANSLATE_NOOP(
        "RunEditor", "Stop the inner iterations when the loss or the step changes less than this."
    ),
    "history_size": QT_TRANSLATE_NOOP(
        "RunEditor", "How many past steps are remembered to estimate the curvature."
    ),
    "line_search_fn": QT_TRANSLATE_NOOP(
        "RunEditor", "Line search choosing the step length ('none': always step by lr)."
    ),
    "step_size": QT_TRANSLATE_NOOP(
        "RunEditor", "Multiply the lr by gamma every this many steps (auto: a quarter of the run)."
    ),
    "gamma": QT_TRANSLATE_NOOP("RunEditor", "Factor the learning rate is multiplied by."),
    "T_max": QT_TRANSLATE_NOOP(
        "RunEditor", "Steps from the full lr down to eta_min (auto: the whole run)."
    ),
    "eta_min": QT_TRANSLATE_NOOP("RunEditor", "Lowest learning rate the cosine reaches."),
    "warmup_steps": QT_TRANSLATE_NOOP(
        "RunEditor", "Steps of the warm-up (auto: a tenth of the run)."
    ),
    "start_factor": QT_TRANSLATE_NOOP(
        "RunEditor", "The warm-up starts at this fraction of the learning rate."
    ),
    "then": QT_TRANSLATE_NOOP("RunEditor", "The schedule that follows the warm-up."),
    "T_0": QT_TRANSLATE_NOOP(
        "RunEditor", "Steps until the first restart (auto: a quarter of the run)."
    ),
    "T_mult": QT_TRANSLATE_NOOP(
        "RunEditor", "Each period is this many times longer than the last."
    ),
    "max_lr": QT_TRANSLATE_NOOP(
        "RunEditor", "Peak learning rate of the cycle (auto: the optimizer's lr)."
    ),
    "total_steps": QT_TRANSLATE_NOOP(
        "RunEditor", "Length of the cycle; at least the run's steps (auto: the run)."
    ),
    "pct_start": QT_TRANSLATE_NOOP("RunEditor", "Fraction of the cycle spent rising to max_lr."),
    "anneal_strategy": QT_TRANSLATE_NOOP(
        "RunEditor", "Shape of the rise and fall: cosine or straight lines."
    ),
    "div_factor": QT_TRANSLATE_NOOP("RunEditor", "The cycle starts at max_lr / div_factor."),
    "final_div_factor": QT_TRANSLATE_NOOP(
        "RunEditor", "The cycle ends at max_lr / (div_factor · final_div_factor)."
    ),
    "cycle_momentum": QT_TRANSLATE_NOOP(
        "RunEditor", "Also cycle the momentum (or β₁) opposite to the learning rate."
    ),
    "steps": QT_TRANSLATE_NOOP("RunEditor", "How many optimizer steps the run takes."),
}

# The label of each parameter's row (the code name is in its tooltip): every parameter of the
# optimizer and schedule registries has one; a parameter torch adds later falls back to its
# code name written as words (see param_label).
PARAM_LABELS: dict[str, str] = {
    "lr": QT_TRANSLATE_NOOP("RunEditor", "Learning rate"),
    "momentum": QT_TRANSLATE_NOOP("RunEditor", "Momentum"),
    "dampening": QT_TRANSLATE_NOOP("RunEditor", "Momentum dampening"),
    "weight_decay": QT_TRANSLATE_NOOP("RunEditor", "Weight decay"),
    "nesterov": QT_TRANSLATE_NOOP("RunEditor", "Nesterov look-ahead"),
    "lr_decay": QT_TRANSLATE_NOOP("RunEditor", "Learning-rate decay"),
    "initial_accumulator_value": QT_TRANSLATE_NOOP("RunEditor", "Initial sum of squares"),
    "eps": QT_TRANSLATE_NOOP("RunEditor", "Stability ε"),
    "alpha": QT_TRANSLATE_NOOP("RunEditor", "Smoothing α"),
    "centered": QT_TRANSLATE_NOOP("RunEditor", "Centered"),
    "betas": QT_TRANSLATE_NOOP("RunEditor", "Averaging rates β₁, β₂"),
    "amsgrad": QT_TRANSLATE_NOOP("RunEditor", "AMSGrad variant"),
    "bias_correction": QT_TRANSLATE_NOOP("RunEditor", "Bias correction"),
    "max_iter": QT_TRANSLATE_NOOP("RunEditor", "Inner iterations"),
    "tolerance_grad": QT_TRANSLATE_NOOP("RunEditor", "Gradient tolerance"),
    "tolerance_change": QT_TRANSLATE_NOOP("RunEditor", "Change tolerance"),
    "history_size": QT_TRANSLATE_NOOP("RunEditor", "History length"),
    "line_search_fn": QT_TRANSLATE_NOOP("RunEditor", "Line search"),
    "beta": QT_TRANSLATE_NOOP("RunEditor", "Averaging rate β"),
    "damping": QT_TRANSLATE_NOOP("RunEditor", "Hessian damping"),
    "rho": QT_TRANSLATE_NOOP("RunEditor", "Ascent radius ρ"),
    "base": QT_TRANSLATE_NOOP("RunEditor", "Base optimizer"),
    "step_size": QT_TRANSLATE_NOOP("RunEditor", "Steps between decays"),
    "gamma": QT_TRANSLATE_NOOP("RunEditor", "Decay factor γ"),
    "T_max": QT_TRANSLATE_NOOP("RunEditor", "Cosine length"),
    "eta_min": QT_TRANSLATE_NOOP("RunEditor", "Lowest lr"),
    "warmup_steps": QT_TRANSLATE_NOOP("RunEditor", "Warm-up steps"),
    "start_factor": QT_TRANSLATE_NOOP("RunEditor", "Starting fraction"),
    "then": QT_TRANSLATE_NOOP("RunEditor", "Followed by"),
    "T_0": QT_TRANSLATE_NOOP("RunEditor", "First period"),
    "T_mult": QT_TRANSLATE_NOOP("RunEditor", "Period growth"),
    "max_lr": QT_TRANSLATE_NOOP("RunEditor", "Peak lr"),
    "total_steps": QT_TRANSLATE_NOOP("RunEditor", "Cycle length"),
    "pct_start": QT_TRANSLATE_NOOP("RunEditor", "Rising fraction"),
    "anneal_strategy": QT_TRANSLATE_NOOP("RunEditor", "Curve shape"),
    "div_factor": QT_TRANSLATE_NOOP("RunEditor", "Starting divisor"),
    "final_div_factor": QT_TRANSLATE_NOOP("RunEditor", "Final divisor"),
    "cycle_momentum": QT_TRANSLATE_NOOP("RunEditor", "Cycle the momentum"),
    "steps": QT_TRANSLATE_NOOP("RunEditor", "Steps"),
}

_AUTO = QT_TRANSLATE_NOOP("RunEditor", "auto")
_NONE = QT_TRANSLATE_NOOP("RunEditor", "none")


def param_label(name: str) -> str:
    """The translated label of parameter ``name``."""
    if name in PARAM_LABELS:
        return _tr(PARAM_LABELS[name])
    return name.replace("_", " ").capitalize()


def param_tooltip(name: str) -> str:
    """The code name (as in scene files) and the translated explanation of parameter ``name``."""
    explanation = _tr(EXPLANATIONS[name]) if name in EXPLANATIONS else ""
    return f"{name}: {explanation}" if explanation else name


def _number(value: float) -> str:
    return f"{value:.3g}".replace("e-0", "e-").replace("e+0", "e+")


# The stability label (core.stability): (quadratic, lr above the limit) -> text; {0} the limit,
# {1} its formula. The tooltips take {0} = λmax.
_STABILITY_TEXTS = {
    (True, False): QT_TRANSLATE_NOOP("RunEditor", "Stable below η = {0} ({1})"),
    (True, True): QT_TRANSLATE_NOOP(
        "RunEditor", "η is above the stability limit {0} ({1}): the run diverges."
    ),
    (False, False): QT_TRANSLATE_NOOP(
        "RunEditor", "Stable near the start below η = {0} ({1} there)"
    ),
    (False, True): QT_TRANSLATE_NOOP(
        "RunEditor", "η is above the local limit {0} ({1} at the start): the run bounces away."
    ),
}
_STABILITY_TIPS = {
    True: QT_TRANSLATE_NOOP(
        "RunEditor",
        "This surface is a quadratic: its Hessian is the same everywhere, with largest "
        "eigenvalue λmax = {0}. Each gradient step multiplies the distance along that direction "
        "by (1 − ηλmax), so the run converges for η below the limit and diverges above it. "
        "Momentum β raises the limit to (2+2β)/λmax.",
    ),
    False: QT_TRANSLATE_NOOP(
        "RunEditor",
        "λmax = {0} is the largest eigenvalue of the Hessian at the run's start point (as in the "
        "Hessian panel). This surface is not a quadratic, so the limit is local: above it the "
        "run cannot settle in the curvature around the start; elsewhere the curvature, and the "
        "limit, differ.",
    ),
}
_NO_LIMIT = QT_TRANSLATE_NOOP("RunEditor", "No curvature limit on η at the start (λmax = {0} ≤ 0).")


def stability_texts(limit, curvature, above: bool) -> tuple[str, str]:
    """The stability label's text and tooltip for ``limit`` (``core.stability.StabilityLimit``)
    at ``curvature`` (``core.stability.LocalCurvature`` of the run's start); ``above``: the lr
    is past the limit."""
    lam = _number(curvature.lambda_max)
    if not math.isfinite(limit.lr):
        return _tr(_NO_LIMIT).format(lam), ""
    text = _tr(_STABILITY_TEXTS[curvature.quadratic, above]).format(
        _number(limit.lr), limit.formula
    )
    return text, _tr(_STABILITY_TIPS[curvature.quadratic]).format(lam)
