"""The registrar core: deadlines from registration and keepalives, handed `now`."""

from __future__ import annotations

import pytest

from sitewatch.protocols.gb28181.registrar import Lost, QueryRetry, QueryTimedOut, QueryTracker, Registrar

DEV = "44080200001320000001"


def test_three_missed_keepalives_lose_the_device_within_a_second():
    reg = Registrar(interval=60, misses=3)
    reg.registered(DEV, 1000.0, expires=3600)
    assert reg.get_timer() == 1180.0
    assert reg.handle_timer(1179.9) == []
    assert reg.handle_timer(1180.0) == [Lost(DEV, "keepalive_missed", 1180.0)]
    assert DEV not in reg and reg.get_timer() is None


def test_keepalives_move_the_deadline():
    reg = Registrar(interval=60, misses=3)
    reg.registered(DEV, 1000.0, expires=3600)
    for t in range(1060, 1400, 60):
        assert reg.keepalive(DEV, float(t))
    assert reg.handle_timer(1500.0) == []
    assert reg.deadline_of(DEV) == 1360.0 + 180


def test_registration_expiry_comes_first_when_earlier():
    reg = Registrar(interval=60, misses=3)
    reg.registered(DEV, 1000.0, expires=100)
    reg.keepalive(DEV, 1090.0)
    assert reg.handle_timer(1100.0) == [Lost(DEV, "registration_expired", 1100.0)]


def test_fractional_deadline_is_reported_at_the_end_of_its_bucket():
    reg = Registrar(interval=60, misses=3)  # quarter-second buckets
    reg.registered(DEV, 1000.3, expires=3600)
    assert reg.get_timer() == 1180.5
    assert reg.handle_timer(1180.4) == []
    assert [lost.deadline for lost in reg.handle_timer(1180.5)] == [pytest.approx(1180.3)]
    coarse = Registrar(interval=60, misses=3, resolution=1.0)
    coarse.registered(DEV, 1000.25, expires=3600)
    assert coarse.get_timer() == 1181.0


def test_keepalive_from_unknown_device_is_refused():
    assert not Registrar().keepalive(DEV, 1.0)


def test_unregister_cancels_the_deadline():
    reg = Registrar()
    reg.registered(DEV, 0.0, expires=3600)
    assert reg.unregistered(DEV) and not reg.unregistered(DEV)
    assert reg.handle_timer(10_000.0) == []


def test_device_keepalive_settings_from_basic_param():
    reg = Registrar(interval=60, misses=3)
    reg.registered(DEV, 0.0, expires=3600)
    reg.set_keepalive(DEV, interval=30, misses=2)
    assert reg.deadline_of(DEV) == 60.0


def test_restored_devices_get_one_keepalive_window_after_a_restart():
    reg = Registrar(interval=60, misses=3)
    for i in range(1000):
        reg.restored(f"4408020000132{i:07d}", 5000.0, expires_in=3000)
    assert reg.handle_timer(5179.0) == []
    reg.keepalive("44080200001320000007", 5100.0)
    lost = reg.handle_timer(5180.0)
    assert len(lost) == 999 and "44080200001320000007" not in {x.device_id for x in lost}


def test_many_keepalives_do_not_grow_the_timer_state():
    reg = Registrar(interval=60, misses=3)
    reg.registered(DEV, 0.0, expires=10**9)
    for t in range(1, 20_000):
        reg.keepalive(DEV, t / 10)
        if t % 100 == 0:
            assert reg.handle_timer(t / 10) == []
    # One bucket, and no more buckets queued than one keepalive window (plus the 10 s
    # between timer calls) holds, four to a second.
    assert len(reg._buckets) == 1  # noqa: SLF001 - the property under test
    assert len(reg._heap) <= (60 * 3 + 10 + 1) * 4  # noqa: SLF001


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        Registrar(interval=0)


def test_query_is_retried_then_times_out():
    q = QueryTracker(timeout=10, retries=1)
    sn = q.next_sn(DEV)
    q.open(DEV, "Catalog", sn, 0.0, payload=b"query")
    assert q.get_timer() == 10.0
    assert q.handle_timer(10.0) == [QueryRetry(DEV, "Catalog", sn, b"query", 2)]
    assert q.handle_timer(20.0) == [QueryTimedOut(DEV, "Catalog", sn, b"query")]
    assert len(q) == 0


def test_answer_closes_the_query_and_a_late_one_is_recognised():
    q = QueryTracker()
    sn = q.next_sn(DEV)
    q.open(DEV, "DeviceInfo", sn, 0.0, payload="p")
    assert q.answered(DEV, "DeviceInfo", sn) == "p"
    assert q.answered(DEV, "DeviceInfo", sn) is None


def test_progress_keeps_a_multi_packet_query_open():
    q = QueryTracker(timeout=10, retries=0)
    q.open(DEV, "Catalog", 1, 0.0)
    q.progress(DEV, "Catalog", 1, 8.0)
    assert q.handle_timer(12.0) == [] and q.is_open(DEV, "Catalog", 1)


def test_sn_is_not_reused_while_open():
    q = QueryTracker()
    first = q.next_sn(DEV)
    q.open(DEV, "Catalog", first, 0.0)
    assert q.next_sn(DEV) != first
    assert q.next_sn("other") == 1


def test_forgetting_a_device_closes_only_its_queries_and_frees_its_sns():
    q = QueryTracker()
    q.open(DEV, "Catalog", q.next_sn(DEV), 0.0)
    q.open("other", "Catalog", q.next_sn("other"), 0.0)
    q.forget_device(DEV)
    assert len(q) == 1 and q.is_open("other", "Catalog", 1)
    assert q.answered(DEV, "Catalog", 1) is None
