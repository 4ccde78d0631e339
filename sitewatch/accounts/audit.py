"""Audit log: every login and every create, update and delete of registry data.

Changes are captured by model signals, so every path (pages, API, admin, commands)
is covered; the acting user comes from a context variable that the middleware, the
API authentication and the commands set.

Covered: the registry and holidays apps, organisations, users and API tokens, the dust
thresholds and reference values, the factor aliases, and a device state's CRC variant.
Rows the machines write (readings, raw packets, judgements, alarms, cursors, flips,
notifications) are records in themselves and are not audited.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from sitewatch.accounts.models import AuditAction, AuditEntry

log = logging.getLogger(__name__)
SECRET_MASK = "******"
SECRET_CHANGED = "******（已更改）"
SKIP_FIELDS = {"created_at", "updated_at", "password", "last_login", "digest"}

# Models audited only for the fields people set. A device state is updated by the gateways
# with every upload (last_seen, remote_addr, clock skew, online): auditing those would flood
# the log, but its CRC variant is set by the operator (admin → 设备在线状态) and changes how the
# device's frames are checked. Creating such a row is recorded only when one of the fields is
# set, and deleting it is not (it goes with its device, whose deletion is recorded).
# The gateways write through QuerySet.update(), which sends no signals: a variant the gateway
# detects by itself is therefore not in the log (the frames that showed it are in RawPacket).
# Rows the gateways keep up to date, of which only what a person sets is audited.
PARTIAL_FIELDS = {"monitoring.DeviceState": frozenset({"crc_variant"}), "monitoring.Channel": frozenset({"point"})}


@dataclass(frozen=True)
class Actor:
    user: object | None
    remote_addr: str | None = None
    via: str = ""

    @property
    def name(self) -> str:
        return getattr(self.user, "username", "") or ("system" if self.via == "command" else "")


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)


@contextlib.contextmanager
def acting_as(user, *, remote_addr: str | None = None, via: str = ""):
    token = _actor.set(Actor(user=user, remote_addr=remote_addr, via=via))
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(user, *, remote_addr: str | None = None, via: str = "") -> contextvars.Token:
    return _actor.set(Actor(user=user, remote_addr=remote_addr, via=via))


def reset_actor(token: contextvars.Token) -> None:
    _actor.reset(token)


def current_actor() -> Actor:
    return _actor.get() or Actor(user=None, via="system")


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _partial_fields(model) -> frozenset | None:
    return PARTIAL_FIELDS.get(model._meta.label)


def snapshot(instance: models.Model) -> dict:
    secrets = set(getattr(instance, "SECRET_FIELDS", ()))
    only = _partial_fields(instance)
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in SKIP_FIELDS or (only is not None and field.name not in only):
            continue
        value = getattr(instance, field.attname)
        if field.name in secrets:
            value = SECRET_MASK if value else ""
        data[field.attname] = _plain(value)
    return data


def record(*, action: str, instance: models.Model | None = None, before=None, after=None,
           actor: Actor | None = None, actor_name: str | None = None, remote_addr: str | None = None) -> AuditEntry:
    actor = actor or current_actor()
    user = actor.user if getattr(actor.user, "pk", None) else None
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=user,
        actor_name=(actor_name if actor_name is not None else actor.name)[:150],
        action=action,
        model=instance._meta.label if instance is not None else "",
        object_id=str(instance.pk) if instance is not None else "",
        object_repr=str(instance)[:300] if instance is not None else "",
        before=before,
        after=after,
        remote_addr=remote_addr or actor.remote_addr,
        via=actor.via,
    )


def _audited_models():
    from django.apps import apps

    labels = ["registry", "holidays"]
    models_ = [m for label in labels for m in apps.get_app_config(label).get_models()]
    from sitewatch.accounts.models import ApiToken, Organisation, User
    from sitewatch.alarms.models import DustReference, DustThreshold
    from sitewatch.monitoring.models import Channel, DeviceState
    from sitewatch.telemetry.models import FactorAlias

    # Not Alarm, DustJudgement, EvaluationCursor, Reading, RawPacket, Flip, UnregisteredDevice:
    # written by the gateways and the monitor loop, each row already says what happened when.
    return models_ + [Organisation, User, ApiToken, DustThreshold, DustReference, FactorAlias, DeviceState,
                      Channel]


def _secret_values(instance: models.Model) -> dict:
    return {name: getattr(instance, name) for name in getattr(instance, "SECRET_FIELDS", ())}


def _pre_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    instance._audit_before = None
    instance._audit_secrets = {}
    only = _partial_fields(sender)
    if only is not None and update_fields is not None and not (only & set(update_fields)):
        instance._audit_skip = True  # e.g. save(update_fields=["last_seen"]): nothing audited changes
        return
    instance._audit_skip = False
    if instance.pk is not None:
        old = sender._default_manager.filter(pk=instance.pk).first()
        if old is not None:
            instance._audit_before = snapshot(old)
            # Kept in memory only, to notice a changed secret without ever writing it out.
            instance._audit_secrets = _secret_values(old)


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw or getattr(instance, "_audit_skip", False):
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        if _partial_fields(sender) is not None and not any(after.values()):
            return
        record(action=AuditAction.CREATE, instance=instance, after=after)
        return
    old_secrets = getattr(instance, "_audit_secrets", {})
    for name, value in _secret_values(instance).items():
        if name in old_secrets and old_secrets[name] != value:
            after[name] = SECRET_CHANGED if value else ""
    changed = {k for k in after if before.get(k) != after.get(k)}
    if sender.__name__ == "User" and changed <= {"last_login"}:
        return
    if not changed:
        return
    record(action=AuditAction.UPDATE, instance=instance,
           before={k: before.get(k) for k in sorted(changed)}, after={k: after[k] for k in sorted(changed)})


def _post_delete(sender, instance, **kwargs):
    record(action=AuditAction.DELETE, instance=instance, before=snapshot(instance))


def connect_signals() -> None:
    for model in _audited_models():
        uid = f"audit-{model._meta.label}"
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid + "-pre")
        post_save.connect(_post_save, sender=model, dispatch_uid=uid + "-post")
        if _partial_fields(model) is not None:
            continue
        post_delete.connect(_post_delete, sender=model, dispatch_uid=uid + "-del")
