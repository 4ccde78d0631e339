from sitewatch.accounts.audit import reset_actor, set_actor
from sitewatch.accounts.login import client_addr


class AuditActorMiddleware:
    """Makes the request's user the actor of every audit row written while serving it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user if request.user.is_authenticated else None
        token = set_actor(user, remote_addr=client_addr(request), via="web")
        try:
            return self.get_response(request)
        finally:
            reset_actor(token)
