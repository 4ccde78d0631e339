"""Pure protocol codecs (sans-IO): stdlib only, no Django, asyncio, sockets or clocks."""
