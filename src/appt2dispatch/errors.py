"""The one error hierarchy every stage raises.

`cli.py` turns any `Appt2DispatchError` into one line on stderr and exit code 2;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Annotation only: cli.py imports this module first, and models' dataclasses cost
    # ~15 ms to create, which `--help` and `--version` need not pay.
    from appt2dispatch.models import SourceLocation


class Appt2DispatchError(Exception):
    """Base of every error the tool reports to the user (exit code 2)."""

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return self.message
        return f"{self.location}: {self.message}"


class InputError(Appt2DispatchError):
    """A file cannot be read or parsed (missing, binary, too large, bad YAML)."""


class ReleaseError(Appt2DispatchError):
    """The HelmRelease is readable but not something the tool can work on."""


class RefusedError(Appt2DispatchError):
    """A feature the target (chart or built-in renderer) has no home for, named by key path."""


class RenderError(Appt2DispatchError):
    """A chart failed to render (template error, schema violation, bad lane config)."""


class WriteError(Appt2DispatchError):
    """Files could not be written; nothing was changed."""


class ModelRefusedError(RefusedError):
    """The built-in app-template model's refusal of one values key.

    `values_path` is that key, dotted with `[i]` for list items
    (`controllers.main.containers.app.env.FOO`), so the caller that knows the
    HelmRelease file can point at its line.
    """

    def __init__(
        self, message: str, values_path: str, location: SourceLocation | None = None
    ) -> None:
        super().__init__(message, location)
        self.values_path = values_path
