"""The write stage: every file or none, atomically, one writer at a time."""

from appt2dispatch.write.atomic import recover_interrupted_write, write_all_or_nothing
from appt2dispatch.write.lock import tree_lock

__all__ = ["recover_interrupted_write", "tree_lock", "write_all_or_nothing"]
