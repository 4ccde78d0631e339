"""How a notification leaves the platform. One small class per channel (healthchecks'
transports); `NOTIFY_TRANSPORT` picks one. SMS transports come in a later issue."""

from __future__ import annotations

import abc

from django.conf import settings

from sitewatch.lib.env import ConfigError


class TransportError(Exception):
    """Sending failed; the message is recorded on the notification."""


class Transport(abc.ABC):
    name = ""

    @abc.abstractmethod
    def send(self, notification) -> None:
        """Deliver one notification or raise TransportError."""


class OutboxTransport(Transport):
    """The message stays in the platform's outbox: the Notification row is the message, read
    on /notifications/ by its recipients and by the city bureau and the operator."""

    name = "outbox"

    def send(self, notification) -> None:
        return None


TRANSPORTS: dict[str, type[Transport]] = {OutboxTransport.name: OutboxTransport}


def check_configuration() -> None:
    name = getattr(settings, "NOTIFY_TRANSPORT", "outbox")
    if name not in TRANSPORTS:
        raise ConfigError(
            f"环境变量 NOTIFY_TRANSPORT={name!r} 无效：目前只支持 outbox（通知保存在平台站内信箱，"
            f"收件人登录后在“通知”页查看）。请设置 NOTIFY_TRANSPORT=outbox 或删除该变量；短信通道将在后续版本提供。"
        )


def get_transport() -> Transport:
    check_configuration()
    return TRANSPORTS[settings.NOTIFY_TRANSPORT]()
