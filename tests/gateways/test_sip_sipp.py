"""Interop: sipp (Debian sip-tester), a foreign SIP user agent, registers with digest and
keeps alive against a real `sitewatch gateway sip`, over UDP and over TCP; when it stops,
the device goes offline within keepalive interval × misses + 1 s (issue 4)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.servers import (
    REPO,
    as_utc,
    free_port,
    manage,
    query,
    run_manage,
    server_env,
    start_gateway,
    stop,
    throwaway_database,
)

SCENARIO = REPO / "tests" / "fixtures" / "sipp" / "gb28181_device.xml"
INTERVAL, MISSES = 1, 2  # seconds: the device is lost 2 s after its last keepalive

pytestmark = pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp (sip-tester) 未安装：make deb")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sipp")
    with throwaway_database(tmp, os.environ.get("DATABASE_URL"), label="sipp") as url:
        env = server_env(url, tmp, SIP_KEEPALIVE_INTERVAL=str(INTERVAL), SIP_KEEPALIVE_MISSES=str(MISSES),
                         SIP_DOMAIN="4408000000", SIP_SERVER_ID="44080000002000000001")
        run_manage(env, "migrate", "--no-input")
        run_manage(env, "demo")
        port = free_port()
        process = start_gateway(env, port=port, log=tmp / "gateway.log",
                                argv=manage("gateway", "sip", "--host", "127.0.0.1", "--port", str(port)))
        try:
            yield {"url": url, "port": port, "tmp": tmp, "log": tmp / "gateway.log"}
        finally:
            stop(process)


def cameras(url: str) -> list[tuple[int, str]]:
    return query(url, "SELECT id, gb_device_id FROM registry_device WHERE kind = 'camera' "
                      "AND gb_device_id IS NOT NULL ORDER BY id")


def run_sipp(gateway, device_id: str, password: str, *, transport: str, keepalives: int) -> subprocess.CompletedProcess:
    inject = gateway["tmp"] / f"{device_id}.csv"
    inject.write_text(f"SEQUENTIAL\n{device_id};{password};4408000000;44080000002000000001;{keepalives}\n")
    return subprocess.run(
        ["sipp", f"127.0.0.1:{gateway['port']}", "-sf", str(SCENARIO), "-inf", str(inject), "-m", "1",
         "-au", device_id, "-ap", password,
         "-t", transport, "-i", "127.0.0.1", "-p", str(free_port()), "-timeout", "30s", "-timeout_error",
         "-trace_err", "-error_file", str(gateway["tmp"] / f"{device_id}-errors.log"), "-nostdin"],
        capture_output=True, text=True, timeout=60, cwd=gateway["tmp"],
    )


def state(url: str, device_pk: int):
    rows = query(url, "SELECT s.online, r.registered, r.last_keepalive_at, r.transport FROM monitoring_devicestate s "
                      "JOIN monitoring_gbregistration r ON r.device_id = s.device_id WHERE s.device_id = %s",
                 [device_pk])
    return rows[0] if rows else None


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


@pytest.mark.parametrize("transport", ["u1", "t1"])
def test_sipp_registers_with_digest_keeps_alive_and_is_lost_on_time(gateway, transport):
    pk, device_id = cameras(gateway["url"])[0 if transport == "u1" else 1]
    done = run_sipp(gateway, device_id, "12345678", transport=transport, keepalives=5)
    stopped = time.monotonic()
    assert done.returncode == 0, f"sipp 失败：{done.stdout[-2000:]}{done.stderr[-2000:]}"
    online, registered, last_keepalive, used = wait_for(lambda: state(gateway["url"], pk))
    assert registered and used == ("udp" if transport == "u1" else "tcp")
    assert wait_for(lambda: state(gateway["url"], pk)[2] is not None)
    assert wait_for(lambda: not state(gateway["url"], pk)[0], timeout=INTERVAL * MISSES + 4)
    assert time.monotonic() - stopped <= INTERVAL * MISSES + 1 + 1.5
    flips = query(gateway["url"], "SELECT reason, at FROM monitoring_flip WHERE device_id = %s "
                                  "AND channel_id IS NULL ORDER BY at, id", [pk])
    assert [reason for reason, _ in flips][-2:] == ["register", "keepalive_missed"]
    # Lost within interval × misses + 1 s of its last keepalive.
    gap = as_utc(flips[-1][1]) - as_utc(state(gateway["url"], pk)[2])
    assert dt.timedelta(seconds=INTERVAL * MISSES) <= gap <= dt.timedelta(seconds=INTERVAL * MISSES + 1)
    assert "Traceback" not in Path(gateway["log"]).read_text(errors="replace")


def test_sipp_with_a_wrong_password_is_refused_and_listed(gateway):
    pk, device_id = cameras(gateway["url"])[2]
    done = run_sipp(gateway, device_id, "wrong-password", transport="u1", keepalives=1)
    assert done.returncode != 0  # the scenario expects 200 and gets 403
    assert state(gateway["url"], pk) is None or not state(gateway["url"], pk)[1]
    rows = wait_for(lambda: query(gateway["url"], "SELECT reason, count FROM monitoring_unregistereddevice "
                                                  "WHERE protocol = 'gb28181' AND identifier = %s", [device_id]))
    assert rows and rows[0][0] == "bad_password"


def test_simulate_camera_command_registers_devices_with_their_channels_and_resolutions(gateway):
    nvrs = query(gateway["url"], "SELECT id FROM registry_device WHERE kind = 'nvr' AND gb_device_id IS NOT NULL "
                                 "ORDER BY id")
    total = len(query(gateway["url"], "SELECT id FROM registry_device WHERE gb_device_id IS NOT NULL "
                                      "AND kind IN ('camera', 'plate_camera', 'nvr')"))
    env = server_env(gateway["url"], gateway["tmp"], SIP_KEEPALIVE_INTERVAL=str(INTERVAL),
                     SIP_KEEPALIVE_MISSES=str(MISSES))
    out = run_manage(env, "simulate", "camera", "--devices", "all", "--channels", "3", "--sub", "640x480",
                     "--port", str(gateway["port"]), "--duration", "10", "--interval", "1", timeout=120)
    assert f"已注册 {total} 台" in out, out
    registered = query(gateway["url"], "SELECT COUNT(*) FROM monitoring_gbregistration WHERE registered")[0][0]
    assert registered == total
    rows = query(gateway["url"], "SELECT main_resolution, sub_resolution, online FROM monitoring_channel "
                                 "WHERE device_id = %s", [nvrs[0][0]])
    assert len(rows) == 3
    assert {(main, sub) for main, sub, _ in rows} == {("1920x1080", "640x480")}
