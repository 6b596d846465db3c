"""A few slots for expensive work, shared by every process on the machine: lock files.

    with slots.slot("decode", slots=2, wait=15):   # raises slots.Busy after 15 s without a turn
        image.load()

Each slot is a file in STADTLOTSE_DATA_DIR/locks held with flock(); the kernel frees it when its
process ends, even by a crash, so no slot is ever lost. Gunicorn's workers are processes, so a
counter in memory would bound only one of them.
"""

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

POLL_SECONDS = 0.05


class Busy(Exception):
    """No slot became free within the wait."""


def _try(directory: Path, name: str, slots: int) -> BinaryIO | None:
    for number in range(slots):
        file = open(directory / f"{name}-{number}.lock", "a+b")  # noqa: SIM115 - held until the slot is freed
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            continue
        return file
    return None


@contextmanager
def slot(name: str, *, slots: int, wait: float) -> Iterator[None]:
    """Hold one of `slots` slots called `name` while the block runs; wait up to `wait` seconds for one."""
    directory = Path(settings.DATA_DIR) / "locks"
    directory.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while (file := _try(directory, name, max(1, slots))) is None:
        if time.monotonic() >= deadline:
            raise Busy(name)
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        fcntl.flock(file, fcntl.LOCK_UN)
        file.close()
