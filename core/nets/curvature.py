r"""Curvature of a network's loss at its current weights: gradient norm, Hessian eigenvalues, the
homework's "minimum ratio" and a verdict.

The loss is a function of one flat parameter vector :math:`\theta` (``torch.func.functional_call``
with the model in eval mode), so the Hessian is exact, not the Gauss-Newton approximation (which
is positive semi-definite and cannot show a negative eigenvalue).

* Up to ``EXACT_LIMIT`` (2,000) parameters: the full Hessian with ``torch.func`` (reverse over
  reverse, in chunks) and all its eigenvalues with ``torch.linalg.eigvalsh`` (float64).
* Beyond: Lanczos iterations on Hessian-vector products (double backward through one retained
  graph), written here in torch with full re-orthogonalization (torch has no Lanczos; scipy's
  ``eigsh`` would add a dependency for ~30 lines). The extreme Ritz values converge first: the top
  and bottom ``k`` eigenvalues. The spectrum's histogram and the minimum ratio are then estimated
  by stochastic Lanczos quadrature (Ritz values weighted by the squared first components of the
  tridiagonal's eigenvectors, averaged over a few random start vectors; Ghorbani et al., 2019).

Minimum ratio (ML 2021 homework): the share of the Hessian's eigenvalues that are positive.
Eigenvalues within ``ZERO_TOLERANCE`` (1e-5 in float32, 1e-8 in float64) times the largest
magnitude count as zero (flat directions: dead ReLU units, the softmax's free shift), neither
positive nor negative. The verdict needs a small gradient first (``grad_tolerance``): then
*local-minimum-like* when no eigenvalue is clearly negative, *saddle-like* when one is (moving
along its eigenvector lowers the loss). "Clearly" is :func:`curvature_verdict`'s rule: an
eigenvalue within ``VERDICT_TOLERANCE`` (0.1 %) of the largest magnitude counts as zero. Near a
minimum reached to a tiny loss the Hessian keeps small negative eigenvalues from the residuals'
own curvature and from rounding (-8.7e-6 beside a largest of about 1): they are flat directions,
not a way down worth a "saddle" verdict.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

EXACT_LIMIT = 2_000
HESSIAN_CHUNK = 32
# |lambda| below this share of the largest |lambda| counts as 0, per working precision.
ZERO_TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-8}
GRAD_TOLERANCE = 1e-3
# The verdict's zero: |lambda| below this share of the largest |lambda| is flat, not negative.
VERDICT_TOLERANCE = 1e-3

Matvec = Callable[[torch.Tensor], torch.Tensor]


# --- the loss as a function of a flat parameter vector ----------------------------------------


@dataclass
class FlatLoss:
    """``loss(theta)`` for a model, with ``theta0`` its current weights (all float64, eval mode)."""

    fn: Callable[[torch.Tensor], torch.Tensor]
    theta0: torch.Tensor
    model: nn.Module
    unflatten: Callable[[torch.Tensor], dict[str, torch.Tensor]]


def flat_loss(
    model: nn.Module,
    loss_fn: Callable,
    x: torch.Tensor,
    y: torch.Tensor,
    dtype: torch.dtype = torch.float64,
) -> FlatLoss:
    """The model's loss on ``(x, y)`` as a function of its flattened trainable parameters.

    Works on a copy of the model in eval mode (dropout off, batch norm on running statistics), so
    the function is deterministic and the caller's model is untouched.
    """
    copy_ = copy.deepcopy(model).to(dtype).eval()
    named = [(n, p) for n, p in copy_.named_parameters() if p.requires_grad]
    names = [n for n, _ in named]
    shapes = [p.shape for _, p in named]
    sizes = [p.numel() for _, p in named]
    buffers = {n: b for n, b in copy_.named_buffers()}
    theta0 = torch.cat([p.detach().reshape(-1) for _, p in named]).clone()
    x = x.to(dtype)
    y = y if not y.is_floating_point() else y.to(dtype)

    def unflatten(theta: torch.Tensor) -> dict[str, torch.Tensor]:
        parts = torch.split(theta, sizes)
        return {n: part.view(s) for n, part, s in zip(names, parts, shapes, strict=True)}

    def fn(theta: torch.Tensor) -> torch.Tensor:
        outputs = functional_call(copy_, (unflatten(theta), buffers), (x,))
        return loss_fn(outputs, y)

    return FlatLoss(fn=fn, theta0=theta0, model=copy_, unflatten=unflatten)


def full_hessian(loss: FlatLoss) -> torch.Tensor:
    """The exact (P, P) Hessian at ``theta0``, symmetrized.

    Reverse-over-reverse in chunks of 32 rows: measured here about 3x faster than
    ``torch.func.hessian`` (forward-over-reverse over all P tangents at once, whose intermediate
    tensors of P x N x width fall out of the cache).
    """
    jacobian = torch.func.jacrev(torch.func.jacrev(loss.fn), chunk_size=HESSIAN_CHUNK)
    hessian = jacobian(loss.theta0)
    return (hessian + hessian.T) / 2


def hvp_operator(loss: FlatLoss) -> tuple[Matvec, torch.Tensor, float]:
    """(v -> H v, gradient, loss) at ``theta0``, by double backward through one kept graph."""
    theta = loss.theta0.clone().requires_grad_(True)
    value = loss.fn(theta)
    (grad,) = torch.autograd.grad(value, theta, create_graph=True)
    value = value.detach()

    def matvec(v: torch.Tensor) -> torch.Tensor:
        (hv,) = torch.autograd.grad(grad, theta, grad_outputs=v, retain_graph=True)
        return hv.detach()

    return matvec, grad.detach(), float(value)


# --- Lanczos -----------------------------------------------------------------------------------


@dataclass
class LanczosResult:
    ritz_values: np.ndarray  # eigenvalues of the tridiagonal T, ascending
    weights: np.ndarray  # squared first components of T's eigenvectors (sum to 1)


def lanczos(
    matvec: Matvec,
    dim: int,
    steps: int,
    *,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    device: torch.device | str = "cpu",
) -> LanczosResult:
    """``steps`` Lanczos iterations of a symmetric operator from a random unit vector.

    Full re-orthogonalization (twice, "twice is enough") keeps the basis orthonormal, so no
    spurious copies of converged eigenvalues appear. Stops early on an invariant subspace.
    """
    steps = max(1, min(steps, dim))
    generator = torch.Generator(device="cpu").manual_seed(seed)
    q = torch.randn(dim, generator=generator, dtype=dtype).to(device)
    q /= torch.linalg.vector_norm(q)
    basis = torch.zeros(steps, dim, dtype=dtype, device=device)
    alphas, betas = [], []
    for j in range(steps):
        basis[j] = q
        w = matvec(q).to(dtype)
        alpha = torch.dot(w, q)
        alphas.append(float(alpha))
        for _ in range(2):
            w = w - basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta = float(torch.linalg.vector_norm(w))
        scale = max(abs(a) for a in alphas) or 1.0
        if j == steps - 1 or beta <= 1e-10 * scale:
            break
        betas.append(beta)
        q = w / beta
    m = len(alphas)
    tridiagonal = torch.diag(torch.tensor(alphas, dtype=torch.float64))
    if m > 1:
        off = torch.tensor(betas[: m - 1], dtype=torch.float64)
        tridiagonal += torch.diag(off, 1) + torch.diag(off, -1)
    values, vectors = torch.linalg.eigh(tridiagonal)
    return LanczosResult(values.numpy(), (vectors[0] ** 2).numpy())


def lanczos_steps(dim: int, k: int) -> int:
    """Enough iterations for the ``k`` extreme eigenvalues at both ends to settle."""
    return min(dim, max(4 * k + 20, 40))


def extreme_eigenvalues(
    matvec: Matvec, dim: int, k: int = 5, *, steps: int | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """(the ``k`` largest eigenvalues, descending; the ``k`` smallest, ascending) by Lanczos."""
    result = lanczos(matvec, dim, steps or lanczos_steps(dim, k), seed=seed)
    values = result.ritz_values
    return values[::-1][:k].copy(), values[:k].copy()


def spectral_density(
    matvec: Matvec, dim: int, *, steps: int = 60, probes: int = 3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Stochastic Lanczos quadrature: nodes and weights (summing to 1) of the spectrum."""
    nodes, weights = [], []
    for probe in range(probes):
        result = lanczos(matvec, dim, steps, seed=seed + probe)
        nodes.append(result.ritz_values)
        weights.append(result.weights / probes)
    return np.concatenate(nodes), np.concatenate(weights)


# --- the report ----------------------------------------------------------------------------------

VERDICTS = ("not_critical", "local_minimum_like", "saddle_like")


@dataclass
class CurvatureReport:
    method: str  # "exact" or "lanczos"
    parameters: int
    loss: float
    grad_norm: float
    top: np.ndarray  # largest eigenvalues, descending
    bottom: np.ndarray  # smallest eigenvalues, ascending
    minimum_ratio: float  # share of positive eigenvalues (estimated for "lanczos")
    negative_share: float
    zero_tolerance: float  # |lambda| below this counts as 0
    verdict: str
    spectrum: np.ndarray  # eigenvalues (exact) or quadrature nodes (lanczos)
    spectrum_weights: np.ndarray  # 1/P each (exact) or the quadrature weights
    grad_tolerance: float = GRAD_TOLERANCE
    eigenvalues: np.ndarray | None = field(default=None, repr=False)  # all, when exact
    verdict_tolerance: float = 0.0  # |lambda| below this is flat for the verdict

    @property
    def scale(self) -> float:
        """The largest eigenvalue magnitude (what the tolerances are relative to)."""
        ends = [abs(float(v)) for v in (*self.top[:1], *self.bottom[:1])]
        return max(ends, default=0.0)

    @property
    def estimated(self) -> bool:
        return self.method != "exact"

    def summary(self) -> str:
        """One paragraph for a student."""
        ratio = f"{self.minimum_ratio:.3f}" + (" (estimated)" if self.estimated else "")
        lowest = float(self.bottom[0]) if len(self.bottom) else math.nan
        head = (
            f"{self.parameters} parameters, loss {self.loss:.4g}, gradient norm "
            f"{self.grad_norm:.3g}; eigenvalues from {lowest:.3g} to {float(self.top[0]):.3g}; "
            f"minimum ratio {ratio}. "
        )
        if self.verdict == "not_critical":
            return head + (
                f"The gradient is not small (> {self.grad_tolerance:g}): this is not a critical "
                "point yet, so no verdict: the eigenvalues only describe the local curvature."
            )
        if self.verdict == "local_minimum_like":
            return head + (
                "Small gradient and no clearly negative eigenvalue (none below "
                f"-{self.verdict_tolerance:.2g}, 0.1% of the largest): local-minimum-like (every "
                "direction curves up or is flat)."
            )
        return head + (
            f"Small gradient but a negative eigenvalue ({lowest:.3g}): saddle-like; moving along "
            "its eigenvector lowers the loss, so training can still escape."
        )


def curvature_verdict(
    grad_norm: float,
    lowest: float,
    scale: float,
    *,
    grad_tolerance: float = GRAD_TOLERANCE,
    relative_tolerance: float = VERDICT_TOLERANCE,
) -> str:
    """One of :data:`VERDICTS` for a point with gradient norm ``grad_norm``, smallest Hessian
    eigenvalue ``lowest`` and largest eigenvalue magnitude ``scale``: not a critical point
    while the gradient is above ``grad_tolerance``; then saddle-like only when ``lowest`` is
    below ``-relative_tolerance * scale`` (a smaller negative value is a flat direction)."""
    if not grad_norm <= grad_tolerance:
        return "not_critical"
    return "saddle_like" if lowest < -relative_tolerance * scale else "local_minimum_like"


def report_verdict(report: CurvatureReport) -> str:
    """:func:`curvature_verdict` of a report's own numbers."""
    lowest = float(report.bottom[0]) if len(report.bottom) else 0.0
    return curvature_verdict(
        report.grad_norm, lowest, report.scale, grad_tolerance=report.grad_tolerance
    )


def analyze(
    model: nn.Module,
    loss_fn: Callable,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    k: int = 5,
    exact_limit: int = EXACT_LIMIT,
    grad_tolerance: float = GRAD_TOLERANCE,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
) -> CurvatureReport:
    """The curvature report at the model's current weights on ``(x, y)``.

    ``dtype`` is the precision of the Hessian (or its products); eigenvalues are always found in
    float64. float32 (the default) is about twice as fast -- measured here 0.36 s against 0.8 s
    for the full Hessian of 982 parameters on 500 points -- and its rounding (~1e-7 of the
    largest eigenvalue) stays below the zero tolerance, ``ZERO_TOLERANCE[dtype]`` times the
    largest magnitude, so the minimum ratio does not depend on it. Pass float64 to compare with
    finite differences to many digits.
    """
    dim = sum(p.numel() for p in model.parameters() if p.requires_grad)
    exact = dim <= exact_limit
    loss = flat_loss(model, loss_fn, x, y, dtype=dtype)
    relative_zero = ZERO_TOLERANCE[dtype]
    if exact:
        theta = loss.theta0.clone().requires_grad_(True)
        value = loss.fn(theta)
        (grad,) = torch.autograd.grad(value, theta)
        value = value.detach()
        eigenvalues = torch.linalg.eigvalsh(full_hessian(loss).double()).numpy()
        scale = float(np.abs(eigenvalues).max()) if dim else 0.0
        tolerance = relative_zero * scale
        grad_norm = float(torch.linalg.vector_norm(grad))
        return CurvatureReport(
            method="exact",
            parameters=dim,
            loss=float(value),
            grad_norm=grad_norm,
            top=eigenvalues[::-1][:k].copy(),
            bottom=eigenvalues[:k].copy(),
            minimum_ratio=float(np.mean(eigenvalues > tolerance)),
            negative_share=float(np.mean(eigenvalues < -tolerance)),
            zero_tolerance=tolerance,
            verdict=curvature_verdict(
                grad_norm, float(eigenvalues[0]), scale, grad_tolerance=grad_tolerance
            ),
            verdict_tolerance=VERDICT_TOLERANCE * scale,
            spectrum=eigenvalues,
            spectrum_weights=np.full(dim, 1.0 / dim),
            grad_tolerance=grad_tolerance,
            eigenvalues=eigenvalues,
        )
    matvec, grad, value = hvp_operator(loss)
    top, bottom = extreme_eigenvalues(matvec, dim, k, seed=seed)
    nodes, weights = spectral_density(matvec, dim, seed=seed + 1)
    scale = max(abs(float(top[0])), abs(float(bottom[0])))
    tolerance = relative_zero * scale
    grad_norm = float(torch.linalg.vector_norm(grad))
    return CurvatureReport(
        method="lanczos",
        parameters=dim,
        loss=value,
        grad_norm=grad_norm,
        top=top,
        bottom=bottom,
        minimum_ratio=float(weights[nodes > tolerance].sum()),
        negative_share=float(weights[nodes < -tolerance].sum()),
        zero_tolerance=tolerance,
        verdict=curvature_verdict(
            grad_norm, float(bottom[0]), scale, grad_tolerance=grad_tolerance
        ),
        verdict_tolerance=VERDICT_TOLERANCE * scale,
        spectrum=nodes,
        spectrum_weights=weights,
        grad_tolerance=grad_tolerance,
    )
