"""Connection state, the events iterator and misuse by the caller."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from sitewatch.protocols.hj212 import (
    NEED_DATA,
    ConnectionClosed,
    ConnectionState,
    DataUpload,
    LocalProtocolError,
)

from .hj212_support import BY_NAME, NOW, connection

DUST = BY_NAME["libem_air_realtime_flag_first"].frame


def test_new_connection_is_open_and_needs_data():
    conn = connection()
    assert (
        conn.state is ConnectionState.OPEN and conn.next_event(NOW) is NEED_DATA and conn.get_timer() is None
    )


def test_eof_drains_buffered_frames_then_closes():
    conn = connection()
    conn.receive_data(DUST + DUST)
    conn.receive_data(b"")
    assert conn.state is ConnectionState.DRAINING
    assert [type(e) for e in conn.events(NOW)] == [DataUpload, DataUpload, ConnectionClosed]
    assert conn.state is ConnectionState.CLOSED


def test_closed_connection_keeps_returning_connection_closed():
    conn = connection()
    conn.receive_data(b"")
    assert isinstance(conn.next_event(NOW), ConnectionClosed)
    assert isinstance(conn.next_event(NOW), ConnectionClosed)


def test_data_after_eof_is_a_local_error():
    conn = connection()
    conn.receive_data(b"")
    with pytest.raises(LocalProtocolError):
        conn.receive_data(DUST)


def test_naive_now_is_a_local_error():
    conn = connection()
    with pytest.raises(LocalProtocolError):
        conn.next_event(datetime(2024, 5, 6))  # noqa: DTZ001 - the point of the test


def test_events_iterator_stops_at_need_data():
    conn = connection()
    conn.receive_data(DUST + DUST[:50])
    assert [type(e) for e in conn.events(NOW)] == [DataUpload]
    assert conn.buffered == 50


def test_next_event_without_now_works():
    conn = connection()
    conn.receive_data(DUST)
    assert isinstance(conn.next_event(), DataUpload)


def test_codec_imports_no_django_asyncio_or_sockets():
    probe = (
        "import sys, sitewatch.protocols.hj212; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'asyncio', 'socket', 'selectors')))"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "[]"
