"""The ``alteryx-backup`` command of the alteryx.server collection (see docs/exit-codes.md)."""

__version__ = "0.1.0"
