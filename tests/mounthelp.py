"""Real small, read-only and immutable file systems for the storage tests (tmpfs; needs root).

Each helper is a context manager that cleans up (unmount, remove the mount point) whatever happens;
tests skip when the machine does not let them mount.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def tmpfs(point: Path, size: str = "1m") -> Iterator[Path]:
    """A fresh tmpfs of ``size`` at ``point`` (created), unmounted afterwards."""
    point.mkdir(parents=True, exist_ok=True)
    try:
        _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point))
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc})")
    try:
        yield point
    finally:
        with contextlib.suppress(Exception):
            _run("chattr", "-R", "-i", str(point))
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=30)


def remount(point: Path, mode: str) -> None:
    """``mode`` is "ro" or "rw"."""
    _run("mount", "-o", f"remount,{mode}", str(point))


@contextlib.contextmanager
def read_only(point: Path) -> Iterator[None]:
    remount(point, "ro")
    try:
        yield
    finally:
        remount(point, "rw")


@contextlib.contextmanager
def immutable(path: Path) -> Iterator[None]:
    try:
        _run("chattr", "+i", str(path))
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"chattr +i is not available here ({exc})")
    try:
        yield
    finally:
        _run("chattr", "-i", str(path))


def fill(point: Path, leave: int) -> Path:
    """Fill the file system at ``point`` until about ``leave`` bytes are free; returns the filler file."""
    filler = point / "filler.bin"
    stats = os.statvfs(point)
    free = stats.f_bavail * stats.f_frsize
    with open(filler, "ab") as handle:
        handle.write(b"\0" * max(0, free - leave))
    return filler
