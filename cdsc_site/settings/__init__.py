"""Settings package: `base` is shared; `local` (manage.py), `production` (wsgi, asgi, Celery) and `test` build on it."""
