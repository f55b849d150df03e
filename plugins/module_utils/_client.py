# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one HTTP client of the collection: everything that talks to the Waldur API goes through PuhuriClient.

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import email.utils
import random
import re
import threading
import time
import traceback

from urllib.parse import urlsplit, parse_qsl

from ansible_collections.puhuri.core.plugins.module_utils._parallel import each

try:
    import requests
    from urllib3.exceptions import ConnectTimeoutError
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised through missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

USER_AGENT = 'puhuri.core-ansible'
# Waldur 7.0.7 caps page_size at 300 and Puhuri documents "up to 200": 200 is safe everywhere.
PAGE_SIZE = 200
MAX_MESSAGE = 300
READ_METHODS = ('GET', 'HEAD', 'OPTIONS')
# Gateway answers: the proxy in front of Waldur gave up, the call may or may not have reached Waldur.
GATEWAY_STATUSES = (502, 503, 504)


class PuhuriApiError(Exception):
    """A failed API call: HTTP method, URL path, HTTP status (None when no answer came) and the server's own message.

    Never carries the token or a request body: only what the server answered about it.
    """

    def __init__(self, method, path, status, message, uncertain=False):
        self.method = method
        self.path = path
        self.status = status
        self.message = message
        # True when a write may or may not have been applied (no answer, or a gateway error after sending):
        # the caller must re-read the state before deciding what to send next.
        self.uncertain = uncertain
        super(PuhuriApiError, self).__init__(str(self))

    def __str__(self):
        status = 'HTTP %s' % self.status if self.status is not None else 'no HTTP answer'
        return '%s %s failed (%s): %s' % (self.method, self.path, status, self.message)


def _flatten_errors(value, prefix=''):
    """Turn DRF error bodies ({"field": ["msg"]}, nested lists, bare lists) into 'field: msg' strings."""
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            name = key if key != 'non_field_errors' else ''
            out.extend(_flatten_errors(item, '%s.%s' % (prefix, name) if prefix and name else (name or prefix)))
        return out
    if isinstance(value, list):
        out = []
        for index, item in enumerate(value):
            if isinstance(item, (dict, list)):
                out.extend(_flatten_errors(item, '%s[%d]' % (prefix, index) if prefix else '[%d]' % index))
            elif item not in (None, ''):
                out.append('%s: %s' % (prefix, item) if prefix else str(item))
        return out
    if value in (None, ''):
        return []
    return ['%s: %s' % (prefix, value) if prefix else str(value)]


def _html_excerpt(text):
    title = re.search(r'<title>(.*?)</title>', text, re.I | re.S)
    plain = re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', text)).strip()
    excerpt = title.group(1).strip() if title else plain
    return 'HTML page: %s' % excerpt[:MAX_MESSAGE]


def server_message(response):
    """The server's own words about a failed call, short enough for an error line."""
    content_type = response.headers.get('Content-Type', '')
    text = response.text or ''
    if 'json' in content_type or text[:1] in ('{', '['):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and set(body) == {'detail'}:
            return str(body['detail'])[:MAX_MESSAGE]
        if body is not None:
            return '; '.join(_flatten_errors(body))[:MAX_MESSAGE] or '(empty error body)'
    if '<html' in text[:500].lower() or '<!doctype' in text[:100].lower():
        return _html_excerpt(text)
    return (text.strip()[:MAX_MESSAGE] or response.reason or '(empty body)')


class _TokenAuth(requests.auth.AuthBase if HAS_REQUESTS else object):
    """Waldur's `Authorization: Token <key>`; the key never appears in a repr."""

    def __init__(self, token):
        self._header = 'Token %s' % token

    def __call__(self, request):
        request.headers['Authorization'] = self._header
        return request

    def __repr__(self):
        return '<Token auth>'


class PuhuriClient(object):
    """requests.Session with Waldur's conventions: token auth, trailing slashes, Link pagination, clear errors, and
    retries of what is safe to send again."""

    def __init__(self, api_url, token, validate_certs=True, ca_path=None, timeout=30.0, retries=3, retry_budget=60.0,
                 retry_delay=1.0, warn=None):
        """retries: re-sends of one call after transient failures; retry_budget: seconds one call may take in all,
        waits included; retry_delay: the first wait, doubled for each further retry (with jitter);
        warn: called with a message for every retry (the messages are also kept in `warnings`)."""
        if not HAS_REQUESTS:
            raise RuntimeError('the Python library requests is required')
        self.api_url = api_url.rstrip('/') + '/'
        self._base_path = urlsplit(self.api_url).path
        self.timeout = (min(10.0, float(timeout)), float(timeout))
        self._auth = _TokenAuth(token)
        self.session = self._new_session()
        # ca_path wins over validate_certs=true; validate_certs=false turns checks off completely. Passed with every
        # request: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (set in many execution environments) override a
        # session-level verify, even False; a per-request path or False wins over them.
        self.verify = (ca_path or True) if validate_certs else False
        self.retries = int(retries)
        self.retry_budget = float(retry_budget)
        self.retry_delay = float(retry_delay)
        self.warn = warn
        self.warnings = []
        self.request_count = 0  # HTTP requests sent, retries included (by this client, not its workers)
        self.retry_count = 0
        self.throttle = _Throttle()
        # Idle worker clients (see workers()), shared by the client and its workers: kept for the whole run, so each
        # keeps its connection (and TLS session) open from one batch of work to the next.
        self.idle_workers = _WorkerPool()
        # Replaceable in unit tests.
        self.sleep = time.sleep
        self.clock = time.monotonic
        self.random = random.Random()

    def _new_session(self):
        session = requests.Session()
        session.headers.update({'Accept': 'application/json', 'User-Agent': USER_AGENT})
        # Through session.auth, not a header: requests replaces a plain Authorization header with Basic auth from
        # ~/.netrc when the portal's host has an entry there.
        session.auth = self._auth
        return session

    def worker(self):
        """A client for one more thread (see _parallel): the same settings, warnings and throttle, its own session."""
        other = copy.copy(self)
        other.session = self._new_session()
        other.random = random.Random()
        other.request_count = other.retry_count = 0
        return other

    def workers(self, count):
        """count clients for as many threads, idle ones first, new ones (worker()) for the rest; give them back
        with release(). Never one that another thread holds: a session is not thread-safe."""
        taken = self.idle_workers.take(count)
        return taken + [self.worker() for _index in range(count - len(taken))]

    def release(self, workers):
        self.idle_workers.give_back(workers)

    def url_path(self, path):
        """Path relative to the API root, always with its trailing slash (Waldur answers 301 without it)."""
        path = path.lstrip('/')
        if not path.endswith('/'):
            path += '/'
        return self._base_path + path

    def request(self, method, path, params=None, body=None, expected=(200,), retry_safe=None):
        """Send one call, re-sending it after transient failures when that is safe; return the response.

        Raise PuhuriApiError for anything but an expected status. retry_safe defaults to True for reads and False
        for writes. Whatever the method, a call that never reached the server (connection refused, connect
        timeout) or was throttled (429) is re-sent. A call that may have reached it (no answer, or 502/503/504 from
        the gateway) is re-sent only when retry_safe; otherwise PuhuriApiError(uncertain=True) tells the caller to
        re-read the state before deciding what to send next.
        """
        full_path = self.url_path(path)
        url = self.api_url + full_path[len(self._base_path):]
        kwargs = {'params': params, 'timeout': self.timeout, 'allow_redirects': False, 'verify': self.verify}
        if body is not None:
            kwargs['json'] = body
        if retry_safe is None:
            retry_safe = method in READ_METHODS
        is_write = method not in READ_METHODS
        started = self.clock()
        maybe_applied = False  # some earlier attempt of this write may have been applied
        attempt = 0
        while True:
            self.throttle.wait(self.clock, self.sleep)
            self.request_count += 1
            response, failure = self._send(method, full_path, url, kwargs)
            if failure is None:
                if response.status_code in expected:
                    return response
                failure = _http_failure(response)
            maybe_applied = maybe_applied or (is_write and failure.reached)
            if not failure.retryable:
                raise failure.error(method, full_path, maybe_applied)
            if failure.reached and not retry_safe:
                raise failure.error(method, full_path, True,
                                    'the call may or may not have been applied, so it was not re-sent; '
                                    're-read the state before acting again')
            if attempt >= self.retries:
                note = 'gave up after %d %s' % (attempt, 'retry' if attempt == 1 else 'retries') if attempt else None
                raise failure.error(method, full_path, maybe_applied, note)
            attempt += 1
            wait = self.retry_delay * 2 ** (attempt - 1) * (0.5 + self.random.random() / 2)
            if failure.retry_after is not None:
                wait = max(wait, failure.retry_after)
            elapsed = self.clock() - started
            if elapsed + wait > self.retry_budget:
                raise failure.error(method, full_path, maybe_applied,
                                    'gave up: waiting %.1fs more would exceed retry_budget (%ss, %.1fs used)'
                                    % (wait, self.retry_budget, elapsed))
            self.retry_count += 1
            self._warn('retry %d/%d of %s %s after %s, waiting %.1fs'
                       % (attempt, self.retries, method, full_path, failure.reason, wait))
            if failure.status == 429:
                # The server throttles the token, not one connection: every worker waits (at the top of the loop).
                self.throttle.hold(self.clock() + wait)
            else:
                self.sleep(wait)

    def _send(self, method, full_path, url, kwargs):
        """One HTTP exchange: (response, None), or (None, _Failure) when no HTTP answer came."""
        try:
            return self.session.request(method, url, **kwargs), None
        except requests.exceptions.SSLError as exc:
            raise PuhuriApiError(method, full_path, None, _tls_message(exc))
        except requests.exceptions.RequestException as exc:
            reason = _reason(exc)
            if isinstance(reason, ConnectTimeoutError) or isinstance(exc, requests.exceptions.ConnectTimeout):
                # Refused, unresolvable or connect timeout: nothing was sent, so re-sending is always safe.
                return None, _Failure(None, 'connection failed: %s' % _short(reason), 'connection failure',
                                      reached=False, retryable=True)
            if isinstance(exc, requests.exceptions.Timeout):
                return None, _Failure(None, 'no answer within %ss (timeout)' % self.timeout[1], 'a read timeout',
                                      reached=True, retryable=True)
            if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
                return None, _Failure(None, 'connection dropped before an answer: %s' % _short(reason),
                                      'a dropped connection', reached=True, retryable=True)
            raise PuhuriApiError(method, full_path, None, 'request failed: %s' % _short(reason))

    def _warn(self, message):
        self.warnings.append(message)
        if self.warn is not None:
            self.warn(message)

    def _json(self, method, path, response):
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise PuhuriApiError(method, self.url_path(path), response.status_code,
                                 'expected a JSON body, got: %s' % server_message(response))

    def get(self, path, params=None):
        response = self.request('GET', path, params=params)
        return self._json('GET', path, response)

    def post(self, path, body=None, expected=(200, 201), retry_safe=False):
        """POST an action; return the parsed JSON answer, or None for Waldur's empty 200/201 bodies.

        retry_safe: sending the same call twice has the effect of sending it once (set_backend_id, submit_report,
        set_usage). Other actions (approve, reject, terminate, set_state_*) are never re-sent blindly.
        """
        response = self.request('POST', path, body=body, expected=expected, retry_safe=retry_safe)
        return self._json('POST', path, response)

    def list(self, path, params=None, fields=None, parallel=1):
        """Every item of a paginated list, in page order; all or nothing.

        parallel 1 follows Link rel="next" page after page. With more, the first page tells how many pages there are
        (X-Result-Count at the page size asked for) and the others are read at the same time, at most `parallel` at
        once, each worker on its own session (see _parallel.each): the same pages with the same query strings.
        Fails rather than returning a partial list when a page errors or the items read disagree with
        X-Result-Count (the list changed underneath us).
        """
        query = _as_pairs(params)
        query = [(k, v) for k, v in query if k not in ('page', 'page_size', 'field')]
        query.append(('page_size', PAGE_SIZE))
        query.extend(('field', name) for name in (fields or []))
        pages = [self.read_page(path, query, None)]
        count = _ResultCount(self.url_path(path))
        count.check(pages[0])
        last = _page_count(pages[0]) if parallel > 1 else None
        if last is not None:
            # Checked in page order once all are read, so the error is the one reading page after page would meet first
            # (a page that disagrees with X-Result-Count comes before a later page that is gone because the list shrank).
            for page in each(self, range(2, last + 1), lambda worker, number: _page_or_error(worker, path, query, number),
                             parallel):
                if isinstance(page, PuhuriApiError):
                    raise page
                count.check(page)
                pages.append(page)
        else:
            while pages[-1].next is not None:
                pages.append(self.read_page(path, query, pages[-1].next))
                count.check(pages[-1])
        items = [item for page in pages for item in page.items]
        count.check_items(len(items))
        return items

    def read_page(self, path, query, number):
        """One page of a list (the first when number is None)."""
        response = self.request('GET', path, params=query + ([('page', number)] if number else []))
        body = self._json('GET', path, response)
        if not isinstance(body, list):
            raise PuhuriApiError('GET', self.url_path(path), response.status_code,
                                 'expected a JSON list, got %s' % type(body).__name__)
        total = response.headers.get('X-Result-Count')
        return _Page(body, int(total) if total is not None else None, _next_page(response), response.status_code)


class _WorkerPool(object):
    """The idle worker clients, taken and given back under a lock (workers of workers take from it too)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle = []

    def take(self, count):
        with self._lock:
            taken, self._idle = self._idle[:count], self._idle[count:]
        return taken

    def give_back(self, workers):
        with self._lock:
            self._idle.extend(workers)


def _page_or_error(client, path, query, number):
    """read_page, or its PuhuriApiError as the answer (raised by list in page order)."""
    try:
        return client.read_page(path, query, number)
    except PuhuriApiError as error:
        return error


class _Page(object):
    """One page as read: its items, its X-Result-Count (None without one), the page number of its next link."""

    def __init__(self, items, total, next_number, status):
        self.items = items
        self.total = total
        self.next = next_number
        self.status = status


class _ResultCount(object):
    """X-Result-Count of every page must agree, and the items read must add up to it."""

    def __init__(self, full_path):
        self.full_path = full_path
        self.expected = None

    def check(self, page):
        if page.total is None:
            return
        if self.expected is None:
            self.expected = page.total
        elif page.total != self.expected:
            raise PuhuriApiError('GET', self.full_path, page.status,
                                 'the list changed while it was read (X-Result-Count %d, then %d); run again'
                                 % (self.expected, page.total))

    def check_items(self, read):
        if self.expected is not None and read != self.expected:
            raise PuhuriApiError('GET', self.full_path, 200,
                                 'read %d items but X-Result-Count is %d; the list is incomplete, not returning it'
                                 % (read, self.expected))


def _page_count(first):
    """How many pages the list has, from its first page: known only when that page is full at the page size asked for
    (the server honoured it), has a next page, and tells X-Result-Count; else None (follow the next links)."""
    if first.total is None or first.next != 2 or len(first.items) != PAGE_SIZE:
        return None
    return -(-first.total // PAGE_SIZE)


def _as_pairs(params):
    if not params:
        return []
    if isinstance(params, dict):
        pairs = []
        for key, value in params.items():
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                pairs.extend((key, item) for item in value)
            else:
                pairs.append((key, value))
        return pairs
    return list(params)


def _next_page(response):
    """The page number of Link rel="next", or None.

    Only the page number is taken from the absolute URL: a proxy in front of Waldur may put the wrong scheme or host
    into it, and our own filters are already known.
    """
    link = response.links.get('next') if response.links else None
    if not link:
        return None
    for key, value in parse_qsl(urlsplit(link['url']).query):
        if key == 'page':
            return int(value)
    return None


class _Throttle(object):
    """Shared by a client and its workers: after a 429, no request of any of them is sent before `until`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.until = 0.0

    def hold(self, until):
        with self.lock:
            self.until = max(self.until, until)

    def wait(self, clock, sleep):
        delay = self.until - clock()
        if delay > 0:
            sleep(delay)


class _Failure(object):
    """A failed attempt. reached: the server may have received (and applied) the call; retryable: a transient fault."""

    def __init__(self, status, message, reason, reached, retryable, retry_after=None):
        self.status = status
        self.message = message
        self.reason = reason
        self.reached = reached
        self.retryable = retryable
        self.retry_after = retry_after

    def error(self, method, full_path, uncertain, note=None):
        message = '%s (%s)' % (self.message, note) if note else self.message
        return PuhuriApiError(method, full_path, self.status, message, uncertain=uncertain)


def _http_failure(response):
    status = response.status_code
    if status == 429:
        # Throttled: the server refused the call without acting on it, so any call may be re-sent.
        retry_after = _retry_after(response)
        reason = 'HTTP 429' if retry_after is None else 'HTTP 429 (Retry-After %gs)' % retry_after
        return _Failure(status, server_message(response), reason, reached=False, retryable=True, retry_after=retry_after)
    gateway = status in GATEWAY_STATUSES
    return _Failure(status, server_message(response), 'HTTP %d' % status, reached=gateway, retryable=gateway)


def _retry_after(response):
    """Seconds the server asked us to wait (Retry-After: seconds or an HTTP date), or None."""
    value = (response.headers.get('Retry-After') or '').strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _reason(exc):
    """The innermost cause of a requests exception (urllib3 wraps it in MaxRetryError)."""
    reason = exc.args[0] if exc.args else exc
    return getattr(reason, 'reason', None) or reason


def _tls_message(exc):
    text = _short(_reason(exc))
    if 'CERTIFICATE_VERIFY_FAILED' in text or 'certificate verify failed' in text:
        return ('TLS failure: the server certificate could not be verified (%s); set ca_path to the PEM file of the '
                'CA that signed it, or validate_certs: false for a test server' % text)
    return 'TLS failure: %s' % text


def _short(exc):
    return str(exc)[:MAX_MESSAGE]
