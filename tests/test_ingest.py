"""Storing dust uploads: authentication, values, duplicates, aliases, flags and online flips."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sitewatch.monitoring.loop import run_once
from sitewatch.monitoring.models import DeviceState, Flip, UnregisteredDevice
from sitewatch.monitoring.services import devices_seen, sweep_silent
from sitewatch.registry.models import Device
from sitewatch.telemetry.ingest import Outcome, Packet, ingest
from sitewatch.telemetry.models import FactorAlias, RawPacket, Reading

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 25, 2, 0, 30, tzinfo=dt.UTC)
VALUES = {"a34004": {"Rtd": "35.2", "Flag": "N"}, "a34002": {"Rtd": "80.0", "Flag": "N"},
          "a34001": {"Rtd": "120.5", "Flag": "N"}, "a01001": {"Rtd": "21.3", "Flag": "N"},
          "LA": {"Rtd": "62.1", "Flag": "N"}}


@pytest.fixture
def monitor():
    return Device.objects.filter(kind="dust_monitor", project__district__name="霞山区").first()


def packet(device, **extra):
    fields = dict(mn=device.hj212_mn, password=device.hj212_password, cn="2011", received_at=NOW,
                  raw="##0001...", remote_addr="10.3.1.13:50012", qn="20261125100000000",
                  data_time=dt.datetime(2026, 11, 25, 10, 0, 0, tzinfo=SH), values=VALUES)
    fields.update(extra)
    return Packet(**fields)


def test_upload_is_stored_with_values_and_time(monitor):
    assert ingest([packet(monitor)]) == [Outcome.STORED]
    reading = Reading.objects.get(device=monitor)
    assert reading.data_time == dt.datetime(2026, 11, 25, 2, 0, 0, tzinfo=dt.UTC)
    assert reading.pm10 == 80.0 and reading.pm25 == 35.2 and reading.tsp == 120.5
    assert reading.noise == 62.1 and reading.temperature == 21.3
    assert reading.values["a34002"] == {"Rtd": 80.0, "Flag": "N"}


def test_same_mn_cn_and_data_time_is_stored_once(monitor):
    assert ingest([packet(monitor), packet(monitor)]) == [Outcome.STORED, Outcome.STORED]
    assert ingest([packet(monitor)]) == [Outcome.DUPLICATE]
    assert Reading.objects.filter(device=monitor).count() == 1
    assert Outcome.DUPLICATE.safe_to_answer


def test_unknown_mn_is_listed_and_not_stored():
    outcomes = ingest([packet(Device(hj212_mn="88888880000001", hj212_password="123456"))] * 2)
    assert outcomes == [Outcome.UNKNOWN_MN] * 2
    assert not Outcome.UNKNOWN_MN.safe_to_answer
    entry = UnregisteredDevice.objects.get(identifier="88888880000001")
    assert entry.count == 2 and entry.protocol == "hj212" and entry.remote_address == "10.3.1.13:50012"
    assert not Reading.objects.exists()
    assert RawPacket.objects.filter(identifier="88888880000001", outcome="unknown_mn").count() == 2


def test_wrong_password_is_refused_and_listed_with_district(monitor):
    assert ingest([packet(monitor, password="000000")]) == [Outcome.BAD_PASSWORD]
    entry = UnregisteredDevice.objects.get(identifier=monitor.hj212_mn)
    assert entry.reason == "bad_password" and entry.district.name == "霞山区"
    assert not Reading.objects.exists()


def test_first_data_brings_the_device_online_with_a_flip(monitor):
    ingest([packet(monitor)])
    state = DeviceState.objects.get(device=monitor)
    assert state.online and state.last_seen == NOW
    flip = Flip.objects.get(device=monitor)
    assert flip.new_online and flip.old_online is None and flip.reason == "data"


def test_silence_flips_offline_once_even_with_two_sweepers(monitor):
    ingest([packet(monitor)])
    later = NOW + dt.timedelta(minutes=11)
    first = sweep_silent(now=later, silence=dt.timedelta(minutes=10))
    second = sweep_silent(now=later, silence=dt.timedelta(minutes=10))
    assert len(first) == 1 and second == []
    assert not DeviceState.objects.get(device=monitor).online


def test_data_after_silence_flips_back_online(monitor):
    ingest([packet(monitor)])
    sweep_silent(now=NOW + dt.timedelta(minutes=11), silence=dt.timedelta(minutes=10))
    back = NOW + dt.timedelta(minutes=20)
    ingest([packet(monitor, received_at=back, data_time=back.astimezone(SH))])
    flips = list(Flip.objects.filter(device=monitor).order_by("at").values_list("old_online", "new_online"))
    assert flips == [(None, True), (True, False), (False, True)]


def test_quiet_device_within_silence_stays_online(monitor):
    ingest([packet(monitor)])
    assert sweep_silent(now=NOW + dt.timedelta(minutes=9), silence=dt.timedelta(minutes=10)) == []


def test_vendor_names_mapped_and_scaled_by_the_alias_table(monitor):
    FactorAlias.objects.create(device=monitor, vendor_code="PM10", parameter="pm10", scale=1000)
    FactorAlias.objects.create(device=None, vendor_code="T01", parameter="temperature", scale=1)
    ingest([packet(monitor, values={"PM10": {"Rtd": "0.085"}, "T01": {"Rtd": "19.5"}})])
    reading = Reading.objects.get(device=monitor)
    assert reading.pm10 == pytest.approx(85.0) and reading.temperature == 19.5
    assert reading.values["PM10"] == {"Rtd": 0.085}


def test_minute_data_uses_the_average(monitor):
    ingest([packet(monitor, cn="2051", values={"a34002": {"Avg": "77.0", "Max": "90", "Min": "60", "Flag": "N"}})])
    assert Reading.objects.get(device=monitor, cn="2051").pm10 == 77.0


def test_broken_pm_order_and_abnormal_flag_are_marked(monitor):
    ingest([packet(monitor, values={"a34004": {"Rtd": "90"}, "a34002": {"Rtd": "80"}, "a34001": {"Rtd": "70", "Flag": "D"}})])
    assert set(Reading.objects.get(device=monitor).flags.split(",")) == {"order", "flag"}


def test_all_zero_dust_values_are_marked(monitor):
    ingest([packet(monitor, values={"a34004": {"Rtd": "0"}, "a34002": {"Rtd": "0"}})])
    assert Reading.objects.get(device=monitor).flags == "zeros"


def test_clock_skew_recorded(monitor):
    ingest([packet(monitor, data_time=(NOW + dt.timedelta(seconds=95)).astimezone(SH))])
    assert Reading.objects.get(device=monitor).clock_skew_seconds == 95
    assert DeviceState.objects.get(device=monitor).clock_skew_seconds == 95


def test_upload_without_data_time_is_not_stored(monitor):
    assert ingest([packet(monitor, data_time=None)]) == [Outcome.NO_DATA_TIME]
    assert not Outcome.NO_DATA_TIME.safe_to_answer


def test_notification_marks_online_without_a_reading(monitor):
    assert ingest([packet(monitor, cn="1013", data_time=None, values={})]) == [Outcome.SEEN]
    assert DeviceState.objects.get(device=monitor).online
    assert not Reading.objects.exists()


def test_unparseable_value_kept_as_sent(monitor):
    ingest([packet(monitor, values={"a34002": {"Rtd": "--", "Flag": "N"}})])
    reading = Reading.objects.get(device=monitor)
    assert reading.values["a34002"]["Rtd"] == "--" and reading.pm10 is None


def test_monitor_pass_flips_only_silent_dust_monitors(monitor, settings):
    camera = Device.objects.filter(kind="camera", project__district__name="霞山区").first()
    ingest([packet(monitor)])
    devices_seen(seen={camera.pk: NOW}, reason="register")
    settings.DUST_OFFLINE_AFTER_SECONDS = 600
    settings.SIP_SILENCE_MARGIN_SECONDS = 3600  # the GB sweep (test_gb_services) is not under test here
    assert run_once(now=NOW + dt.timedelta(seconds=601))["offline"] == 1
    assert not DeviceState.objects.get(device=monitor).online
    assert DeviceState.objects.get(device=camera).online


def test_monitor_command_runs_once(monitor, capsys):
    from django.core.management import call_command

    call_command("monitor", "--once")
    assert "离线" in capsys.readouterr().out


def test_vendor_crc_variant_is_remembered_per_device(monitor):
    ingest([packet(monitor, crc_variant="modbus_swapped")])
    assert DeviceState.objects.get(device=monitor).crc_variant == "modbus_swapped"
    ingest([packet(monitor, crc_variant="standard", data_time=dt.datetime(2026, 11, 25, 10, 1, tzinfo=SH))])
    assert DeviceState.objects.get(device=monitor).crc_variant == "modbus_swapped"


def test_a_flat_line_of_identical_readings_is_marked(monitor, settings):
    from sitewatch.telemetry.quality import flag_flat_lines

    settings.DUST_FLAT_READINGS = 5
    for minute in range(5):
        at = dt.datetime(2026, 11, 25, 10, minute, tzinfo=SH)
        ingest([packet(monitor, data_time=at, received_at=NOW)])
    assert flag_flat_lines(now=NOW) == 5
    assert flag_flat_lines(now=NOW) == 0
    assert all("flat" in r.flags.split(",") for r in Reading.objects.filter(device=monitor))


def test_changing_readings_are_not_a_flat_line(monitor, settings):
    from sitewatch.telemetry.quality import flag_flat_lines

    settings.DUST_FLAT_READINGS = 5
    for minute in range(5):
        at = dt.datetime(2026, 11, 25, 10, minute, tzinfo=SH)
        values = dict(VALUES, a34002={"Rtd": str(80 + minute), "Flag": "N"})
        ingest([packet(monitor, data_time=at, received_at=NOW, values=values)])
    assert flag_flat_lines(now=NOW) == 0
