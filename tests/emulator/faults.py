# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fault injection: the transient faults a production portal behind a proxy shows, at seeded rates.

Each API request draws one random number from a generator seeded with `seed`, so the same run of the same client
meets the same faults. The kinds:

- error:      a 502, 503 or 504 HTML page from "the proxy"; the call is not applied;
- throttle:   429 with Retry-After; the call is not applied;
- drop:       the connection is closed without an answer; the call is not applied;
- drop_after: the call IS applied, then the connection is closed without an answer;
- slow:       the call IS applied, then the answer waits slow_seconds (longer than a client's timeout, it times out).

Misbehaving answers, for tests of a client's error handling (usually with rate 1 and `match`):

- html:       200 with an HTML page (a login or maintenance page instead of the API);
- not_json:   200 with a plain-text body;
- empty:      200 with an empty body.

`match` (a regular expression searched in "METHOD /path/") limits faults to some calls, e.g. "^POST " or
"set_usage"; `limit` stops injecting after that many faults (e.g. 1: only the first matching call fails).
Requests to the control endpoints are never faulted.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import random
import re
import threading

from .common import Response, html_response

KINDS = ('error', 'throttle', 'drop', 'drop_after', 'slow', 'html', 'not_json', 'empty')
# Kinds answered instead of the call: the store never sees it.
NOT_APPLIED = ('error', 'throttle', 'drop', 'html', 'not_json', 'empty')
SETTINGS = {'retry_after': int, 'slow_seconds': float, 'match': str, 'limit': int, 'seed': int}

GATEWAY_PAGES = {
    502: 'Bad Gateway',
    503: 'Service Temporarily Unavailable',
    504: 'Gateway Time-out',
}
GATEWAY_HTML = ('<html>\r\n<head><title>%(status)d %(reason)s</title></head>\r\n<body>\r\n<center><h1>%(status)d %(reason)s'
                '</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n')
MAINTENANCE_HTML = ('<!doctype html><html><head><title>Puhuri Core is under maintenance</title></head>'
                    '<body><h1>We will be back soon.</h1></body></html>')


def parse_spec(spec):
    """'error=0.2,throttle=0.1,retry_after=0' -> (rates, settings); raises ValueError naming a bad key or value."""
    rates, settings = {}, {}
    for item in [p.strip() for p in (spec or '').split(',') if p.strip()]:
        key, sep, value = item.partition('=')
        key = key.strip()
        if not sep:
            raise ValueError('fault spec item %r is not key=value' % item)
        if key in KINDS:
            rates[key] = float(value)
        elif key in SETTINGS:
            settings[key] = SETTINGS[key](value)
        else:
            raise ValueError('unknown fault %r; kinds: %s; settings: %s' % (key, ', '.join(KINDS), ', '.join(SETTINGS)))
    return rates, settings


class Faults(object):
    """The fault plan of one emulator: rates per kind, seeded draws, and the record of what was injected."""

    def __init__(self, rates=None, seed=0, retry_after=1, slow_seconds=2.0, match=None, limit=None):
        self._lock = threading.Lock()
        self.rates = {}
        self.match = None
        self.limit = None
        self.injected = []  # {'method', 'path', 'kind'} per injected fault, in order
        self.configure(rates=rates or {}, seed=seed, retry_after=retry_after, slow_seconds=slow_seconds, match=match,
                       limit=limit)

    def configure(self, rates=None, seed=None, retry_after=None, slow_seconds=None, match=None, limit=None):
        """Change the plan; rates replace the old ones. A new seed restarts the random sequence.

        match='' and limit=0 remove a match or a limit; a new limit counts from the faults injected so far."""
        with self._lock:
            if rates is not None:
                unknown = set(rates) - set(KINDS)
                if unknown:
                    raise ValueError('unknown fault kinds %s; kinds: %s' % (sorted(unknown), ', '.join(KINDS)))
                if any(not 0 <= float(r) <= 1 for r in rates.values()) or sum(float(r) for r in rates.values()) > 1:
                    raise ValueError('fault rates must be between 0 and 1 and add up to at most 1')
                self.rates = dict((kind, float(rate)) for kind, rate in rates.items() if float(rate) > 0)
            if seed is not None:
                self.seed = int(seed)
                self.random = random.Random(self.seed)
            if retry_after is not None:
                self.retry_after = int(retry_after)
            if slow_seconds is not None:
                self.slow_seconds = float(slow_seconds)
            if match is not None:
                self.match = re.compile(match) if match else None
            if limit is not None:
                self.limit = len(self.injected) + int(limit) if limit else None

    def off(self):
        self.configure(rates={})

    def describe(self):
        with self._lock:
            return {'rates': dict(self.rates), 'seed': self.seed, 'retry_after': self.retry_after,
                    'slow_seconds': self.slow_seconds, 'match': self.match.pattern if self.match else None,
                    'limit': None if self.limit is None else self.limit - len(self.injected),
                    'injected': [dict(f) for f in self.injected]}

    def draw(self, method, path):
        """The fault kind for this API request, or None."""
        with self._lock:
            if not self.rates or (self.match and not self.match.search('%s %s' % (method, path))):
                return None
            if self.limit is not None and len(self.injected) >= self.limit:
                return None
            point = self.random.random()
            for kind in KINDS:
                rate = self.rates.get(kind, 0.0)
                if point < rate:
                    self.injected.append({'method': method, 'path': path, 'kind': kind})
                    return kind
                point -= rate
            return None

    def answer(self, kind):
        """The Response given instead of the call, for a NOT_APPLIED kind."""
        if kind == 'error':
            status = self.random.choice(sorted(GATEWAY_PAGES))
            return html_response(status, GATEWAY_HTML % {'status': status, 'reason': GATEWAY_PAGES[status]})
        if kind == 'throttle':
            response = html_response(429, GATEWAY_HTML % {'status': 429, 'reason': 'Too Many Requests'})
            response.headers.append(('Retry-After', str(self.retry_after)))
            return response
        if kind == 'drop':
            return dropped(Response(None))
        if kind == 'html':
            return html_response(200, MAINTENANCE_HTML)
        if kind == 'not_json':
            return Response(200, b'Service is starting, please wait', 'text/plain; charset=utf-8')
        return Response(200, b'', 'application/json')

    def after(self, kind, response):
        """The real response of an applied call, spoiled as `kind` says (drop_after, slow)."""
        if kind == 'drop_after':
            return dropped(response)
        if kind == 'slow':
            response.delay = self.slow_seconds
        return response


def dropped(response):
    """Mark a response so the HTTP handler closes the connection without sending it."""
    response.drop = True
    return response
