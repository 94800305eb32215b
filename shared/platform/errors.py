"""The ack decision is made by exception type: retryable work is nak'ed with a delay, permanent work is
terminated and its job failed."""

from __future__ import annotations


class RetryableError(Exception):
    """Try again later: the exchange, the store or a peer is unavailable for now."""


class PermanentError(Exception):
    """Retrying cannot help: bad input, an unknown pair, a corrupt file."""


class JobCancelled(Exception):
    """The job was cancelled while it ran; stop quietly."""
