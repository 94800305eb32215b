"""The ack decision is made by exception type: permanent work is terminated and its job failed, a
cancelled job stops quietly, and any other exception is presumed transient and nak'ed with a delay."""

from __future__ import annotations


class PermanentError(Exception):
    """Retrying cannot help: bad input, an unknown pair, a corrupt file."""


class JobCancelled(Exception):
    """The job was cancelled while it ran; stop quietly."""
