"""Realistic dust-monitor values for the simulator: pure, seeded, `now` passed in.

A daily cycle (traffic and work peaks around 08:00 and 18:00, quiet nights), rain days that
wash the air clean, and occasional episodes well over the PM10 alarm line (a muck truck
queue, dry earthwork), as construction sites in Zhanjiang show them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from zoneinfo import ZoneInfo

SH = ZoneInfo("Asia/Shanghai")


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


class DustModel:
    """Values for one device; the same MN and moment always give the same values."""

    def __init__(self, mn: str, *, episode_chance: float = 0.04, rain_chance: float = 0.2):
        self.mn = mn
        self.episode_chance = episode_chance
        self.rain_chance = rain_chance
        base = random.Random(_seed(mn, "base"))
        self.site_level = base.uniform(0.7, 1.4)  # some sites are simply dustier

    def _rain(self, day: dt.date) -> bool:
        return random.Random(_seed("rain", day)).random() < self.rain_chance

    def _episode(self, hour_start: dt.datetime) -> float:
        rng = random.Random(_seed(self.mn, "episode", hour_start.isoformat()))
        return rng.uniform(2.5, 4.0) if rng.random() < self.episode_chance else 1.0

    def values(self, moment: dt.datetime) -> dict[str, float]:
        local = moment.astimezone(SH)
        hours = local.hour + local.minute / 60
        cycle = 1 + 0.45 * math.exp(-((hours - 8) ** 2) / 3) + 0.55 * math.exp(-((hours - 18) ** 2) / 4)
        cycle *= 0.75 if hours < 6 or hours > 22 else 1.0
        rain = 0.4 if self._rain(local.date()) else 1.0
        episode = self._episode(local.replace(minute=0, second=0, microsecond=0))
        rng = random.Random(_seed(self.mn, moment.timestamp()))
        pm10 = max(3.0, 62 * self.site_level * cycle * rain * episode * rng.uniform(0.88, 1.12))
        pm25 = pm10 * rng.uniform(0.42, 0.58)
        tsp = pm10 * rng.uniform(1.45, 1.9)
        daytime = 7 <= hours <= 19
        return {
            "a34002": round(pm10, 1),
            "a34004": round(pm25, 1),
            "a34001": round(tsp, 1),
            "LA": round(rng.uniform(58, 74) if daytime else rng.uniform(42, 52), 1),
            "a01001": round(23 + 4 * math.sin((hours - 9) / 24 * 2 * math.pi) + rng.uniform(-0.3, 0.3), 1),
            "a01002": round(min(99.0, (92 if rain < 1 else 72) - 10 * math.sin((hours - 9) / 24 * 2 * math.pi)
                                + rng.uniform(-2, 2)), 1),
            "a01006": round(101.2 + rng.uniform(-0.3, 0.3), 2),
            "a01007": round(abs(rng.gauss(2.4, 1.2)), 1),
            "a01008": round(rng.uniform(0, 359), 0),
        }


# 2005-era devices used vendor names instead of the 2017 codes (reference/hj212.md §3).
LEGACY_NAMES = {"a34002": "PM10", "a34004": "PM25", "a34001": "TSP", "LA": "NOIS", "a01001": "TEM",
                "a01002": "RH", "a01006": "PA", "a01007": "WS", "a01008": "WD"}
