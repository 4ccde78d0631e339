"""SMS providers as pure functions: request signing, request building, response reading.

No I/O and no clock here (ARCHITECTURE: every time-dependent call takes `now`); the
transports in `sitewatch.notifications.transports` do the HTTP and pass the time in.
"""
