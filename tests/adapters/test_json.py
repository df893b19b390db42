"""Reading native bodies: the fast parser never reads a value otherwise than ``json`` would."""

from __future__ import annotations

import json

import pytest

from adapters._json import OutOfRange, decode_object
from hub.errors import AdapterError

BODIES = [
    b'{"n": 12345678901234567890123}',  # past 64 bits: exact, never a float
    b'{"n": -9223372036854775809}',
    b'{"n": 18446744073709551615, "m": 123456789012345678}',
    b'{"n": 1e400, "m": NaN, "k": -Infinity}',
    b'{"s": "\\ud800", "t": "\\u0000"}',  # a lone surrogate and a NUL
    b'{"a": 1, "a": 2}',
    b'{"x": 0.1, "y": -0.0, "z": 5e-324, "w": 1.7976931348623157e308}',
    '{"名": "王建国", "电话": "13800000000"}'.encode(),
]


@pytest.mark.parametrize("body", BODIES)
def test_a_body_reads_as_the_standard_parser_reads_it(body: bytes) -> None:
    got = decode_object(body, "test")
    want = json.loads(body.decode())
    assert repr(got) == repr(want)
    assert [type(v) for v in got.values()] == [type(v) for v in want.values()]


def test_an_integer_past_what_python_reads_is_put_aside() -> None:
    got = decode_object(b'{"n": ' + b"9" * 5000 + b"}", "test")
    assert isinstance(got["n"], OutOfRange)


@pytest.mark.parametrize(("body", "code"), [
    (b'\xef\xbb\xbf{"a": 1}', "BODY_NOT_JSON"),
    (b'{"a": "\xff"}', "BODY_NOT_UTF8"),
    (b"[1, 2]", "NOT_ENVELOPE"),
    (b"[" * 100_000 + b"]" * 100_000, "BODY_TOO_DEEP"),
])
def test_unreadable_bodies_keep_their_error_codes(body: bytes, code: str) -> None:
    with pytest.raises(AdapterError) as caught:
        decode_object(body, "test")
    assert caught.value.error_code == code
