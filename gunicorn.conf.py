"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (see README, "Production")."""

import multiprocessing
import os

wsgi_app = "app:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000")
# Two workers per core plus one: requests mostly wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then; index jobs survive any worker's death
max_requests_jitter = 200
# Paths only, never query strings: searches and form fields may hold health details.
accesslog = os.environ.get("ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Keep what the app built at start-up out of the garbage collector's full passes.

    A full pass walks every live object: some 110,000 once the app is loaded, 70 ms on the
    2-core machine bench/pages_bench.py ran on, added to whichever request triggers it.
    Frozen, they are never walked again (nor freed: they live as long as the worker anyway).
    """
    import gc

    from forum.services.indexing import follow_in_background, warm_in_background

    warm_in_background(worker.wsgi)  # the index's caches, read before the first search
    # This node's search follower: every worker starts one, one at a time follows (a lock in
    # the index directory), so it lives and dies with the node's workers.
    if os.environ.get("SEARCH_FOLLOW", "1") != "0":  # 0: only the workers' own writes apply
        follow_in_background(worker.wsgi, parent=worker.ppid)
    gc.freeze()
