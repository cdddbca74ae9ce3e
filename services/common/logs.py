"""Structured logs: one JSON object per line with time, level, logger and message (referenced from config.yaml).

Bearer tokens never reach a log line: the formatter masks anything shaped like one, wherever it came from (an access
log's request line with `?token=`, an exception message, a library's debug output).
"""

import logging
import re

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

FIELDS = "{asctime}{levelname}{name}{message}"
MASK = "[redacted]"
_SECRETS = (
    (re.compile(r"zy_[A-Za-z0-9_-]{8,}"), MASK),  # services.common.auth.TOKEN_PREFIX + the random part
    (re.compile(r"(?i)(bearer\s+)[^\s\"',;\\]+"), rf"\g<1>{MASK}"),
    (re.compile(r"(?i)([?&;\s]token=)[^&\s\"',;\\]+"), rf"\g<1>{MASK}"),
)


def redact(text: str) -> str:
    """`text` with every bearer token masked."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class JsonFormatter(_JsonFormatter):
    def __init__(self) -> None:
        super().__init__(FIELDS, style="{", rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
