# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTP server, routing, authentication, the request log and the control endpoints.

Every request goes through Emulator.dispatch(request) -> Response; wrap or override it to inject faults.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import email.utils
import json
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from . import catalog, offering_users, orders, resources, tls, usage
from .common import (NOT_FOUND_HTML, ApiError, Request, Response, empty_response, fmt_dt, html_response, json_response,
                     method_not_allowed, not_authenticated, parse_dt, parse_uuid, server_error)
from .faults import NOT_APPLIED, Faults, parse_spec
from .store import Store, load_seed, seed_tokens

TOKENS = seed_tokens()
CONTROL_PREFIX = '/__emulator__/'
DOMAINS = (catalog, resources, orders, usage, offering_users)
VERSION_STRINGS = {'7.0.7': '7.0.7+2.g1ea6cb820'}


class Router(object):
    """Django-style resolution: the first pattern matching the path is the view; its methods decide 405."""

    def __init__(self, tables):
        self.views = []
        index = {}
        for entry in tables:
            method, pattern, handler = entry[:3]
            public = entry[3] if len(entry) > 3 else False
            if pattern not in index:
                index[pattern] = {}
                self.views.append((re.compile(pattern), index[pattern]))
            index[pattern][method] = (handler, public)

    def resolve(self, path):
        """({method: (handler, public)}, path kwargs) or (None, None)."""
        for regex, methods in self.views:
            match = regex.match(path)
            if match:
                return methods, match.groupdict()
        return None, None


def make_clock(now):
    """A callable returning an aware UTC datetime: real time, a fixed datetime, or the caller's callable."""
    if now is None:
        return lambda: datetime.datetime.now(datetime.timezone.utc)
    if callable(now):
        return lambda: parse_dt(now())
    fixed = parse_dt(now)
    return lambda: fixed


class Emulator(object):
    """A Waldur API emulator (7.0.7 as recorded, or 8.x) serving on host:port in a daemon thread."""

    TOKENS = TOKENS

    def __init__(self, waldur_version='7.0.7', extra_allocations=0, seed=None, now=None, host='127.0.0.1', port=0,
                 faults=None, fault_seed=0, tls=False):
        """faults: rates per kind ({'error': 0.2}) or a spec string ('error=0.2,retry_after=0'), see faults.py;
        tls: serve HTTPS with a CA and server certificate made at start (the CA's PEM file is ca_path)."""
        self.waldur_version = str(waldur_version)
        self.v8 = int(self.waldur_version.split('.', maxsplit=1)[0]) >= 8
        self.version_string = VERSION_STRINGS.get(self.waldur_version, self.waldur_version)
        self.extra_allocations = int(extra_allocations or 0)
        self.seed_data = load_seed(seed)
        self.TOKENS = dict((u['username'], u['token']) for u in self.seed_data['users'])  # pylint: disable=invalid-name
        self.clock = make_clock(now)
        self.host = host
        self.port = port
        self.lock = threading.RLock()
        self.router = Router([entry for domain in DOMAINS for entry in domain.routes(self.v8)])
        self._requests = []
        self._httpd = None
        self._thread = None
        self.store = self._new_store()
        rates, settings = parse_spec(faults) if isinstance(faults, str) else (faults or {}, {})
        settings.setdefault('seed', fault_seed)
        self.faults = Faults(rates, **settings)
        self.tls = tls
        self.ca_path = None
        self._tls_dir = None

    def _new_store(self):
        return Store(self.seed_data, self.clock, self.extra_allocations)

    # ------------------------------------------------------------ life cycle

    def start(self):
        self._httpd = _Server((self.host, self.port), Handler)
        self._httpd.emulator = self
        self.port = self._httpd.server_address[1]
        if self.tls:
            self._tls_dir = tempfile.mkdtemp(prefix='waldur-emulator-tls-')
            paths = tls.make_certificates(self._tls_dir)
            self.ca_path = paths['ca.pem']
            self._httpd.socket = tls.server_context(paths).wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={'poll_interval': 0.05}, name='waldur-emulator',
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(5)
            self._httpd = None
        if self._tls_dir:
            shutil.rmtree(self._tls_dir, ignore_errors=True)
            self._tls_dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def scheme(self):
        return 'https' if self.tls else 'http'

    @property
    def base_url(self):
        return '%s://%s:%d' % (self.scheme, self.host, self.port)

    @property
    def url(self):
        return self.base_url + '/api/'

    def set_now(self, now):
        """Change the emulator's clock (None: real time; a datetime; or a callable returning one)."""
        with self.lock:
            self.clock = make_clock(now)
            self.store.clock = self.clock

    def advance(self, seconds):
        """Move the emulator's clock by `seconds` (negative: back), keeping it running or fixed as it was."""
        with self.lock:
            previous, delta = self.clock, datetime.timedelta(seconds=float(seconds))
            self.clock = lambda: previous() + delta
            self.store.clock = self.clock

    def set_order_times(self, order_uuid, created=None, modified=None):
        """Back-date (or move) an order: its `created` (what order ages are computed from) and `modified`."""
        with self.lock:
            order = self.store.orders[order_uuid]
            if created is not None:
                order.created = parse_dt(created)
            if modified is not None:
                order.modified = parse_dt(modified)
            return order

    def reset(self):
        """Back to the seed (and the extra allocations); the request log is kept."""
        with self.lock:
            self.store = self._new_store()

    @property
    def requests(self):
        with self.lock:
            return [dict(r) for r in self._requests]

    def clear_requests(self):
        with self.lock:
            del self._requests[:]

    # ------------------------------------------------------------ the dispatch point

    def dispatch(self, req):
        """Request -> Response. The single entry point of every HTTP request (API and control)."""
        with self.lock:
            if req.path.startswith(CONTROL_PREFIX):
                return self.control(req)
            req.store = self.store
            req.v8 = self.v8
            req.waldur_version_string = self.version_string
            fault = self.faults.draw(req.method, req.path)
            if fault in NOT_APPLIED:
                response = self.faults.answer(fault)
            else:
                try:
                    response = self.handle_api(req)
                except ApiError as error:
                    response = error.response()
                except Exception:  # pylint: disable=broad-except
                    traceback.print_exc(file=sys.stderr)
                    response = server_error().response()
                response = self.faults.after(fault, response)
            entry = {'method': req.method, 'path': req.path, 'query': dict((k, list(v)) for k, v in req.query.items()),
                     'status': response.status, 'user': req.user.username if req.user else None}
            if fault:
                # status: the answer made, also when the client never got it (drop_after, slow); None for drop.
                entry['fault'] = fault
            self._requests.append(entry)
            return response

    def handle_api(self, req):
        if not req.path.endswith('/'):
            methods, _kwargs = self.router.resolve(req.path + '/')
            if methods is None:
                raise ApiError(404, html=NOT_FOUND_HTML)
            location = req.path + '/' + ('?' + req.raw_query if req.raw_query else '')
            return Response(301, b'', None, [('Location', location)])
        methods, kwargs = self.router.resolve(req.path)
        if methods is None:
            raise ApiError(404, html=NOT_FOUND_HTML)
        method = 'GET' if req.method == 'HEAD' else req.method
        req.user = self.authenticate(req)
        entry = methods.get(method)
        public = entry[1] if entry else all(public for _handler, public in methods.values())
        if req.user is None and not public:
            raise not_authenticated()
        if entry is None:
            raise method_not_allowed(req.method)
        return entry[0](req, **kwargs)

    def authenticate(self, req):
        """DRF TokenAuthentication (keyword case-insensitive). None when no credentials were sent."""
        header = req.header('Authorization')
        if header:
            parts = header.split()
            if parts and parts[0].lower() == 'token':
                if len(parts) == 1:
                    raise not_authenticated('Invalid token header. No credentials provided.')
                if len(parts) > 2:
                    raise not_authenticated('Invalid token. Token string should not contain spaces.')
                user = self.store.tokens.get(parts[1])
                if user is None:
                    raise not_authenticated('Invalid token.')
                return user
        token = req.param('x-auth-token')
        if token is not None:
            user = self.store.tokens.get(token) if self.v8 else None  # 7.0.7 compares str with bytes: never matches
            if user is None:
                raise not_authenticated('Invalid token.')
            return user
        return None

    def control(self, req):
        """/__emulator__/requests (GET, DELETE), /__emulator__/reset (POST), /__emulator__/faults (GET, PUT, DELETE);
        not logged, no auth."""
        name = req.path[len(CONTROL_PREFIX):].strip('/')
        if name == 'faults':
            return self.control_faults(req)
        if name == 'requests' and req.method == 'GET':
            return json_response(200, self.requests)
        if name == 'requests' and req.method == 'DELETE':
            self.clear_requests()
            return empty_response(204)
        if name == 'reset' and req.method == 'POST':
            self.reset()
            return json_response(200, {'status': 'reset'})
        if name == 'users' and req.method == 'POST':
            return self.control_add_user(req)
        if name == 'clock':
            return self.control_clock(req)
        if name.startswith('orders/') and req.method == 'PATCH':
            return self.control_order_times(req, name[len('orders/'):])
        return html_response(404, NOT_FOUND_HTML)

    def control_clock(self, req):
        """GET: {"now"}; PUT {"now": <ISO date-time>} fixes the clock there, PUT {"advance_seconds": n} moves it;
        DELETE: real time again. Every answer is {"now": <the clock's reading>}."""
        if req.method == 'PUT':
            try:
                body = json.loads(req.raw_body.decode('utf-8') or '{}')
                if 'now' in body:
                    self.set_now(parse_dt(body['now']))
                elif 'advance_seconds' in body:
                    self.advance(body['advance_seconds'])
                else:
                    raise ValueError('expected {"now": ...} or {"advance_seconds": ...}')
            except (TypeError, ValueError) as error:
                return json_response(400, {'detail': str(error)})
        elif req.method == 'DELETE':
            self.set_now(None)
        elif req.method != 'GET':
            return json_response(405, {'detail': 'Method "%s" not allowed.' % req.method})
        return json_response(200, {'now': self.clock().strftime('%Y-%m-%dT%H:%M:%S.%fZ')})

    def control_order_times(self, req, order_uuid):
        """PATCH /__emulator__/orders/<uuid> {"created": <ISO>, "modified": <ISO>} (either): set an order's timestamps,
        e.g. to make it look stuck for a week. 200 {"uuid", "created", "modified"}; 404 for an unknown order."""
        key = parse_uuid(order_uuid)
        if key not in self.store.orders:
            return json_response(404, {'detail': 'No Order matches the given query.'})
        try:
            body = json.loads(req.raw_body.decode('utf-8') or '{}')
            order = self.set_order_times(key, body.get('created'), body.get('modified'))
        except (AttributeError, TypeError, ValueError) as error:
            return json_response(400, {'detail': str(error)})
        return json_response(200, {'uuid': order.uuid, 'created': fmt_dt(order.created), 'modified': fmt_dt(order.modified)})

    def control_add_user(self, req):
        """POST /__emulator__/users {"username", "full_name", "email", "password"}: a user with no roles (as staff's
        POST /api/users/ makes one, RL707 set-up) and a fresh token. 201 {"uuid", "username", "token"}."""
        try:
            body = json.loads(req.raw_body.decode('utf-8') or '{}')
            username = str(body['username'])
        except (KeyError, TypeError, ValueError):
            return json_response(400, {'detail': 'expected {"username": ..., "full_name": ..., "email": ...}'})
        if self.store.user_by_username(username):
            return json_response(400, {'detail': 'user %s exists' % username})
        user = self.store.add_user(username=username, full_name=str(body.get('full_name', '')), email=str(body.get('email', '')),
                                   password=str(body.get('password') or '%s-password' % username))
        return json_response(201, {'uuid': user.uuid, 'username': user.username, 'token': user.token})

    def control_faults(self, req):
        """GET: the plan and what was injected; PUT {"rates": {...}, "seed", "retry_after", "slow_seconds", "match"}:
        change it; DELETE: no more faults."""
        if req.method == 'PUT':
            try:
                self.faults.configure(**json.loads(req.raw_body.decode('utf-8') or '{}'))
            except (TypeError, ValueError) as error:
                return json_response(400, {'detail': str(error)})
        elif req.method == 'DELETE':
            self.faults.off()
        elif req.method != 'GET':
            return json_response(405, {'detail': 'Method "%s" not allowed.' % req.method})
        return json_response(200, self.faults.describe())


class _Server(ThreadingHTTPServer):
    """A thread per connection, so answers delayed by --latency-ms overlap as a real portal's do."""

    daemon_threads = True
    # socketserver's default backlog of 5 drops the connects of a client opening more sessions at once (parallel
    # workers); each dropped SYN costs the client a 1 s retransmit, which would be measured as the client's time.
    request_queue_size = 64


class Handler(BaseHTTPRequestHandler):
    """Turns HTTP into Request objects for Emulator.dispatch and writes the Response back."""

    protocol_version = 'HTTP/1.1'
    server_version = 'WaldurEmulator/1.0'
    # Headers and body go out in two sends: with Nagle's algorithm each answer with a body would wait ~40 ms for the
    # client's delayed ACK (measured by tests/benchmark: 44 ms instead of 2 ms per set_backend_id).
    disable_nagle_algorithm = True

    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        split = urlsplit(self.path)
        host = self.headers.get('Host') or '%s:%s' % self.server.server_address[:2]
        req = Request(self.command, unquote(split.path), parse_qs(split.query, keep_blank_values=True), dict(self.headers.items()),
                      body, '%s://%s' % (self.server.emulator.scheme, host))
        req.raw_query = split.query
        response = self.server.emulator.dispatch(req)
        # Injected faults (faults.py): answer late, or close the connection without an answer.
        time.sleep(getattr(response, 'delay', 0))
        if getattr(response, 'drop', False):
            self.close_connection = True
            return
        try:
            self.send_response(response.status)
            for key, value in response.headers:
                self.send_header(key, value)
            if response.status == 401:
                self.send_header('WWW-Authenticate', 'Token')
            self.send_header('Content-Length', str(len(response.body)))
            self.end_headers()
            if self.command != 'HEAD' and response.body:
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a slow answer)
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any

    def date_time_string(self, timestamp=None):
        """The Date header from the emulator's clock: a server's Date is its own clock, which picks the usage month."""
        if timestamp is not None:
            return BaseHTTPRequestHandler.date_time_string(self, timestamp)
        return email.utils.format_datetime(self.server.emulator.clock(), usegmt=True)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        """Quiet: the request log is the emulator's record."""
