"""Another process committing to the SQLite test database just before each of our transactions,
as the server and the worker do at any moment while a long job runs.

    with OtherWriter(path) as writer, writer.before_each_write():
        ...the job...
    writer.commits            # how many commits the other process made meanwhile

A lock problem (a stale read snapshot upgraded to a write fails at once with "database is locked",
whatever the busy timeout) shows only when someone else commits at the wrong moment; timing that
by chance makes a flaky test. Here the other process commits before every BEGIN and every write
made outside a transaction, through Django's execute_wrapper, so the bad moment always happens.
"""

import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from django.db import connection

# Plain sqlite3 so the process starts in milliseconds; the write is a real change of a real row.
SCRIPT = r"""
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
for line in sys.stdin:
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE tickets_ticketsequence SET last_number = last_number + 1")
    db.execute("UPDATE tickets_ticketsequence SET last_number = last_number - 1")
    db.execute("COMMIT")
    print("ok", flush=True)
"""
WRITES = re.compile(r"\s*(BEGIN|INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class OtherWriter:
    def __init__(self, path: str) -> None:
        self.path, self.commits = path, 0

    def __enter__(self) -> "OtherWriter":
        self.process = subprocess.Popen([sys.executable, "-c", SCRIPT, self.path], stdin=subprocess.PIPE,  # noqa: S603 - our own script
                                        stdout=subprocess.PIPE, text=True)
        self.commit()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.process.communicate(timeout=60)

    def commit(self) -> None:
        """One commit by the other process, finished when this returns."""
        stdin, stdout = self.process.stdin, self.process.stdout
        if stdin is None or stdout is None:
            raise RuntimeError("the writer process has no pipes")
        stdin.write("commit\n")
        stdin.flush()
        if (answer := stdout.readline().strip()) != "ok":
            raise RuntimeError(f"the writer process did not commit: {answer!r}")
        self.commits += 1

    @contextmanager
    def before_each_write(self) -> Iterator[None]:
        """The other process commits before each transaction and each lone write of ours."""
        def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            # Inside our own transaction we hold the write lock; the other process would only wait.
            if not connection.in_atomic_block and WRITES.match(sql):
                self.commit()
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            yield
