import logging

from django.conf import settings
from django.core.management.base import BaseCommand

log = logging.getLogger("sitewatch.web")


class Command(BaseCommand):
    help = "启动网页与接口服务（waitress，多线程）。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.WEB_HOST)
        parser.add_argument("--port", type=int, default=settings.WEB_PORT)
        parser.add_argument("--threads", type=int, default=settings.WEB_THREADS)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from sitewatch.wsgi import application

        proxy = {}
        if settings.WEB_TRUSTED_PROXY:
            proxy = {"trusted_proxy": settings.WEB_TRUSTED_PROXY, "trusted_proxy_count": 1,
                     "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}}
        log.info("网页服务监听 http://%s:%s/", host, port)
        serve(application, host=host, port=port, threads=threads, ident="sitewatch",
              clear_untrusted_proxy_headers=True, **proxy)
