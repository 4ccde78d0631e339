from django.http import JsonResponse

UNKNOWN_ENDPOINT = "接口不存在，请查阅 /api/v1/docs。"


def unknown_endpoint(request, *args, **kwargs):
    return JsonResponse({"detail": UNKNOWN_ENDPOINT}, status=404, json_dumps_params={"ensure_ascii": False})
