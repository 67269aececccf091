"""Fakes shared by the core and desktop tests."""

from __future__ import annotations

import os

import pytest


def short_writes(monkeypatch: pytest.MonkeyPatch, accept: int = 5) -> None:
    """A nearly full disk: ``core.fileio``'s writes take ``accept`` bytes in all, then 0 bytes.

    Short writes (fewer bytes than asked, without an error) are what a full disk gives; a save
    that only checks for failed writes would report success on a truncated file.
    """
    from core import fileio

    real_write = os.write
    left = {"bytes": accept}

    def short_write(fd, data):
        take = min(len(data), left["bytes"])
        left["bytes"] -= take
        return real_write(fd, bytes(data[:take])) if take else 0

    monkeypatch.setattr(fileio.os, "write", short_write)
