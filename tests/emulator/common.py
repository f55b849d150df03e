# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Request/response objects, API errors and the helpers every domain module shares.

Nothing here knows about a particular endpoint: uuid parsing, DRF-style error bodies, pagination with the
Waldur Link header, field selection and the filter validators live here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import json
import re
import uuid as uuid_mod
from urllib.parse import urlencode, urlsplit

NOT_FOUND_HTML = """
<!doctype html>
<html lang="en">
<head>
  <title>Not Found</title>
</head>
<body>
  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>
</body>
</html>
"""

SERVER_ERROR_HTML = """
<!doctype html>
<html lang="en">
<head>
  <title>Server Error (500)</title>
</head>
<body>
  <h1>Server Error (500)</h1><p></p>
</body>
</html>
"""

NO_PERMISSION = 'You do not have permission to perform this action.'
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 300


class Response(object):
    """A finished HTTP response: status, headers (list of pairs) and body bytes."""

    def __init__(self, status, body=b'', content_type=None, headers=None):
        self.status = status
        self.body = body
        self.headers = list(headers or [])
        if content_type:
            self.headers.append(('Content-Type', content_type))

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_response(status, data, headers=None):
    body = json.dumps(data, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    return Response(status, body, 'application/json', headers)


def empty_response(status=200):
    return Response(status, b'')


def html_response(status, page):
    return Response(status, page.encode('utf-8'), 'text/html; charset=utf-8')


class ApiError(Exception):
    """Raised by handlers; the dispatcher turns it into the response."""

    def __init__(self, status, body=None, html=None):
        super(ApiError, self).__init__(status)
        self.status = status
        self.body = body
        self.html = html

    def response(self):
        if self.html is not None:
            return html_response(self.status, self.html)
        return json_response(self.status, self.body)


def not_found(model='Resource'):
    return ApiError(404, {'detail': 'No %s matches the given query.' % model})


def html_not_found():
    return ApiError(404, html=NOT_FOUND_HTML)


def server_error():
    """Waldur's HTML 500 page, e.g. for a missing required key that the view reads unchecked."""
    return ApiError(500, html=SERVER_ERROR_HTML)


def forbidden():
    return ApiError(403, {'detail': NO_PERMISSION})


def conflict(states):
    return ApiError(409, {'detail': 'Valid states for operation: %s.' % ', '.join(states)})


def bad_request(body):
    return ApiError(400, body)


def not_authenticated(message='Authentication credentials were not provided.'):
    return ApiError(401, {'detail': message})


def method_not_allowed(method):
    return ApiError(405, {'detail': 'Method "%s" not allowed.' % method})


class Request(object):
    """One API request as the handlers see it.

    `query` maps a parameter to the list of its values; `user` is the authenticated User or None;
    `store` and `v8` (Waldur 8.x behaviour) come from the emulator.
    """

    def __init__(self, method, path, query, headers, body, base_url):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.raw_body = body
        self.raw_query = ''
        self.base_url = base_url  # "http://host:port", no trailing slash
        self.user = None
        self.store = None
        self.v8 = False
        self.waldur_version_string = ''
        self.scope = None  # permissions.UserScope, built on first use
        self._json = None

    def header(self, name):
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        """The JSON body ({} when empty); a body that is not JSON gives DRF's parse error."""
        if self._json is None:
            if not self.raw_body.strip():
                self._json = {}
            else:
                try:
                    self._json = json.loads(self.raw_body.decode('utf-8'))
                except ValueError as exc:
                    raise bad_request({'detail': 'JSON parse error - %s' % exc})
        return self._json

    def json_object(self):
        """The body as a dict, or DRF's 400 for any other JSON value."""
        data = self.json()
        if not isinstance(data, dict):
            raise bad_request({'non_field_errors': ['Invalid data. Expected a dictionary, but got %s.' % type_name(data)]})
        return data

    def param(self, name):
        """Last non-empty value of a query parameter (django-filter semantics), else None."""
        values = [v for v in self.query.get(name, []) if v != '']
        return values[-1] if values else None

    def params(self, name):
        return [v for v in self.query.get(name, []) if v != '']

    def url(self, path):
        """An absolute URL for an API path such as 'api/marketplace-resources/<uuid>/'."""
        return '%s/%s' % (self.base_url, path.lstrip('/'))


# ---------------------------------------------------------------- absolute URLs of API objects

def offering_url(req, offering_uuid):
    return req.url('api/marketplace-public-offerings/%s/' % offering_uuid)


def plan_url(req, offering_uuid, plan_uuid):
    return req.url('api/marketplace-public-offerings/%s/plans/%s/' % (offering_uuid, plan_uuid))


def project_url(req, project_uuid):
    return req.url('api/projects/%s/' % project_uuid)


def customer_url(req, customer_uuid):
    return req.url('api/customers/%s/' % customer_uuid)


def user_url(req, user_uuid):
    return req.url('api/users/%s/' % user_uuid)


def type_name(value):
    """The Python type name DRF puts into 'Expected a list of items but got type "str".'."""
    if value is None:
        return 'NoneType'
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, dict):
        return 'dict'
    if isinstance(value, list):
        return 'list'
    if isinstance(value, str):
        return 'str'
    if isinstance(value, int):
        return 'int'
    if isinstance(value, float):
        return 'float'
    return type(value).__name__


# ---------------------------------------------------------------- identifiers and times

def parse_uuid(value):
    """32-hex form of a dashed or undashed UUID, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return uuid_mod.UUID(value.strip()).hex
    except ValueError:
        return None


def new_uuid():
    return uuid_mod.uuid4().hex


def uuid_from_url(value, collection):
    """The uuid at the end of an API URL like http://host/api/<collection>/<uuid>/, or None."""
    if not isinstance(value, str):
        return None
    path = urlsplit(value).path
    match = re.search(r'/api/%s/([^/]+)/?$' % re.escape(collection), path)
    return parse_uuid(match.group(1)) if match else None


def fmt_dt(value):
    """ISO-8601 UTC with microseconds and Z, as DRF renders Waldur timestamps."""
    if value is None:
        return None
    return value.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def parse_dt(value):
    """A timestamp from the seed or a request (date or date-time, Z or offset); naive means UTC."""
    if isinstance(value, datetime.datetime):
        result = value
    else:
        text = str(value).strip()
        if text.endswith('Z'):
            text = text[:-1] + '+00:00'
        result = datetime.datetime.fromisoformat(text)
    if result.tzinfo is None:
        result = result.replace(tzinfo=datetime.timezone.utc)
    return result.astimezone(datetime.timezone.utc)


def parse_date(value):
    """YYYY-MM-DD -> date, else None."""
    if not isinstance(value, str) or not re.match(r'^\d{4}-\d{2}-\d{2}$', value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime_param(value):
    """A date-time filter value (date-only accepted, as Django does), else None."""
    try:
        return parse_dt(value)
    except ValueError:
        return None


# ---------------------------------------------------------------- filters

class FilterErrors(object):
    """Collects filter validation errors and raises one 400 with all of them, as django-filter does."""

    def __init__(self):
        self.errors = {}

    def add(self, name, message):
        self.errors.setdefault(name, []).append(message)

    def uuid(self, req, name, many=False):
        """Validated uuid filter value(s): None/[] when absent. many=True takes a comma list (8.x style)."""
        raw = req.param(name)
        if raw is None:
            return [] if many else None
        parts = raw.split(',') if many else [raw]
        result = [parse_uuid(p) for p in parts]
        if any(r is None for r in result):
            self.add(name, 'Enter a valid UUID.')
            return [] if many else None
        return result if many else result[0]

    def choices(self, req, name, allowed):
        """Multiple-choice filter: repeated parameter, case-sensitive."""
        values = req.params(name)
        for value in values:
            if value not in allowed:
                self.add(name, 'Select a valid choice. %s is not one of the available choices.' % value)
                return []
        return values

    def date(self, req, name, datetime_ok=False):
        raw = req.param(name)
        if raw is None:
            return None
        day = parse_date(raw)
        if day is not None:
            return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)
        if datetime_ok:
            value = parse_datetime_param(raw)
            if value is not None:
                return value
            self.add(name, 'Enter a valid date/time.')
            return None
        self.add(name, 'Enter a valid date.')
        return None

    def datetime(self, req, name):
        raw = req.param(name)
        if raw is None:
            return None
        value = parse_datetime_param(raw)
        if value is None:
            self.add(name, 'Enter a valid date/time.')
        return value

    def ordering(self, req, allowed):
        """The `o` parameter: comma list of allowed names with optional '-'."""
        raw = req.param('o')
        if raw is None:
            return []
        keys = [k.strip() for k in raw.split(',') if k.strip()]
        for key in keys:
            if key.lstrip('-') not in allowed:
                self.add('o', 'Select a valid choice. %s is not one of the available choices.' % key)
                return []
        return keys

    def raise_if_any(self):
        if self.errors:
            raise bad_request(self.errors)


def apply_ordering(items, keys, getters):
    """Stable multi-key sort; `getters` maps an ordering name to a key function. None sorts first."""
    for key in reversed(keys):
        name = key.lstrip('-')
        getter = getters[name]
        items = sorted(items, key=lambda item, g=getter: _none_first(g(item)), reverse=key.startswith('-'))
    return items


def _none_first(value):
    return (value is not None, value if value is not None else 0)


# ---------------------------------------------------------------- field selection and pagination

def select_fields(req, data, allowed=None):
    """Apply repeated `field=` parameters: unknown names are ignored; none valid -> the full object."""
    wanted = req.params('field')
    if not wanted:
        return data
    pool = data if allowed is None else allowed
    keys = [k for k in wanted if k in pool and k in data]
    if not keys:
        return data
    return dict((k, data[k]) for k in data if k in keys)


def _positive_int(value, default, cutoff=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    if number <= 0:
        return default
    if cutoff:
        number = min(number, cutoff)
    return number


def paginate(req, items, render):
    """A Waldur LinkHeaderPagination page: bare JSON array, X-Result-Count and an absolute Link header.

    `render(item)` is called only for the items on the page, so large lists stay cheap.
    """
    page_size = _positive_int(req.param('page_size'), DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    count = len(items)
    num_pages = max(1, -(-count // page_size))
    raw_page = req.param('page') or '1'
    if raw_page == 'last':
        page = num_pages
    else:
        try:
            page = int(raw_page)
        except ValueError:
            page = 0
    if page < 1 or page > num_pages:
        raise ApiError(404, {'detail': 'Invalid page.'})
    start = (page - 1) * page_size
    body = [render(item) for item in items[start:start + page_size]]
    links = [(1, 'first')]
    if page > 1:
        links.append((page - 1, 'prev'))
    if page < num_pages:
        links.append((page + 1, 'next'))
    links.append((num_pages, 'last'))
    link = ', '.join('<%s>; rel="%s"' % (page_url(req, number), rel) for number, rel in links)
    return json_response(200, body, [('X-Result-Count', str(count)), ('Link', link)])


def page_url(req, number):
    """The request URL with `page` replaced; parameters sorted, as DRF's replace_query_param does. Page 1 has no
    `page` parameter (remove_query_param, RL707 #92, #118)."""
    query = dict((k, v) for k, v in req.query.items() if k != 'page')
    if number > 1:
        query['page'] = [str(number)]
    encoded = urlencode(sorted(query.items()), doseq=True)
    return '%s%s%s' % (req.base_url, req.path, '?' + encoded if encoded else '')
