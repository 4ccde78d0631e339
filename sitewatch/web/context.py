from django.conf import settings


def platform(request):
    return {"PLATFORM_TITLE": settings.PLATFORM_TITLE}
