"""Complete-or-nothing writes and bounded reads (core.fileio)."""

from __future__ import annotations

import errno
import os
import stat
import threading

import pytest

from core import fileio
from tests.fakes import short_writes


def test_write_atomic_writes_whole_file_with_normal_permissions(tmp_path):
    target = tmp_path / "scene.json"
    fileio.write_atomic(target, "héllo")
    assert target.read_bytes() == "héllo".encode()
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["scene.json"]  # no temporary file left


def test_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "scene.json"
    target.write_text("old")
    target.chmod(0o640)
    fileio.write_atomic(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_short_write_leaves_old_file_untouched(tmp_path, monkeypatch):
    """A disk that accepts only part of the data: the old file survives, the caller is told."""
    target = tmp_path / "scene.json"
    target.write_text("precious work")
    short_writes(monkeypatch, accept=5)
    with pytest.raises(OSError) as caught:
        fileio.write_atomic(target, "x" * 1000)
    assert caught.value.errno == errno.ENOSPC
    assert target.read_text() == "precious work"
    assert [p.name for p in tmp_path.iterdir()] == ["scene.json"]


def test_failed_write_leaves_old_file_untouched(tmp_path, monkeypatch):
    target = tmp_path / "scene.json"
    target.write_text("precious work")

    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.os, "write", full_disk)
    with pytest.raises(OSError):
        fileio.write_atomic(target, "new")
    assert target.read_text() == "precious work"


def test_symlink_is_replaced_not_written_through(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "out.json"
    link.symlink_to(victim)
    fileio.write_atomic(link, "result")
    assert not link.is_symlink()
    assert link.read_text() == "result"
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("special", ["/dev/null", "folder"])
def test_special_targets_are_refused(tmp_path, special):
    target = tmp_path / "folder" if special == "folder" else special
    if special == "folder":
        target.mkdir()
    with pytest.raises(OSError, match="not a regular file"):
        fileio.check_writable_target(target)


def test_missing_folder_is_refused_before_work(tmp_path):
    with pytest.raises(OSError, match="no such folder"):
        fileio.check_writable_target(tmp_path / "nope" / "out.json")


def test_read_bounded_refuses_dev_zero_link(tmp_path):
    link = tmp_path / "scene.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(OSError, match="not a regular file"):
        fileio.read_bounded(link, 1000)


def test_read_bounded_refuses_fifo_without_hanging(tmp_path):
    fifo = tmp_path / "scene.json"
    os.mkfifo(fifo)
    result = {}

    def read():
        try:
            fileio.read_bounded(fifo, 1000)
        except OSError as error:
            result["error"] = error

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert "not a regular file" in str(result["error"])


def test_read_bounded_stops_at_the_limit(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(fileio.FileTooLarge):
        fileio.read_bounded(big, 1000)
    assert fileio.read_bounded(big, 2000) == b"x" * 2000
