"""appt2dispatch: migrate dispatch from bjw-s app-template to its own chart, with proof."""

__version__ = "0.1.0"
