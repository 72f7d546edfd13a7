"""Gunicorn settings for ``make serve``: ``gunicorn -c tracker/gunicorn.conf.py``.

Read from the environment: ``HOST`` and ``PORT`` (bind address, default
127.0.0.1:8000), ``WORKERS`` (default 2 x CPUs + 1, the CPUs this process may use),
``GUNICORN_TIMEOUT`` (seconds, default 30). DEBUG is off unless DJANGO_DEBUG says
otherwise, so a server started with this file is a production server.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")


def _cpus():
    try:
        return len(os.sched_getaffinity(0))  # honours taskset and container limits
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


wsgi_app = "tracker.wsgi:application"
bind = f"{os.environ.get('HOST') or '127.0.0.1'}:{os.environ.get('PORT') or '8000'}"
workers = int(os.environ.get("WORKERS") or 2 * _cpus() + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 30
# Recycle each worker now and then, so a slow leak never grows without bound; the
# jitter keeps the workers from restarting all at once.
max_requests = 2000
max_requests_jitter = 200
# Access log and errors on stdout/stderr, for the service manager's journal.
accesslog = "-"
errorlog = "-"
# The usual combined format plus the time taken, in milliseconds.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)
# Gunicorn 24+ opens a control socket in ~/.gunicorn/ by default: one path for every
# server on the host, and nothing here uses it.
control_socket_disable = True
