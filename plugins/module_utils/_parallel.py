# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounded concurrency across allocations: the one place where the collection runs work on threads.

Each allocation's own steps run in order in one worker; different allocations overlap. Every worker has a client of
its own (a requests.Session is not thread-safe), taken from the client's idle workers and given back after, so a
run opens at most as many connections as it ever has workers at once; the clients share the throttle of _client, so a
429 slows them all.
Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

DEFAULT_PARALLEL = 4
MAX_PARALLEL = 32


def parallel_problem(value):
    """'parallel must be …' when value is not an allowed number of workers, else None."""
    if value is None or not 1 <= value <= MAX_PARALLEL:
        return 'parallel must be a whole number from 1 (one allocation after the other) to %d, got %s' % (MAX_PARALLEL, value)
    return None


def each(client, items, work, parallel):
    """Call work(worker_client, item) for every item, on up to `parallel` threads; the results in input order.

    parallel 1 (or a single item) runs everything here on `client`. Every item is worked on even when others
    raise: the first exception in input order is raised again only after all items are done, so no result is lost.
    """
    items = list(items)
    if parallel <= 1 or len(items) <= 1:
        return [work(client, item) for item in items]
    results = [None] * len(items)
    errors = [None] * len(items)
    lock = threading.Lock()
    queue = iter(range(len(items)))

    def worker(own_client):
        while True:
            with lock:
                index = next(queue, None)
            if index is None:
                return
            try:
                results[index] = work(own_client, items[index])
            except Exception as error:  # pylint: disable=broad-except  # re-raised below, after every item
                errors[index] = error

    own_clients = client.workers(min(parallel, len(items)))
    threads = [threading.Thread(target=worker, args=(own,), name='puhuri-worker-%d' % number, daemon=True)
               for number, own in enumerate(own_clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.release(own_clients)
    for error in errors:
        if error is not None:
            raise error
    return results


def together(client, calls, parallel):
    """Independent calls, call(worker_client) each, at the same time when parallel > 1; the results in order.

    As in each: all of them run to the end, then the first failure in the order of calls is raised."""
    return each(client, calls, lambda worker, call: call(worker), parallel)
