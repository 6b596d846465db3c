"""Old task paths, kept so that jobs queued before an upgrade still run.

A queued job is a row naming its task by import path (`DBTaskResult.task_path`). The photo job
moved to `stadtlotse.media.tasks.process_photo`; rows written under the old path — queued before
the upgrade, by a web process still running the old code during a rolling upgrade, or restored
from an older backup — find the same task here. New jobs are always queued under the new path.
"""

from stadtlotse.media.tasks import process_photo

__all__ = ["process_photo"]
