"""Structured logs: one event per line, JSON for machines or coloured for a terminal."""

import logging
import sys
from collections.abc import Iterable
from typing import Any, TextIO

import structlog

# Never written to a log line, whoever passes them: a last line of defence, not the policy.
_SECRET_KEYS = {"token", "bot_token", "secret", "password", "card_number", "cvc", "cvv", "pan"}


def _drop_secrets(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in _SECRET_KEYS & event.keys():
        event[key] = "[redacted]"
    return event


class _ScrubSecrets:
    """The settings' secret values, wherever they hide in a rendered line: an exception's text,
    a URL with the bot token in it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted(set(secrets), key=len, reverse=True)

    def __call__(self, _: Any, __: str, line: str) -> str:
        for secret in self._secrets:
            line = line.replace(secret, "[redacted]")
        return line


def setup_logging(
    level: str = "INFO",
    fmt: str = "json",
    stream: TextIO = sys.stderr,
    *,
    secrets: Iterable[str] = (),
) -> None:
    # JSON lines carry the traceback as text; the console renders it itself.
    renderers: list[Any] = (
        [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ]
        if fmt == "json"
        else [structlog.dev.ConsoleRenderer(colors=stream.isatty())]
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_secrets,
    ]
    structlog.configure(
        # An event below the level is dropped first, before the context and the time are
        # added to it: structlog's stdlib logger would otherwise build it for nothing.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *renderers,
                _ScrubSecrets(secrets),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # These would print SQL parameters (names, codes) or URLs at DEBUG: never wanted.
    for noisy in ("aiosqlite", "sqlalchemy.engine", "aiohttp.access", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
