"""The assessment rules (附件7, DOMAIN §8) on hand-worked cases at the bands' edges. Each
case is an evidence document as the evidence file holds it; the expected scores were
worked out by hand from the table."""

from __future__ import annotations

import json

import pytest

from sitewatch.assessment.rules import EvidenceError, assess_document, days_begun, parse_evidence

WEEK = "2026-11-23"
CHECK = "2026-11-30T09:00:00+08:00"


def evidence(points, episodes=(), **extra):
    return {"schema": "sitewatch.assessment/1", "integrator": "湛江某智能科技有限公司", "week_start": WEEK,
            "check_time": CHECK, "points": list(points), "episodes": list(episodes), **extra}


def dust(n, offline=0):
    return [{"id": f"D{i}", "kind": "dust_monitor", "online_at_check": i >= offline} for i in range(n)]


def camera(pid, main="1920x1080", sub="704x576", online=True):
    return {"id": pid, "kind": "camera", "online_at_check": online, "main_resolution": main, "sub_resolution": sub}


def amounts(result, rule):
    return [d["amount"] for d in result["deductions"] if d["rule"] == rule]


@pytest.mark.parametrize(("offline", "total", "deduction"), [
    (0, 10, 0),
    (1, 10, 0),     # exactly 10 %: "10%以下" includes 10 %
    (11, 100, 10),  # just over 10 %
    (2, 10, 10),    # exactly 20 %: still the second band
    (21, 100, 20),  # just over 20 %
    (29, 100, 20),  # below 30 %
    (3, 10, 40),    # exactly 30 %: 30 % or more
    (10, 10, 40),
])
def test_offline_rate_bands(offline, total, deduction):
    result = assess_document(evidence(dust(total, offline)))
    assert sum(amounts(result, "offline_rate")) == deduction
    assert result["score"] == 100 - deduction
    assert result["offline_rate"]["offline"] == offline and result["offline_rate"]["total"] == total


@pytest.mark.parametrize(("notified", "recovered", "days", "deduction"), [
    ("2026-11-24T10:00:00+08:00", "2026-11-27T10:00:00+08:00", 3, 0),   # exactly 3 days
    ("2026-11-24T10:00:00+08:00", "2026-11-27T10:01:00+08:00", 4, 10),  # 3 days and one minute
    ("2026-11-23T08:00:00+08:00", "2026-11-23T09:00:00+08:00", 1, 0),   # an hour is a day begun
    ("2026-11-16T10:00:00+08:00", "2026-11-23T10:00:00+08:00", 7, 10),  # exactly 7 days
    ("2026-11-16T10:00:00+08:00", "2026-11-23T10:00:01+08:00", 8, 20),  # a second more
    ("2026-11-09T10:00:00+08:00", "2026-11-23T10:00:00+08:00", 14, 20),  # exactly 14 days
    ("2026-11-09T10:00:00+08:00", "2026-11-23T10:01:00+08:00", 15, 40),  # over 14 days
    ("2026-11-24T10:00:00+08:00", None, 6, 10),  # still offline: measured at the check (5 d 23 h)
])
def test_fix_time_bands(notified, recovered, days, deduction):
    result = assess_document(evidence(dust(20, offline=0), [{"point": "D0", "notified_at": notified,
                                                              "recovered_at": recovered}]))
    assert [e["days"] for e in result["episodes"]] == [days]
    assert sum(amounts(result, "fix_time")) == deduction


@pytest.mark.parametrize(("main", "sub", "main_deduction", "sub_deduction"), [
    ("1920x1080", "704x576", 0, 0),
    ("1920x1079", "704x576", 10, 0),
    ("1919x1080", "704x576", 10, 0),
    ("1080x1920", "576x704", 0, 0),   # rotated (corridor mode): as sharp
    ("2560x1440", "640x480", 0, 10),
    ("1280x720", "352x288", 10, 10),
])
def test_stream_resolutions(main, sub, main_deduction, sub_deduction):
    result = assess_document(evidence([camera("C1", main, sub)]))
    assert sum(amounts(result, "main_stream")) == main_deduction
    assert sum(amounts(result, "sub_stream")) == sub_deduction


def test_unknown_resolution_is_listed_not_scored():
    result = assess_document(evidence([camera("C1", main=None, sub="garbage")]))
    assert result["score"] == 100
    assert {u["stream"] for u in result["unknown_resolutions"]} == {"main_stream", "sub_stream"}


def test_dust_monitors_have_no_stream_rules():
    result = assess_document(evidence([{"id": "D", "kind": "dust_monitor", "online_at_check": True,
                                        "main_resolution": "1x1"}]))
    assert result["score"] == 100


def test_score_never_goes_below_zero():
    # 3 of 3 offline (40), each camera 20 days unfixed (40 × 3) and both streams low (20 × 3) = 220
    points = [camera(f"C{i}", "1280x720", "352x288", online=False) for i in range(3)]
    episodes = [{"point": f"C{i}", "notified_at": "2026-11-10T09:00:00+08:00", "recovered_at": None}
                for i in range(3)]
    result = assess_document(evidence(points, episodes))
    assert result["deducted"] == 220 and result["score"] == 0


def test_the_issue_example():
    result = assess_document(evidence(
        [{"id": "P1", "kind": "camera", "online_at_check": True, "main_resolution": "1920x1080",
          "sub_resolution": "704x576"}, {"id": "P2", "kind": "dust_monitor", "online_at_check": False}],
        [{"point": "P2", "notified_at": "2026-11-24T10:00:00+08:00", "recovered_at": None}]))
    # 1 of 2 offline = 50 % → 40; P2 open since Tuesday 10:00 until the check Monday 09:00 =
    # 5 days 23 hours → 6 days begun → 10.
    assert result["score"] == 50
    assert sorted((d["rule"], d["amount"], d["point"]) for d in result["deductions"]) == [
        ("fix_time", 10, "P2"), ("offline_rate", 40, None)]


@pytest.mark.parametrize(("notified", "recovered", "counts"), [
    ("2026-11-20T10:00:00+08:00", "2026-11-22T23:59:59+08:00", False),  # recovered before the week
    ("2026-11-20T10:00:00+08:00", "2026-11-23T00:00:00+08:00", True),   # open at the week's first instant
    ("2026-11-30T00:00:00+08:00", None, False),                          # after the week, before the check
    ("2026-11-29T23:59:00+08:00", None, True),                           # last minute of the week
    ("2026-12-01T09:00:00+08:00", None, False),                          # after the check
])
def test_which_episodes_count_in_the_week(notified, recovered, counts):
    result = assess_document(evidence(dust(20), [{"point": "D1", "notified_at": notified, "recovered_at": recovered}]))
    assert bool(result["episodes"]) is counts


def test_an_episode_is_scored_every_week_it_was_open():
    episode = [{"point": "D1", "notified_at": "2026-11-20T10:00:00+08:00", "recovered_at": None}]
    week1 = assess_document(evidence(dust(20), episode, week_start="2026-11-16", check_time="2026-11-23T09:00:00+08:00"))
    week2 = assess_document(evidence(dust(20), episode))
    assert [e["days"] for e in week1["episodes"]] == [3] and amounts(week1, "fix_time") == []
    assert [e["days"] for e in week2["episodes"]] == [10] and amounts(week2, "fix_time") == [20]


def test_evidence_round_trips_through_json():
    document = evidence([camera("C1", "1280x720"), *dust(4, offline=1)],
                        [{"point": "D0", "notified_at": "2026-11-25T08:00:00+08:00", "recovered_at": None}])
    parsed = parse_evidence(json.loads(json.dumps(document, ensure_ascii=False)))
    again = parse_evidence(json.loads(json.dumps(parsed.as_dict(), ensure_ascii=False)))
    assert again == parsed
    assert assess_document(parsed.as_dict()) == assess_document(document)


def test_days_begun():
    import datetime as dt

    assert days_begun(dt.timedelta(0)) == 0
    assert days_begun(dt.timedelta(seconds=1)) == 1
    assert days_begun(dt.timedelta(days=3)) == 3
    assert days_begun(dt.timedelta(days=3, minutes=1)) == 4


@pytest.mark.parametrize(("patch", "message"), [
    ({"schema": "x"}, "schema"),
    ({"check_time": "2026-11-30T09:00:00"}, "缺少时区"),
    ({"week_start": "下周一"}, "week_start"),
    ({"points": [{"id": "A", "kind": "nvr", "online_at_check": True}]}, "kind"),
    ({"points": [{"id": "A", "kind": "camera", "online_at_check": "yes"}]}, "online_at_check"),
    ({"points": [{"id": "A", "kind": "camera", "online_at_check": True}] * 2}, "重复"),
    ({"episodes": [{"point": "nope", "notified_at": CHECK}]}, r"episodes\[0\]\.point"),
    ({"episodes": [{"point": "D0", "notified_at": CHECK, "recovered_at": "2026-11-01T00:00:00+08:00"}]}, "早于"),
    ({"rules": {"full_score": 100}}, "rules"),
])
def test_bad_evidence_is_refused_in_chinese(patch, message):
    with pytest.raises(EvidenceError, match=message):
        parse_evidence({**evidence(dust(2)), **patch})
