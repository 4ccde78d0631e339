"""Services the SIP gateway calls: registrations, keepalives, catalogues, device facts and
stream resolutions of GB/T 28181 devices, each state change written as a Flip row.

A channel is online when its device is online and its catalogue status is ON (or not yet
reported). So an NVR going offline flips its online channels offline (reason
``parent_offline``) and back (``parent_online``) when it returns; a channel reported OFF,
VLOST or DEFECT is offline while its NVR stays online. Every change is claimed with a
conditional UPDATE, so several gateway processes never write the same flip twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from sitewatch.monitoring.models import (
    Channel,
    ChannelStatus,
    DeviceState,
    Flip,
    FlipReason,
    GbRegistration,
    ResolutionSource,
    Stream,
    StreamResolution,
)
from sitewatch.monitoring.services import devices_seen, execute_many

# Catalogue status / NOTIFY event → the channel's status and the flip reason when it changes.
_STATUS_REASON = {
    ChannelStatus.ON: FlipReason.CATALOG_ON,
    ChannelStatus.OFF: FlipReason.CATALOG_OFF,
    ChannelStatus.VLOST: FlipReason.VIDEO_LOST,
    ChannelStatus.DEFECT: FlipReason.DEFECT,
    ChannelStatus.UNKNOWN: FlipReason.CATALOG_ON,
}


@dataclass(frozen=True)
class ChannelReport:
    """One catalogue item or catalogue NOTIFY item, as the gateway hands it over."""

    gb_channel_id: str
    name: str = ""
    manufacturer: str = ""
    model: str = ""
    parent_id: str = ""
    status: str = ""  # ON, OFF, VLOST, DEFECT or "" (not reported)
    event: str = ""  # NOTIFY only: ON, OFF, VLOST, DEFECT, ADD, DEL, UPDATE


def _status(text: str) -> str:
    text = (text or "").strip().upper()
    return text if text in ChannelStatus.values else ChannelStatus.UNKNOWN


def _channel_should_be_online(device_online: bool, status: str) -> bool:
    return device_online and status in (ChannelStatus.ON, ChannelStatus.UNKNOWN)


def _flip_channel(channel: Channel, *, online: bool, reason: str, at: dt.datetime) -> Flip | None:
    """Claim and record one channel's change; None when it already had that state. A
    channel's first state has no old one (old_online None, as a device's first contact)."""
    if not Channel.objects.filter(pk=channel.pk, online=not online).update(online=online, changed_at=at):
        return None
    first = channel.changed_at is None
    channel.online, channel.changed_at = online, at
    return Flip.objects.create(device_id=channel.device_id, channel=channel, old_online=None if first else not online,
                               new_online=online, reason=reason, at=at)


def _device_offline(device_id: int, *, at: dt.datetime, reason: str) -> list[Flip]:
    return _devices_offline([device_id], at=at, reason=reason)


def _devices_offline(device_ids: Iterable[int], *, at: dt.datetime, reason: str) -> list[Flip]:
    """Devices offline with their online channels. Each device is claimed with a conditional
    UPDATE (exactly one writer records its flip); the channels of the devices claimed are
    then flipped together, a few statements per 500 devices: a network outage loses
    thousands of NVRs at once, hundreds of thousands of channels."""
    claimed = [pk for pk in device_ids
               if DeviceState.objects.filter(pk=pk, online=True).update(online=False, changed_at=at)]
    flips = [Flip(device_id=pk, old_online=True, new_online=False, reason=reason, at=at) for pk in claimed]
    for start in range(0, len(claimed), 500):
        chunk = claimed[start:start + 500]
        channels = list(Channel.objects.filter(device_id__in=chunk, online=True).values_list("pk", "device_id"))
        Channel.objects.filter(device_id__in=chunk, online=True).update(online=False, changed_at=at)
        flips += [Flip(device_id=device_id, channel_id=pk, old_online=True, new_online=False,
                       reason=FlipReason.PARENT_OFFLINE, at=at) for pk, device_id in channels]
    return Flip.objects.bulk_create(flips, batch_size=2000)


def _channels_follow_device(device_id: int, *, at: dt.datetime) -> list[Flip]:
    """A device back online brings back its channels whose catalogue says ON."""
    flips = []
    for channel in Channel.objects.filter(device_id=device_id, online=False, in_catalog=True):
        if _channel_should_be_online(True, channel.catalog_status):
            flip = _flip_channel(channel, online=True, reason=FlipReason.PARENT_ONLINE, at=at)
            if flip:
                flips.append(flip)
    return flips


@transaction.atomic
def gb_device_registered(*, device_id: int, at: dt.datetime, transport: str, contact_address: str,
                         expires_at: dt.datetime, user_agent: str = "", gb_version: str = "") -> list[Flip]:
    """A REGISTER (or its refresh) accepted: the device is online until it expires or misses
    its keepalives."""
    GbRegistration.objects.update_or_create(device_id=device_id, defaults=dict(
        registered=True, transport=transport, contact_address=contact_address[:64], registered_at=at,
        expires_at=expires_at, user_agent=user_agent[:100], gb_version=gb_version[:8],
    ))
    flips = devices_seen(seen={device_id: at}, addresses={device_id: contact_address}, reason=FlipReason.REGISTER)
    if flips:
        flips += _channels_follow_device(device_id, at=at)
    return flips


@transaction.atomic
def gb_device_unregistered(*, device_id: int, at: dt.datetime) -> list[Flip]:
    """``Expires: 0``: the device and its channels go offline at once."""
    GbRegistration.objects.filter(pk=device_id).update(registered=False, expires_at=at)
    return _device_offline(device_id, at=at, reason=FlipReason.UNREGISTER)


@transaction.atomic
def gb_devices_lost(*, device_ids: Iterable[int], at: dt.datetime, reason: str = FlipReason.KEEPALIVE_MISSED
                    ) -> list[Flip]:
    """Devices whose keepalives stopped (or whose registration expired, or — found by the
    monitor loop — whose gateway stopped hearing them): offline with their channels."""
    device_ids = list(device_ids)
    if reason != FlipReason.KEEPALIVE_MISSED:
        for start in range(0, len(device_ids), 500):
            GbRegistration.objects.filter(pk__in=device_ids[start:start + 500]).update(registered=False)
    return _devices_offline(device_ids, at=at, reason=reason)


@transaction.atomic
def gb_keepalives(*, seen: dict[int, dt.datetime], addresses: dict[int, str] | None = None) -> list[Flip]:
    """A batch of keepalives ({device_id: when}): last_seen moves on; devices that were
    offline (a keepalive after a timeout) flip back online, their ON channels with them."""
    if not seen:
        return []
    flips = devices_seen(seen=seen, addresses=addresses or {})
    ops = connection.ops
    table = ops.quote_name(GbRegistration._meta.db_table)
    pk = ops.quote_name(GbRegistration._meta.pk.column)
    column = ops.quote_name(GbRegistration._meta.get_field("last_keepalive_at").column)
    rows = []
    for device_id, at in seen.items():
        value = ops.adapt_datetimefield_value(at)
        rows.append((value, device_id, value))
    # One executemany for the batch (a gateway writes thousands of devices a second under load).
    execute_many(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND ({column} IS NULL OR {column} < %s)", rows)
    for flip in list(flips):
        if flip.new_online:
            flips += _channels_follow_device(flip.device_id, at=flip.at)
    return flips


@transaction.atomic
def gb_catalog_received(*, device_id: int, at: dt.datetime, items: Sequence[ChannelReport], complete: bool
                        ) -> list[Flip]:
    """A catalogue response (all its packets, or what came before the timeout).

    Channels are created or updated. Only a ``complete`` catalogue marks channels it does not
    list as no longer in the catalogue — a partial or late one never wipes channels (the
    fault of wvp issue #1425). Channels are never deleted: their flips are evidence.
    """
    device_online = DeviceState.objects.filter(pk=device_id, online=True).exists()
    existing = {c.gb_channel_id: c for c in Channel.objects.filter(device_id=device_id)}
    flips = []
    listed = set()
    for item in items:
        listed.add(item.gb_channel_id)
        status = _status(item.status)
        channel = existing.get(item.gb_channel_id)
        if channel is None:
            channel = Channel.objects.create(
                device_id=device_id, gb_channel_id=item.gb_channel_id[:20], name=item.name[:100],
                manufacturer=item.manufacturer[:64], model=item.model[:64], parent_id=item.parent_id[:20],
                catalog_status=status, online=False, first_seen=at, last_catalog_at=at,
            )
            existing[channel.gb_channel_id] = channel
        else:
            Channel.objects.filter(pk=channel.pk).update(
                name=item.name[:100] or channel.name, manufacturer=item.manufacturer[:64] or channel.manufacturer,
                model=item.model[:64] or channel.model, parent_id=item.parent_id[:20] or channel.parent_id,
                catalog_status=status, in_catalog=True, last_catalog_at=at,
            )
            channel.catalog_status, channel.in_catalog = status, True
        flip = _settle(channel, device_online=device_online, at=at, reason=_STATUS_REASON[status])
        if flip:
            flips.append(flip)
    GbRegistration.objects.filter(pk=device_id).update(catalog_at=at)
    if complete:
        for gb_channel_id, channel in existing.items():
            if gb_channel_id not in listed and channel.in_catalog:
                Channel.objects.filter(pk=channel.pk).update(in_catalog=False)
                channel.in_catalog = False
                flip = _settle(channel, device_online=device_online, at=at, reason=FlipReason.CHANNEL_REMOVED)
                if flip:
                    flips.append(flip)
    return flips


@transaction.atomic
def gb_catalog_notified(*, device_id: int, at: dt.datetime, items: Sequence[ChannelReport]) -> list[Flip]:
    """Catalogue NOTIFY events: ON/OFF/VLOST/DEFECT change a channel's status, ADD/UPDATE add
    or change it, DEL takes it out of the catalogue."""
    device_online = DeviceState.objects.filter(pk=device_id, online=True).exists()
    flips = []
    for item in items:
        event = (item.event or "").strip().upper()
        if event == "DEL":
            channel = Channel.objects.filter(device_id=device_id, gb_channel_id=item.gb_channel_id).first()
            if channel is not None and channel.in_catalog:
                Channel.objects.filter(pk=channel.pk).update(in_catalog=False, last_catalog_at=at)
                channel.in_catalog = False
                flip = _settle(channel, device_online=device_online, at=at, reason=FlipReason.CHANNEL_REMOVED)
                if flip:
                    flips.append(flip)
            continue
        status = event if event in ("ON", "OFF", "VLOST", "DEFECT") else item.status
        flips += gb_catalog_received(device_id=device_id, at=at, complete=False, items=[ChannelReport(
            gb_channel_id=item.gb_channel_id, name=item.name, manufacturer=item.manufacturer, model=item.model,
            parent_id=item.parent_id, status=status)])
    return flips


def _settle(channel: Channel, *, device_online: bool, at: dt.datetime, reason: str) -> Flip | None:
    online = channel.in_catalog and _channel_should_be_online(device_online, channel.catalog_status)
    if online == channel.online:
        return None
    if online and reason in (FlipReason.CATALOG_OFF, FlipReason.VIDEO_LOST, FlipReason.DEFECT):
        reason = FlipReason.CATALOG_ON
    if not device_online and not online:
        reason = FlipReason.PARENT_OFFLINE
    return _flip_channel(channel, online=online, reason=reason, at=at)


def gb_faulty_channels(*, device_id: int, at: dt.datetime, channel_ids: Iterable[str]) -> list[Flip]:
    """Channel ids an NVR lists as faulty in its keepalive ``Info``: those channels are DEFECT."""
    ids = [c for c in channel_ids if c]
    if not ids:
        return []
    return gb_catalog_notified(device_id=device_id, at=at,
                               items=[ChannelReport(gb_channel_id=c, event="DEFECT") for c in ids])


def gb_device_facts(*, device_id: int, at: dt.datetime, manufacturer: str = "", model: str = "", firmware: str = "",
                    channel_count: int | None = None, keepalive_interval: int | None = None,
                    keepalive_misses: int | None = None) -> None:
    """DeviceInfo (and BasicParam) answers: what the device says it is."""
    values: dict[str, object] = {"facts_at": at}
    for name, value in (("manufacturer", manufacturer), ("model_name", model), ("firmware", firmware)):
        if value:
            values[name] = value[:64]
    for name, value in (("channel_count", channel_count), ("keepalive_interval", keepalive_interval),
                        ("keepalive_misses", keepalive_misses)):
        if value is not None and value >= 0:
            values[name] = value
    GbRegistration.objects.update_or_create(device_id=device_id, defaults=values)


@transaction.atomic
def gb_stream_resolution(*, device_id: int, gb_channel_id: str, at: dt.datetime, main: tuple[int, int] | None,
                         sub: tuple[int, int] | None, source: str = ResolutionSource.DEVICE_CONFIG) -> bool:
    """A channel's main and sub stream resolution as (width, height), or None where unknown.
    The channel keeps the latest and when it was confirmed; a StreamResolution row is written
    when a stream's resolution is first seen or changes. False when the channel is unknown."""
    channel = Channel.objects.filter(device_id=device_id, gb_channel_id=gb_channel_id).first()
    if channel is None:
        return False
    changes: dict[str, object] = {"resolution_source": source, "resolution_at": at}
    for stream, value, field in ((Stream.MAIN, main, "main_resolution"), (Stream.SUB, sub, "sub_resolution")):
        if value is None:
            continue
        text = f"{value[0]}x{value[1]}"
        if getattr(channel, field) != text or channel.resolution_source != source:
            StreamResolution.objects.create(channel=channel, stream=stream, resolution=text, width=value[0],
                                            height=value[1], source=source, at=at)
        changes[field] = text
    Channel.objects.filter(pk=channel.pk).update(**changes)
    return True


def gb_sweep_silent(*, now: dt.datetime, interval: int, misses: int, margin: dt.timedelta) -> list[Flip]:
    """GB/T 28181 devices still marked online whose last keepalive is older than their
    keepalive window plus ``margin``: the SIP gateway that should have seen them go is not
    running (stopped, crashed, host down). The gateway itself flips lost devices within a
    second; this sweep, in the monitor loop, only keeps the platform from showing cameras
    online for ever while no gateway listens (口径 K-G8). A device's own heartbeat settings
    (BasicParam) count, as in the gateway."""
    from sitewatch.registry.models import GB28181_KINDS

    shortest = dt.timedelta(seconds=interval * misses) + margin
    candidates = (DeviceState.objects.filter(device__kind__in=GB28181_KINDS, online=True,
                                             last_seen__lt=now - shortest)
                  .values_list("pk", "last_seen", "device__gb_registration__keepalive_interval",
                               "device__gb_registration__keepalive_misses"))
    silent = [pk for pk, last_seen, own_interval, own_misses in candidates
              if last_seen < now - dt.timedelta(seconds=(own_interval or interval) * (own_misses or misses)) - margin]
    return gb_devices_lost(device_ids=silent, at=now, reason=FlipReason.SILENCE) if silent else []
