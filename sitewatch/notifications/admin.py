from django.contrib import admin

from sitewatch.core.admin_base import ScopedAdmin
from sitewatch.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ScopedAdmin):
    """Read-only: a notification is a record of what was sent."""

    list_display = ("created_at", "recipient_name", "recipient_phone", "channel", "subject", "status", "sent_at",
                    "attempts", "error_code", "provider_message_id")
    list_filter = ("status", "channel", "error_code")
    search_fields = ("subject", "recipient_name", "recipient_phone", "provider_message_id")
    readonly_fields = [f.name for f in Notification._meta.fields]
