"""Another process writing to the SQLite test database, as the server and the worker do while a job runs.

    with OtherWriter(path) as writer:   # commits a small write every few milliseconds
        ...long job...
    writer.commits                      # how many it made meanwhile

A lock problem (a long transaction, a stale read snapshot upgraded to a write) shows only when
someone else commits during the job; this makes sure someone does, from a real second process.
"""

import subprocess
import sys
from types import TracebackType

# Plain sqlite3 so the process starts in milliseconds; the write is a no-op update of a real row.
SCRIPT = r"""
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
commits = 0
while True:
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE tickets_ticketsequence SET last_number = last_number")
    db.execute("COMMIT")
    commits += 1
    if commits == 1:
        print("ready", flush=True)
    if sys.stdin in __import__("select").select([sys.stdin], [], [], 0.003)[0]:
        break
print(commits, flush=True)
"""


class OtherWriter:
    def __init__(self, path: str) -> None:
        self.path, self.commits = path, 0

    def __enter__(self) -> "OtherWriter":
        self.process = subprocess.Popen([sys.executable, "-c", SCRIPT, self.path], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        out, _err = self.process.communicate("stop\n", timeout=60)
        self.commits = int(out.split()[-1])
