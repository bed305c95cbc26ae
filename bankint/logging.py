"""Structured logs with request and task ids, and personal data masked before it is written.

A fødselsnummer is sensitive personal data and must never reach a log line: any 11-digit run that
passes the fødselsnummer check digits is masked to ``151086 *****``.
"""

from __future__ import annotations

import json
import logging
import re

from . import context
from .personal import mask_fodselsnummer_in_text


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.current()
        record.request_id = ctx.request_id
        record.actor = ctx.username or "-"
        record.source = ctx.source
        return True


class MaskPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_fodselsnummer_in_text(message)
        if masked != message:
            record.msg = masked
            record.args = ()
        return True


_CONTROL = re.compile(r"[\x00-\x1f]")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "actor": getattr(record, "actor", "-"),
            "source": getattr(record, "source", "-"),
        }
        if record.exc_info:
            payload["exc"] = mask_fodselsnummer_in_text(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)
