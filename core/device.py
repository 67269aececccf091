"""Where the engine computes: CUDA when there is a GPU, else the CPU."""

from __future__ import annotations

from typing import Literal

import torch

DeviceChoice = Literal["auto", "cpu", "cuda"]
DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float64": torch.float64}


class DeviceError(RuntimeError):
    """A device was asked for that this machine does not have."""


def resolve_device(choice: str = "auto") -> torch.device:
    """``auto`` picks CUDA when available, else CPU; ``cpu`` and ``cuda`` are forced."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice == "cpu":
        return torch.device("cpu")
    if choice == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError("device 'cuda' was asked for, but torch sees no CUDA GPU here")
        return torch.device("cuda")
    raise DeviceError(f"unknown device '{choice}'; choose auto, cpu or cuda")


def resolve_dtype(name: str) -> torch.dtype:
    try:
        return DTYPES[name]
    except KeyError:
        raise ValueError(f"unknown dtype '{name}'; choose float32 or float64") from None


def describe_device(device: torch.device) -> str:
    """A short human name: 'CPU' or the GPU's name."""
    if device.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(device)}"
    return "CPU"
