"""Many networks at once: K MLPs of one shape trained together, one update for all of them.

:class:`ManyTrainer` trains K members -- one :class:`~core.nets.models.ModelConfig` on one
:class:`~core.nets.datasets.Dataset`, each member with its own
:class:`~core.nets.trainer.TrainConfig` (seed, so its own initial weights and data order;
optimizer and hyper-parameters; batch size; schedule) -- and yields, per epoch, one
:class:`~core.nets.trainer.EpochRecord` per member that equals the record of that member's own
:class:`~core.nets.trainer.Trainer` run (to rounding: the tests check 1e-6 in float64 over 100
updates for every optimizer networks offer). Uses: a race of networks (optimizers, learning rates
or batch sizes side by side), hyper-parameter search, many seeds, and the k folds of
cross-validation (``datasets``: each member on its own data).

How: the members' parameters are stacked (``(K, out, in)`` weights, ``(K, out)`` biases); one
update gathers each member's own mini-batch (its own shuffled order, ``(K, B, in)``), runs the
stacked forward with batched matrix products (``torch.baddbmm``) and the hand-written backward
of :func:`core.nets.fast.mlp_gradients`, and steps ``torch.optim`` optimizers on the stacked
tensors. Per-member hyper-parameters are torch.optim's own **parameter groups**: members with the
same optimizer (and schedule) share one optimizer object; members with the same
hyper-parameters share one group (one stacked tensor per layer); a stack of several groups is
concatenated for the forward and its gradient split back. The optimizer arithmetic is therefore
torch.optim's, elementwise on each member's slice.

Why ``bmm`` and a hand-written backward: measured on the loaded 2-core machine (one torch
thread, float32, the gradient of 64 spiral 2-8-8-2 networks on batches of 10), the hand-written
``bmm`` backward took 0.38 ms, autograd through the same ``bmm`` forward 0.47 ms and
``torch.func.vmap`` over ``grad`` of ``functional_call`` 2.4 ms; all three agree to 5e-8.

Members are trained in **stacks**: one stack per batch size (an update needs the same batch
shape for every member of it), and one stack per L-BFGS member (L-BFGS is not elementwise: its
line search and history mix all coordinates, so each member gets its own optimizer and closure;
the closure uses autograd, see :meth:`ManyTrainer._closure`). Members of different stacks take
their updates in turn; an epoch is over when every stack has run its epoch.

Supported (:func:`many_problem` says why not otherwise): dense layers with ``relu``, ``tanh``,
``sigmoid`` or ``linear`` activations; every loss; every optimizer networks offer; schedules;
full-batch and mini-batch training. Not supported: batch norm, dropout, augmentation, early
stopping (``patience``), ``per_step`` records and members with different epochs or losses.
:func:`many_records` trains such settings with one :class:`~core.nets.trainer.Trainer` per
member instead, in lockstep, with the same records.

Records: the gradient norm is measured only with ``track_grad_norm=True`` (else NaN after epoch
0); a member that diverges gets its diverged record and no more (its stacked slice keeps
computing without touching the others: every operation is per member). Metrics are read from the
device once per epoch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from core.nets.datasets import Dataset
from core.nets.fast import fast_problem, member_losses, mlp_gradients, mlp_outputs
from core.nets.models import ACTIVATIONS, ModelConfig, build_model, loss_function
from core.nets.trainer import EpochRecord, TrainConfig, Trainer, divergence_limit
from core.optim import build_optimizer, needs_closure
from core.optim.factory import check_hyper
from core.optim.registry import OPTIMIZERS
from core.schedules import build_scheduler

Tensor = torch.Tensor


def many_problem(
    model_config: ModelConfig, configs: Sequence[TrainConfig], data: Dataset
) -> str | None:
    """Why :class:`ManyTrainer` cannot train these members together (None: it can)."""
    if not configs:
        return "no networks to train"
    for config in configs:
        problem = fast_problem(model_config, config, data)
        if problem is not None:
            return problem
        if config.patience is not None:
            return "early stopping is not supported when training many networks at once"
        if config.per_step:
            return "per-step records are not supported when training many networks at once"
    if len({c.epochs for c in configs}) > 1 or len({c.loss for c in configs}) > 1:
        return "networks trained at once need the same number of epochs and the same loss"
    return None


def full_hyper(name: str, hyper: dict) -> dict:
    """Every hyper-parameter of optimizer ``name`` as ``build_optimizer`` would use it (defaults
    filled in, integers and ``betas`` normalized); ``ValueError`` for an invalid one."""
    check_hyper(name, hyper)
    entry = OPTIMIZERS[name]
    full = {**entry.defaults, **hyper}
    for key, valid in entry.ranges.items():
        if valid.integer and key in hyper:
            full[key] = int(hyper[key])
    if "betas" in full:
        full["betas"] = tuple(float(b) for b in full["betas"])
    return full


@dataclass
class _Stack:
    """Members trained by one update: ``order`` lists them in stacked order; ``groups`` holds one
    list of stacked parameters per hyper-parameter group (sizes in ``sizes``)."""

    batch_size: int | None  # None: full batch
    closure: bool
    order: list[int] = field(default_factory=list)
    # the members' data in stacked order: inputs (N, in) shared or (K, N, in) per member;
    # targets always (K, N) (a shared set expanded)
    train: tuple[Tensor, Tensor] = ()
    val: tuple[Tensor, Tensor] = ()
    groups: list[list[Tensor]] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    optimizers: list[torch.optim.Optimizer] = field(default_factory=list)
    schedulers: list = field(default_factory=list)
    group_of: list[dict] = field(default_factory=list)  # each member's param group

    def weights(self) -> list[Tensor]:
        if len(self.groups) == 1:
            return self.groups[0]
        return [torch.cat(layer) for layer in zip(*self.groups, strict=True)]

    def set_grads(self, grads: list[Tensor]) -> None:
        if len(self.groups) == 1:
            for parameter, grad in zip(self.groups[0], grads, strict=True):
                parameter.grad = grad
            return
        for index, grad in enumerate(grads):
            for group, part in zip(self.groups, grad.split(self.sizes), strict=True):
                group[index].grad = part


def _optimizer_key(config: TrainConfig) -> str:
    """Members with the same key share one optimizer object (as parameter groups). A scheduled
    member gets its own: a schedule may read every group (OneCycleLR cycles momentum only when
    all groups have some), so sharing could change a member's run."""
    name = config.optimizer["name"]
    bias = config.optimizer.get("bias_correction", True) if name == "adam" else None
    own = config.optimizer if config.schedule is not None else None
    return json.dumps([name, bias, config.schedule, own], sort_keys=True, default=str)


class ManyTrainer:
    """K networks of one shape on one dataset, each with its own training config.

    ``records()`` yields, per epoch (epoch 0 first), the list of the records of the members still
    training, in member order; ``run`` is the member's label (``labels`` or ``network 1``, ...).
    Raises ``ValueError`` with :func:`many_problem`'s reason for an unsupported setting.

    ``datasets`` (one per member, the same task and input size as ``data``) gives each member
    its own training and validation sets -- the k folds of cross-validation; members whose sets
    differ in size train in different stacks.
    """

    def __init__(
        self,
        data: Dataset,
        model_config: ModelConfig,
        configs: Sequence[TrainConfig],
        *,
        labels: Sequence[str] | None = None,
        device: torch.device | str = "cpu",
        dtype: torch.dtype = torch.float32,
        track_grad_norm: bool = True,
        datasets: Sequence[Dataset] | None = None,
    ) -> None:
        problem = many_problem(model_config, configs, data)
        if problem is not None:
            raise ValueError(problem)
        self.data, self.model_config, self.configs = data, model_config, list(configs)
        count = len(self.configs)
        if datasets is not None and len(datasets) != count:
            raise ValueError(f"{count} networks but {len(datasets)} datasets")
        self.datasets = list(datasets) if datasets is not None else None
        self.labels = (
            list(labels) if labels is not None else [f"network {k + 1}" for k in range(count)]
        )
        if len(self.labels) != count:
            raise ValueError(f"{count} networks but {len(self.labels)} labels")
        self.device, self.dtype = torch.device(device), dtype
        self.track_grad_norm = track_grad_norm
        self.loss, self.epochs = self.configs[0].loss, self.configs[0].epochs
        self.x_train, self.y_train = self._tensors(data.x_train, data.y_train)
        self.x_val, self.y_val = self._tensors(data.x_val, data.y_val)
        self.sizes = [
            (len(d.x_train), len(d.x_val)) for d in (self.datasets or [data] * count)
        ]  # each member's (training, validation) set sizes
        self.generators = [torch.Generator().manual_seed(c.seed) for c in self.configs]
        self._activation = ACTIVATIONS[model_config.activation]()
        self._loss_fn = loss_function(self.loss, data.task, data.classes)
        self.stacks = self._build_stacks()
        self._where = {k: (s, i) for s in self.stacks for i, k in enumerate(s.order)}
        self.epoch = 0
        self.steps = [0] * count
        self.status = ["ok"] * count  # "ok" or "diverged"
        self.best_epoch = [0] * count
        self.best_val = [math.inf] * count
        self.loss_limit = [math.inf] * count

    # -- construction -----------------------------------------------------------------------------

    def _tensors(self, x: np.ndarray, y: np.ndarray) -> tuple[Tensor, Tensor]:
        inputs = torch.as_tensor(x, device=self.device).to(self.dtype)
        if self.data.task == "classification":
            return inputs, torch.as_tensor(y, dtype=torch.int64, device=self.device)
        return inputs, torch.as_tensor(y, device=self.device).to(self.dtype)

    def _batch_size(self, k: int) -> int | None:
        size = self.configs[k].batch_size
        return None if size == 0 or size >= self.sizes[k][0] else size

    def _stack_data(self, stack: _Stack) -> None:
        """The stack's members' training and validation sets, in stacked order."""
        count = len(stack.order)
        if self.datasets is None:
            stack.train = (self.x_train, self.y_train.expand(count, len(self.y_train)))
            stack.val = (self.x_val, self.y_val.expand(count, len(self.y_val)))
            return
        members = [self.datasets[k] for k in stack.order]
        for name in ("train", "val"):
            pairs = [
                self._tensors(getattr(d, f"x_{name}"), getattr(d, f"y_{name}")) for d in members
            ]
            setattr(stack, name, tuple(torch.stack(part) for part in zip(*pairs, strict=True)))

    def _build_stacks(self) -> list[_Stack]:
        initial = [
            [
                p.detach()
                for p in build_model(
                    self.model_config,
                    self.data.input_dim,
                    self.data.output_dim,
                    seed=config.seed,
                    dtype=self.dtype,
                    device=self.device,
                ).parameters()
            ]
            for config in self.configs
        ]
        stacks: dict[tuple, _Stack] = {}
        for k, config in enumerate(self.configs):
            closure = needs_closure(config.optimizer["name"])
            key = ("closure", k) if closure else ("batch", self._batch_size(k), self.sizes[k])
            if key not in stacks:
                stacks[key] = _Stack(self._batch_size(k), closure)
            stacks[key].order.append(k)
        for stack in stacks.values():
            self._build_optimizers(stack, initial)
            self._stack_data(stack)
        return list(stacks.values())

    def _build_optimizers(self, stack: _Stack, initial: list[list[Tensor]]) -> None:
        """One optimizer per optimizer key, one parameter group per distinct hyper-parameters."""
        by_optimizer: dict[str, dict[str, list[int]]] = {}
        for k in stack.order:
            config = self.configs[k]
            name = config.optimizer["name"]
            hyper = full_hyper(name, {n: v for n, v in config.optimizer.items() if n != "name"})
            group_key = json.dumps(hyper, sort_keys=True, default=str)
            by_optimizer.setdefault(_optimizer_key(config), {}).setdefault(group_key, []).append(k)
        stack.order = []
        for groups in by_optimizer.values():
            first = self.configs[next(iter(groups.values()))[0]]
            name = first.optimizer["name"]
            param_groups = []
            for members in groups.values():
                hyper = self.configs[members[0]].optimizer
                hyper = full_hyper(name, {n: v for n, v in hyper.items() if n != "name"})
                hyper.pop("bias_correction", None)  # the optimizer's class, not a group setting
                leaves = [
                    torch.stack([initial[k][j] for k in members]).clone()
                    for j in range(len(initial[0]))
                ]
                for leaf in leaves:
                    leaf.requires_grad_(stack.closure)  # L-BFGS's closure uses autograd
                param_groups.append({"params": leaves, **hyper})
                stack.groups.append(leaves)
                stack.sizes.append(len(members))
                stack.order.extend(members)
            first_hyper = {n: v for n, v in first.optimizer.items() if n != "name"}
            optimizer = build_optimizer(name, param_groups, **first_hyper)
            stack.optimizers.append(optimizer)
            stack.schedulers.append(build_scheduler(optimizer, first.schedule, max(self.epochs, 1)))
            for group, members in zip(optimizer.param_groups, groups.values(), strict=True):
                stack.group_of.extend([group] * len(members))

    # -- members ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.configs)

    def member_parameters(self, k: int) -> list[Tensor]:
        """Member ``k``'s parameters (views into the stacks), in ``nn.Sequential`` order."""
        stack, position = self._where[k]
        start = 0
        for group, size in zip(stack.groups, stack.sizes, strict=True):
            if position < start + size:
                return [p[position - start] for p in group]
            start += size
        raise IndexError(k)

    def training_set(self, k: int) -> tuple[Tensor, Tensor]:
        """Member ``k``'s training inputs and targets (its own with ``datasets``)."""
        if self.datasets is None:
            return self.x_train, self.y_train
        stack, position = self._where[k]
        x, y = stack.train
        return x[position], y[position]

    def weights(self, k: int) -> Tensor:
        """Member ``k``'s parameters as one flat vector (a copy), as ``Trainer.weights``."""
        return torch.cat([p.reshape(-1) for p in self.member_parameters(k)]).clone()

    def member_model(self, k: int) -> nn.Sequential:
        """A ``torch.nn`` model holding member ``k``'s current weights (for plots and export)."""
        model = build_model(
            self.model_config,
            self.data.input_dim,
            self.data.output_dim,
            dtype=self.dtype,
            device=self.device,
        )
        with torch.no_grad():
            for target, source in zip(model.parameters(), self.member_parameters(k), strict=True):
                target.copy_(source)
        return model

    def lr(self, k: int) -> float:
        """The learning rate member ``k`` uses now."""
        stack, position = self._where[k]
        return float(stack.group_of[position]["lr"])

    def predict(self, inputs: np.ndarray | Tensor) -> np.ndarray:
        """Every member's outputs, ``(K, N, C)`` class probabilities or ``(K, N)`` values."""
        x = torch.as_tensor(inputs, device=self.device).to(self.dtype)
        classes = self.data.task == "classification"
        rows: dict[int, Tensor] = {}
        for stack in self.stacks:
            out = mlp_outputs(stack.weights(), self.model_config.activation, x)
            out = torch.softmax(out, -1) if classes else out[..., 0]
            rows.update({k: out[i] for i, k in enumerate(stack.order)})
        return torch.stack([rows[k] for k in range(len(self))]).cpu().numpy()

    # -- training ---------------------------------------------------------------------------------

    def _gradients(self, stack: _Stack, x: Tensor, y: Tensor) -> None:
        grads, _ = mlp_gradients(
            stack.weights(),
            self.model_config.activation,
            x,
            y,
            self.loss,
            self.data.task,
        )
        stack.set_grads(grads)

    def _closure(self, stack: _Stack, x: Tensor, y: Tensor) -> Callable[[], Tensor]:
        """L-BFGS's closure for a one-member stack, with autograd and the very operations of the
        member's ``nn.Sequential``: its line search and stopping tests branch on the loss and
        gradient, so it must see the plain loop's values to the last bit to take its path."""
        weights, optimizer = stack.groups[0], stack.optimizers[0]
        inputs, targets = (x[0], y[0]) if x.dim() == 3 else (x, y[0])

        def closure() -> Tensor:
            optimizer.zero_grad(set_to_none=True)
            with torch.enable_grad():
                h = inputs
                for layer in range(len(weights) // 2):
                    h = F.linear(h, weights[2 * layer][0], weights[2 * layer + 1][0])
                    if layer < len(weights) // 2 - 1:
                        h = self._activation(h)
                loss = self._loss_fn(h, targets)
                loss.backward()
            return loss.detach()

        return closure

    def _norms(self, stack: _Stack) -> Tensor:
        """Each member's gradient norm (all its parameters together)."""
        grads = []
        for index in range(len(stack.groups[0])):
            parts = [group[index].grad for group in stack.groups]
            grads.append(parts[0] if len(parts) == 1 else torch.cat(parts))
        flat = torch.cat([g.reshape(len(stack.order), -1) for g in grads], 1)
        return torch.linalg.vector_norm(flat, dim=1)

    def _batches(self, stack: _Stack) -> list[tuple[Tensor, Tensor]]:
        """The epoch's mini-batches, each member in its own order: ``(K, B, in)``, ``(K, B)``."""
        x, y = stack.train
        if stack.batch_size is None:
            return [(x, y)]
        n = y.shape[1]
        orders = torch.stack(
            [torch.randperm(n, generator=self.generators[k], device="cpu") for k in stack.order]
        ).to(self.device)
        rows = torch.arange(len(stack.order), device=self.device).unsqueeze(1)
        xs = x[orders] if x.dim() == 2 else x[rows, orders]
        ys = y[rows, orders]
        return list(zip(xs.split(stack.batch_size, 1), ys.split(stack.batch_size, 1), strict=True))

    def _train_epoch(self, stack: _Stack) -> Tensor:
        """One epoch of one stack; returns each member's mean gradient norm (NaN: not measured)."""
        norm_sum = torch.zeros(len(stack.order), dtype=self.dtype, device=self.device)
        batches = self._batches(stack)
        for x, y in batches:
            if stack.closure:
                stack.optimizers[0].step(self._closure(stack, x, y))
            else:
                self._gradients(stack, x, y)
                for optimizer in stack.optimizers:
                    optimizer.step()
            if self.track_grad_norm:
                norm_sum += self._norms(stack)
        for scheduler in stack.schedulers:
            scheduler.step()
        for k in stack.order:
            self.steps[k] += len(batches)
        if not self.track_grad_norm:
            return norm_sum.fill_(math.nan)
        return norm_sum / len(batches)

    def _initial_norms(self, stack: _Stack) -> Tensor:
        self._gradients(stack, *stack.train)
        norms = self._norms(stack)
        for optimizer in stack.optimizers:
            optimizer.zero_grad(set_to_none=True)
        return norms

    def _metrics(self, stack: _Stack, norms: Tensor) -> Tensor:
        """``(5, K)``: train loss, train correct, val loss, val correct, gradient norm."""
        rows = []
        weights = stack.weights()
        for x, targets in (stack.train, stack.val):
            if targets.shape[1] == 0:
                rows += [torch.full_like(norms, math.nan)] * 2
                continue
            out = mlp_outputs(weights, self.model_config.activation, x)
            rows.append(member_losses(out, targets, self.loss, self.data.task))
            if self.data.task == "classification":
                rows.append((out.argmax(-1) == targets).sum(-1).to(norms.dtype))
            else:
                rows.append(torch.full_like(norms, math.nan))
        rows.append(norms)
        return torch.stack(rows)

    def _records(self, metrics: list[Tensor], lrs: list[float]) -> list[tuple[int, EpochRecord]]:
        values = torch.cat(metrics, 1).tolist()  # the epoch's one host sync
        order = [k for stack in self.stacks for k in stack.order]
        by_member = {k: [row[i] for row in values] for i, k in enumerate(order)}
        records: list[tuple[int, EpochRecord]] = []
        for k in range(len(self)):
            if self.status[k] != "ok":
                continue
            n_train, n_val = self.sizes[k]
            train_loss, train_correct, val_loss, val_correct, norm = by_member[k]
            records.append(
                (
                    k,
                    EpochRecord(
                        epoch=self.epoch,
                        step=self.steps[k],
                        train_loss=train_loss,
                        train_accuracy=train_correct / n_train if n_train else math.nan,
                        val_loss=val_loss,
                        val_accuracy=val_correct / n_val if n_val else math.nan,
                        lr=lrs[k],
                        grad_norm=norm,
                        best_epoch=self.best_epoch[k],
                        run=self.labels[k],
                    ),
                )
            )
        return records

    def _judge(self, records: list[tuple[int, EpochRecord]]) -> list[EpochRecord]:
        """Divergence and the best epoch, as ``Trainer.records`` decides them."""
        for k, record in records:
            if self.epoch == 0:
                record.diverged = not math.isfinite(record.train_loss)
                self.loss_limit[k] = divergence_limit(record.train_loss)
            else:
                loss = record.train_loss
                record.diverged = not math.isfinite(loss) or loss > self.loss_limit[k]
            if record.diverged:
                self.status[k] = "diverged"
                if self.epoch > 0:
                    continue
            if record.val_loss < self.best_val[k]:
                self.best_val[k], self.best_epoch[k] = record.val_loss, record.epoch
            record.best_epoch = self.best_epoch[k]
        return [record for _, record in records]

    def records(self) -> Iterator[list[EpochRecord]]:
        """Epoch 0, then one list of records per epoch (the members still training)."""
        nan_lrs = [math.nan] * len(self)
        metrics = [self._metrics(s, self._initial_norms(s)) for s in self.stacks]
        yield self._judge(self._records(metrics, nan_lrs))
        while self.epoch < self.epochs and "ok" in self.status:
            lrs = [self.lr(k) for k in range(len(self))]
            norms = [self._train_epoch(stack) for stack in self.stacks]
            self.epoch += 1
            metrics = [self._metrics(s, n) for s, n in zip(self.stacks, norms, strict=True)]
            yield self._judge(self._records(metrics, lrs))


def many_records(
    data: Dataset,
    model_config: ModelConfig,
    configs: Sequence[TrainConfig],
    *,
    labels: Sequence[str] | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
    datasets: Sequence[Dataset] | None = None,
) -> Iterator[list[EpochRecord]]:
    """Per epoch, the records of every member still training: :class:`ManyTrainer` where
    :func:`many_problem` allows, else one :class:`Trainer` per member in lockstep.
    ``datasets``: each member's own data (see :class:`ManyTrainer`)."""
    if many_problem(model_config, configs, data) is None:
        yield from ManyTrainer(
            data,
            model_config,
            configs,
            labels=labels,
            device=device,
            dtype=dtype,
            datasets=datasets,
        ).records()
        return
    names = (
        list(labels) if labels is not None else [f"network {k + 1}" for k in range(len(configs))]
    )
    members = datasets if datasets is not None else [data] * len(configs)
    running = [
        Trainer(member, model_config, config, device=device, dtype=dtype, label=label).records()
        for member, config, label in zip(members, configs, names, strict=True)
    ]
    while running:
        epoch: list[EpochRecord] = []
        for records in list(running):
            record = next((r for r in records if isinstance(r, EpochRecord)), None)
            if record is None:
                running.remove(records)
            else:
                epoch.append(record)
        if epoch:
            yield epoch
