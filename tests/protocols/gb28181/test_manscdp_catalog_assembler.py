"""Multi-packet catalogues: the SRS NVR's answer (SumNum 8, two items per packet) arriving in
order, out of order, duplicated, incomplete, late, unasked, or not at all."""

from __future__ import annotations

import pytest

from sitewatch.protocols.gb28181.manscdp import (
    CatalogAssembler,
    CatalogItem,
    CatalogOutcome,
    CatalogResponse,
    parse_manscdp,
)

from .manscdp_support import NVR_ID, NVR_SN, channel_id, fixture, nvr_response

ALL_CHANNELS = [channel_id(n) for n in range(1, 9)]


def feed(assembler: CatalogAssembler, order: list[int], start: float = 1.0):
    """Add packets in ``order``, one second apart; the results that came back."""
    results = []
    for offset, index in enumerate(order):
        result = assembler.add(nvr_response(index), start + offset)
        if result is not None:
            results.append((offset, result))
    return results


def test_packets_in_order_complete_on_the_last_one():
    assembler = CatalogAssembler()
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    [(at, result)] = feed(assembler, [0, 1, 2, 3])
    assert at == 3
    assert result.outcome is CatalogOutcome.COMPLETE and result.complete and result.may_replace
    assert [item.device_id for item in result.items] == ALL_CHANNELS
    assert (result.sum_num, result.packets, result.duplicates, result.solicited) == (8, 4, 0, True)
    assert (result.started_at, result.ended_at) == (0.0, 4.0)
    assert len(assembler) == 0 and assembler.get_timer() is None


def test_packets_out_of_order_complete_with_every_item():
    assembler = CatalogAssembler()
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    [(at, result)] = feed(assembler, [2, 0, 3, 1])
    assert at == 3 and result.complete
    assert sorted(item.device_id for item in result.items) == ALL_CHANNELS
    assert [item.device_id for item in result.items][:2] == [channel_id(5), channel_id(6)]  # arrival order


def test_duplicate_packet_is_not_counted_twice():
    assembler = CatalogAssembler()
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    results = feed(assembler, [0, 1, 1, 2, 3])
    # Four packets arrived before the last, but only six distinct items: not complete yet.
    assert [at for at, _ in results] == [4]
    result = results[0][1]
    assert (len(result.items), result.packets, result.duplicates) == (8, 5, 2)


def test_missing_packet_ends_partial_after_the_idle_timeout():
    assembler = CatalogAssembler(idle_timeout=5.0)
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    assert feed(assembler, [0, 1, 3]) == []
    assert assembler.get_timer() == 8.0  # last packet at 3.0 + 5 s
    assert assembler.handle_timer(7.9) == []
    [result] = assembler.handle_timer(8.0)
    assert result.outcome is CatalogOutcome.PARTIAL and not result.complete and not result.may_replace
    assert len(result.items) == 6 and result.sum_num == 8
    assert assembler.get_timer() is None


def test_each_packet_restarts_the_idle_timer():
    assembler = CatalogAssembler(idle_timeout=5.0)
    assembler.add(nvr_response(0), 0.0)
    assembler.add(nvr_response(1), 4.0)
    assert assembler.handle_timer(5.0) == []
    assert assembler.get_timer() == 9.0


def test_query_without_any_packet_times_out_after_the_first_timeout():
    assembler = CatalogAssembler(first_timeout=120.0)
    assembler.expect(NVR_ID, NVR_SN, 10.0)
    assert assembler.get_timer() == 130.0
    assert assembler.handle_timer(129.9) == []
    [result] = assembler.handle_timer(130.0)
    assert (result.outcome, result.items, result.packets, result.solicited) == (CatalogOutcome.TIMED_OUT, (), 0, True)
    assert not result.may_replace


def test_first_packet_switches_from_first_timeout_to_idle_timeout():
    assembler = CatalogAssembler(first_timeout=120.0, idle_timeout=5.0)
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    assembler.add(nvr_response(0), 100.0)
    assert assembler.get_timer() == 105.0


def test_unsolicited_catalog_is_collected_but_may_not_replace():
    assembler = CatalogAssembler()
    [(_, result)] = feed(assembler, [0, 1, 2, 3])
    assert result.complete and not result.solicited and not result.may_replace


def test_late_single_item_catalog_cannot_wipe_channels():
    # wvp #1425: after a full answer, a one-item catalogue (SumNum 1) with the same SN came
    # "莫名其妙" and replaced 100+ channels.
    assembler = CatalogAssembler()
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    feed(assembler, [0, 1, 2, 3])
    late = CatalogResponse(NVR_ID, NVR_SN, 1, (CatalogItem(channel_id(1), status="ON"),), 1)
    result = assembler.add(late, 10.0)
    assert result.complete and result.late and not result.may_replace


def test_a_new_query_reusing_the_sn_is_not_late():
    assembler = CatalogAssembler()
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    feed(assembler, [0, 1, 2, 3])
    assembler.expect(NVR_ID, NVR_SN, 20.0)
    [(_, result)] = feed(assembler, [0, 1, 2, 3], start=21.0)
    assert result.may_replace and not result.late


def test_late_marker_is_forgotten_after_the_first_timeout():
    assembler = CatalogAssembler(first_timeout=120.0)
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    feed(assembler, [0, 1, 2, 3])  # ends at 4.0
    one = CatalogResponse(NVR_ID, NVR_SN, 1, (CatalogItem(channel_id(1)),), 1)
    assert assembler.add(one, 123.9).late
    assert not assembler.add(one, 500.0).late


def test_sum_num_zero_completes_at_once_with_no_items():
    assembler = CatalogAssembler()
    assembler.expect(NVR_ID, 5, 0.0)
    result = assembler.add(CatalogResponse(NVR_ID, 5, 0, (), 0), 1.0)
    assert result.complete and result.items == () and result.may_replace


def test_catalog_without_sum_num_can_only_be_partial():
    # The standard's own M.11 example has no SumNum.
    assembler = CatalogAssembler()
    response = parse_manscdp(fixture("kandaoni_standard_m11_catalog.xml"))
    assembler.expect(response.device_id, response.sn, 0.0)
    assert assembler.add(response, 1.0) is None
    [result] = assembler.handle_timer(6.0)
    assert result.outcome is CatalogOutcome.PARTIAL
    assert len(result.items) == 1 and result.duplicates == 1  # both items share one DeviceID


def test_sets_are_keyed_by_device_and_sn():
    assembler = CatalogAssembler()
    other = "34020000001110000002"
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    assembler.expect(other, NVR_SN, 0.0)
    for index in range(3):
        assert assembler.add(nvr_response(index), 1.0 + index) is None
    foreign = nvr_response(3)
    assert assembler.add(foreign, 4.0, device_id=other) is None  # counts for the other device
    assert len(assembler) == 2
    assert assembler.add(foreign, 5.0).may_replace


def test_authenticated_device_id_overrides_the_body():
    assembler = CatalogAssembler()
    assembler.expect(NVR_ID, NVR_SN, 0.0)
    results = [assembler.add(nvr_response(i), 1.0 + i, device_id="34020000001110000099") for i in range(4)]
    # The packets formed their own, unsolicited set; the NVR's query is still open.
    assert results[:3] == [None, None, None]
    assert (results[3].device_id, results[3].solicited, results[3].may_replace) == ("34020000001110000099", False, False)
    assert len(assembler) == 1 and assembler.get_timer() == 120.0


def test_timers_fire_in_deadline_order():
    assembler = CatalogAssembler(first_timeout=120.0, idle_timeout=5.0)
    assembler.expect("B", 1, 0.0)  # deadline 120
    assembler.add(CatalogResponse("A", 1, 3, (CatalogItem("x"),)), 50.0)  # deadline 55
    results = assembler.handle_timer(200.0)
    assert [(r.device_id, r.outcome) for r in results] == [("A", CatalogOutcome.PARTIAL), ("B", CatalogOutcome.TIMED_OUT)]


def test_latest_copy_of_an_item_wins_without_moving():
    assembler = CatalogAssembler()
    assembler.expect(NVR_ID, 1, 0.0)
    assembler.add(CatalogResponse(NVR_ID, 1, 2, (CatalogItem("a", status="ON"),)), 1.0)
    result = assembler.add(CatalogResponse(NVR_ID, 1, 2, (CatalogItem("a", status="OFF"), CatalogItem("b"))), 2.0)
    assert [(i.device_id, i.status) for i in result.items] == [("a", "OFF"), ("b", None)]


@pytest.mark.parametrize("kwargs", [{"first_timeout": 0}, {"idle_timeout": -1}])
def test_timeouts_must_be_positive(kwargs):
    with pytest.raises(ValueError):
        CatalogAssembler(**kwargs)
