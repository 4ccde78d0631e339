"""{% application_documents application as documents %}: the onboarding forms (附件1-1 … 1-6)
of an application, each ready to download or with why it is not available yet."""

from __future__ import annotations

from django import template

from sitewatch.onboarding.documents import application_documents as _application_documents

register = template.Library()


@register.simple_tag
def application_documents(application):
    return _application_documents(application)
