"""RequestTracker: 9011/9012 matched by QN, resends, timeouts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sitewatch.protocols.hj212 import (
    LocalProtocolError,
    RequestAccepted,
    RequestCompleted,
    RequestData,
    RequestRefused,
    RequestTimedOut,
    RequestTracker,
    Resend,
    build_frame,
    build_get_time_request,
    build_history_request,
)

from .hj212_support import BY_NAME, NOW, SHANGHAI, first_event


def device(segment: str):
    return first_event(build_frame(segment))


def tracker(**options) -> RequestTracker:
    return RequestTracker(zone=SHANGHAI, **options)


def get_time(track: RequestTracker):
    request = build_get_time_request(qn=track.next_qn(NOW), st="21", mn="DXCBZ000000005", pw="123456")
    return request, track.send(request, NOW)


def answer_9011(qn: str, qn_rtn: int = 1):
    return device(f"QN={qn};ST=91;CN=9011;PW=123456;MN=DXCBZ000000005;Flag=4;CP=&&QnRtn={qn_rtn}&&")


def answer_9012(qn: str, exe_rtn: int = 1):
    return device(f"QN={qn};ST=91;CN=9012;PW=123456;MN=DXCBZ000000005;Flag=4;CP=&&ExeRtn={exe_rtn}&&")


def test_send_returns_the_request_bytes_and_arms_the_timer():
    track = tracker()
    request, data = get_time(track)
    assert data == request.data
    assert track.get_timer() == NOW + timedelta(seconds=10)


def test_9011_with_qnrtn_1_accepts_and_9012_completes():
    track = tracker()
    request, _ = get_time(track)
    accepted = track.handle_packet(answer_9011(request.qn), NOW)
    assert isinstance(accepted, RequestAccepted) and accepted.request == request
    completed = track.handle_packet(answer_9012(request.qn), NOW + timedelta(seconds=1))
    assert isinstance(completed, RequestCompleted) and completed.ok
    assert track.pending == {} and track.get_timer() is None


def test_real_exchange_from_a_platform_log_is_matched_by_qn():
    track = tracker()
    request = build_get_time_request(
        qn="1617957600465", st="21", mn="DXCBZ000000005", pw="123456", pol_id="w01018"
    )
    track.send(request, NOW)
    updates = [
        track.handle_packet(first_event(BY_NAME[name].frame), NOW)
        for name in ("virtual_request_answer", "virtual_device_time", "virtual_execution_result")
    ]
    assert [type(u).__name__ for u in updates] == ["RequestAccepted", "RequestData", "RequestCompleted"]
    assert updates[1].packet.system_time is not None


def test_9012_with_exertn_2_completes_as_failed():
    track = tracker()
    request, _ = get_time(track)
    completed = track.handle_packet(answer_9012(request.qn, exe_rtn=2), NOW)
    assert isinstance(completed, RequestCompleted) and not completed.ok and completed.exe_rtn == 2


def test_9011_with_another_qnrtn_refuses():
    track = tracker()
    request, _ = get_time(track)
    refused = track.handle_packet(answer_9011(request.qn, qn_rtn=3), NOW)
    assert isinstance(refused, RequestRefused) and refused.qn_rtn == 3
    assert track.pending == {}


def test_answers_to_other_qns_are_ignored():
    track = tracker()
    get_time(track)
    assert track.handle_packet(answer_9011("20000101000000000"), NOW) is None


def test_2005_answer_with_qn_in_cp_is_matched():
    track = tracker()
    request, _ = get_time(track)
    answer = device(f"ST=91;CN=9011;PW=123456;MN=DXCBZ000000005;Flag=0;CP=&&QN={request.qn};QnRtn=1&&")
    assert isinstance(track.handle_packet(answer, NOW), RequestAccepted)


def test_unanswered_request_is_resent_with_the_same_bytes_then_times_out():
    track = tracker(timeout=timedelta(seconds=10), retries=3)
    request, data = get_time(track)
    moments = [NOW + timedelta(seconds=10 * k) for k in range(1, 5)]
    results = [track.handle_timer(moment) for moment in moments]
    assert [[type(r).__name__ for r in batch] for batch in results] == [
        ["Resend"],
        ["Resend"],
        ["Resend"],
        ["RequestTimedOut"],
    ]
    assert all(batch[0].data == data for batch in results[:3] if isinstance(batch[0], Resend))
    assert [batch[0].attempt for batch in results[:3]] == [2, 3, 4]
    timed_out = results[3][0]
    assert isinstance(timed_out, RequestTimedOut) and timed_out.phase == "sent" and timed_out.attempts == 4
    assert track.pending == {}


def test_timer_before_the_deadline_does_nothing():
    track = tracker()
    get_time(track)
    assert track.handle_timer(NOW + timedelta(seconds=9)) == []


def test_accepted_request_is_not_resent_and_times_out_without_9012():
    track = tracker(exec_timeout=timedelta(seconds=60))
    request, _ = get_time(track)
    track.handle_packet(answer_9011(request.qn), NOW)
    assert track.handle_timer(NOW + timedelta(seconds=59)) == []
    (timed_out,) = track.handle_timer(NOW + timedelta(seconds=60))
    assert isinstance(timed_out, RequestTimedOut) and timed_out.phase == "accepted"


def test_history_data_with_new_qns_is_attributed_while_accepted_and_extends_the_deadline():
    track = tracker(exec_timeout=timedelta(seconds=60))
    request = build_history_request(
        qn=track.next_qn(NOW),
        st="32",
        mn="010000A8900016F000169DC0",
        pw="123456",
        begin=NOW - timedelta(hours=1),
        end=NOW,
        zone=SHANGHAI,
    )
    track.send(request, NOW)
    track.handle_packet(
        device(f"QN={request.qn};ST=91;CN=9011;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&"),
        NOW,
    )
    hourly = first_event(BY_NAME["c48_hourly_comma_after_qn"].frame)
    later = NOW + timedelta(seconds=50)
    update = track.handle_packet(hourly, later)
    assert isinstance(update, RequestData) and update.packet is hourly
    assert track.get_timer() == later + timedelta(seconds=60)


def test_device_that_skips_9011_still_completes():
    track = tracker()
    request, _ = get_time(track)
    assert isinstance(track.handle_packet(answer_9012(request.qn), NOW), RequestCompleted)


def test_cancel_forgets_a_request():
    track = tracker()
    request, _ = get_time(track)
    track.cancel(request.qn)
    assert track.pending == {} and track.handle_timer(NOW + timedelta(hours=1)) == []


def test_naive_now_is_refused():
    track = tracker()
    request, _ = get_time(track)
    with pytest.raises(LocalProtocolError):
        track.handle_timer(NOW.replace(tzinfo=None))
