"""upcross's REST API (Django REST framework), mounted by the host with
``path("api/upcross/", include("upcross.api.urls"))``.

Read endpoints are thin shells over :mod:`upcross.recommend`, exactly like the
template tags; write endpoints are staff-only; the events endpoint takes
anonymous widget beacons.
"""
