"""Structured logs: one JSON object per line with time, level, logger and message (referenced from config.yaml)."""

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

FIELDS = "{asctime}{levelname}{name}{message}"


class JsonFormatter(_JsonFormatter):
    def __init__(self) -> None:
        super().__init__(FIELDS, style="{", rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
