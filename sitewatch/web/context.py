from django.conf import settings

from sitewatch.accounts.models import Role
from sitewatch.accounts.visibility import scope_for

# The admin is the back office of the city bureau and the platform operator only.
ADMIN_ROLES = {Role.CITY, Role.OPERATOR}


def platform(request):
    user = getattr(request, "user", None)
    show_admin = bool(
        user is not None and user.is_authenticated and user.is_staff and getattr(user, "role", None) in ADMIN_ROLES
    )
    signed_in = user is not None and user.is_authenticated
    scope = scope_for(user) if signed_in else None
    return {"PLATFORM_TITLE": settings.PLATFORM_TITLE, "show_admin_link": show_admin,
            "show_unregistered_link": signed_in and scope.can_read_unregistered,
            "show_assessment_link": signed_in and scope.can_read_assessments,
            "show_episode_link": signed_in and not scope.is_public,
            "show_case_link": signed_in and not scope.is_public}
