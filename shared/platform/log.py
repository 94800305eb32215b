"""One structlog setup for every service: JSON when not on a terminal, pretty when on one."""

from __future__ import annotations

import logging
import sys

import structlog


def setup_logging(service: str, level: str = "info",
                  instance: str | None = None) -> structlog.stdlib.BoundLogger:
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer() if sys.stderr.isatty() else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    if instance is not None:  # which replica: several run the same service
        structlog.contextvars.bind_contextvars(instance=instance)
    return structlog.get_logger()
