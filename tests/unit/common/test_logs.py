"""Log lines never carry a bearer token, whatever part of the system wrote them."""

import json
import logging
import sys

from services.common.logs import JsonFormatter, redact

TOKEN = "zy_Q2xhc3NpZmllZC1idXQtbm90LXJlYWxseS1zZWNyZXQ"


def test_our_tokens_bearer_values_and_token_parameters_are_masked() -> None:
    assert redact(f"authenticating {TOKEN}") == "authenticating [redacted]"
    assert redact("authorization: Bearer s3cr3t-value") == "authorization: Bearer [redacted]"
    assert redact('"GET /status/org/HA-WJW?token=s3cr3t&x=1 HTTP/1.1" 200') == (
        '"GET /status/org/HA-WJW?token=[redacted]&x=1 HTTP/1.1" 200'
    )


def test_page_tokens_and_the_cookie_name_are_not_secrets() -> None:
    text = "next page_token=c3lzdGVtLTQy; cookie zy_token set"
    assert redact(text) == text


def test_the_json_formatter_masks_the_message_and_the_traceback() -> None:
    try:
        raise ValueError(f"bad credential {TOKEN}")
    except ValueError:
        record = logging.LogRecord("zy", logging.ERROR, __file__, 1, "call with %s", (TOKEN,), sys.exc_info())

    line = JsonFormatter().format(record)

    assert TOKEN not in line
    assert json.loads(line)["message"] == "call with [redacted]"
