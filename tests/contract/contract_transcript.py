# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parse the recorded Waldur transcripts (tests/contract/data/) and compare a live response with a recorded one.

Used by test_transcript.py and test_transcript_lifecycle.py; kept apart so other contract checks can reuse the parser.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import http.client
import json
import os
import re
import shlex
from urllib.parse import urlsplit

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data')
RECORDED_BASE = 'http://127.0.0.1:8000'  # transcript-7.0.7.md; the lifecycle transcript used port 8001 (see Matcher)
UUID_RE = re.compile(r'^[0-9a-f]{32}$')
TRUNCATED_RE = re.compile(r'^\.\.\. \(truncated, \d+ chars\)$')
# Keys whose values are times of the run; they must be present but are not compared.
TIME_KEYS = frozenset(('created', 'modified', 'date', 'provider_reviewed_at', 'consumer_reviewed_at', 'completed_at', 'start'))
STATUS_RE = re.compile(r'^HTTP (\d{3})(?:\s+X-Result-Count: (\d+))?(?:\s+Link: (.*?))?\s*$')
HEADERS_RE = re.compile(r'^\(response headers: (.*)\)$')


def transcript_path(name='transcript-7.0.7.md'):
    """A vendored transcript (see data/README.md): the tests never read outside the repository."""
    return os.path.join(DATA_DIR, name)


class Call(object):
    """One recorded call: request, status, optional X-Result-Count and body."""

    def __init__(self, number, title, method, url, headers, data, status, result_count, body_kind, body, truncated, user,
                 link=None, response_headers=None):
        self.number = number
        self.title = title
        self.method = method
        self.url = url
        self.headers = headers
        self.data = data
        self.status = status
        self.result_count = result_count
        self.body_kind = body_kind  # 'empty', 'json' or 'html'
        self.body = body  # parsed JSON, HTML text, or None
        self.truncated = truncated
        self.user = user
        self.link = link  # the Link header as recorded (lifecycle transcript only)
        self.response_headers = response_headers or {}  # HEAD calls: Content-Type, Allow, Content-Length

    @property
    def action(self):
        """A short name: the action (approve_by_provider), '<method>-<collection>' for lists, '<collection>-detail'."""
        parts = [p for p in urlsplit(self.url).path.split('/') if p and p != 'api']
        if parts[0] == 'api-auth':
            return 'login'
        if len(parts) == 1:
            return '%s-%s' % (self.method.lower(), parts[0])
        if len(parts) == 2 and parts[1] not in ('me', 'set_usage'):
            return '%s-detail' % parts[0]
        return parts[-1]

    @property
    def test_id(self):
        return '%03d-%s as %s' % (self.number, self.action, self.user)


def parse_tokens(text):
    """$VARIABLE -> token and $VARIABLE -> username, from the seed table."""
    tokens, users = {}, {}
    for match in re.finditer(r'^\| `([^`]+)` \|.*\| `\$([A-Z_]+)` \| `([0-9a-f]{40})` \|\s*$', text, re.M):
        users[match.group(2)] = match.group(1)
        tokens[match.group(2)] = match.group(3)
    return tokens, users


def parse_transcript(path=None):
    with open(path or transcript_path()) as handle:
        text = handle.read()
    tokens, users = parse_tokens(text)
    sections = re.split(r'^### (\d+)\. (.*)$', text, flags=re.M)
    calls = []
    for index in range(1, len(sections), 3):
        number, title, content = int(sections[index]), sections[index + 1].strip(), sections[index + 2]
        calls.append(parse_call(number, title, content, tokens, users))
    return calls


def parse_call(number, title, content, tokens, users):
    block = re.search(r'^```\n(.*?)^```', content, re.M | re.S).group(1)
    lines = block.split('\n')
    command = lines[0]
    if not command.startswith('$ curl '):
        raise ValueError('call %d: no curl command' % number)
    status_match = STATUS_RE.match(lines[1])
    if not status_match:
        raise ValueError('call %d: no status line' % number)
    method, url, headers, data, user = parse_curl(command[2:], tokens, users)
    response_headers = {}
    headers_match = HEADERS_RE.match(lines[2]) if len(lines) > 2 else None
    if headers_match:
        response_headers = dict(part.split(': ', 1) for part in headers_match.group(1).split('; '))
        lines = lines[:2] + lines[3:]
    raw = '\n'.join(lines[2:]).strip('\n')
    truncated = False
    if raw == '(empty body)':
        kind, body = 'empty', None
    elif raw.lstrip().startswith('<'):
        kind, body = 'html', raw
    else:
        kind = 'json'
        body_lines = raw.split('\n')
        if TRUNCATED_RE.match(body_lines[-1]):
            truncated = True
            body = json.loads(repair_json('\n'.join(body_lines[:-1])))
        else:
            body = json.loads(raw)
    count = int(status_match.group(2)) if status_match.group(2) else None
    return Call(number, title, method, url, headers, data, int(status_match.group(1)), count, kind, body, truncated, user,
                status_match.group(3), response_headers)


def parse_curl(command, tokens, users):
    args = shlex.split(command)
    method, url, data, headers, user = 'GET', None, None, {}, 'anonymous'
    position = 1
    while position < len(args):
        arg = args[position]
        if arg == '-X':
            method = args[position + 1]
            position += 1
        elif arg == '-I':
            method = 'HEAD'
        elif arg == '-H':
            name, value = args[position + 1].split(':', 1)
            value = value.strip()
            match = re.search(r'\$([A-Z_]+)', value)
            if match:
                user = users[match.group(1)]
                value = value.replace(match.group(0), tokens[match.group(1)])
            elif name.lower() == 'authorization':
                user = 'malformed-header' if len(value.split()) > 2 else 'bad-token'
            headers[name.strip()] = value
            position += 1
        elif arg == '-d':
            data = args[position + 1]
            if method == 'GET':
                method = 'POST'
            position += 1
        elif not arg.startswith('-'):
            url = arg
        position += 1
    return method, url, headers, data, user


def repair_json(text):
    """Close a pretty-printed JSON text cut after a line: drop the partial last line, close open brackets."""
    lines = text.split('\n')[:-1]
    body = '\n'.join(lines).rstrip().rstrip(',')
    stack, in_string, escaped = [], False, False
    for char in body:
        if in_string:
            if escaped:
                escaped = False
            elif char == '\\':
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in '[{':
            stack.append(']' if char == '[' else '}')
        elif char in ']}':
            stack.pop()
    return body + ''.join(reversed(stack))


class Matcher(object):
    """Compares recorded and live bodies, learning recorded-uuid -> emulator-uuid for objects created during the run.

    `known` holds the seed's uuids: those must come back unchanged. A recorded uuid seen for the first time that
    is not a seed uuid is bound to the live value (which must itself be new), and must match it from then on.
    """

    def __init__(self, known, recorded_base=RECORDED_BASE):
        self.known = set(known)
        self.mapping = {}
        self.recorded_base = recorded_base

    def substitute(self, text, base_url):
        if text is None:
            return None
        for recorded, live in self.mapping.items():
            text = text.replace(recorded, live)
        return text.replace(self.recorded_base, base_url)

    def unify(self, recorded, live, where, failures):
        if not isinstance(live, str):
            failures.append('%s: expected a uuid like %s, got %r' % (where, recorded, live))
        elif recorded in self.mapping:
            if self.mapping[recorded] != live:
                failures.append('%s: expected %s (recorded %s), got %s' % (where, self.mapping[recorded], recorded, live))
        elif recorded in self.known:
            if recorded != live:
                failures.append('%s: expected seed uuid %s, got %s' % (where, recorded, live))
        elif live in self.known or live in self.mapping.values():
            failures.append('%s: recorded %s is new, but %s is already known' % (where, recorded, live))
        else:
            self.mapping[recorded] = live

    def compare(self, expected, live, where, failures, partial=False):
        """Shape and values: every recorded key present (a recorded null may be absent), lists of equal length,
        scalars equal, uuids unified, URLs compared by path, run timestamps skipped."""
        if isinstance(expected, dict):
            if not isinstance(live, dict):
                failures.append('%s: expected an object, got %r' % (where, live))
                return
            for key, value in expected.items():
                if key not in live:
                    if value is not None:
                        failures.append('%s: key %r missing' % (where, key))
                    continue
                if key in TIME_KEYS:
                    continue
                self.compare(value, live[key], '%s.%s' % (where, key), failures, partial)
        elif isinstance(expected, list):
            if not isinstance(live, list):
                failures.append('%s: expected a list, got %r' % (where, live))
                return
            if len(expected) != len(live) and not partial:
                failures.append('%s: expected %d items, got %d' % (where, len(expected), len(live)))
                return
            for number, (item, live_item) in enumerate(zip(expected, live)):
                self.compare(item, live_item, '%s[%d]' % (where, number), failures, partial)
        elif isinstance(expected, str) and UUID_RE.match(expected):
            self.unify(expected, live, where, failures)
        elif isinstance(expected, str) and expected.startswith('http://'):
            self.compare_url(expected, live, where, failures)
        elif expected != live or type(expected) is not type(live):
            failures.append('%s: expected %r, got %r' % (where, expected, live))

    def compare_url(self, expected, live, where, failures):
        if not isinstance(live, str) or not live.startswith('http'):
            failures.append('%s: expected a URL like %s, got %r' % (where, expected, live))
            return
        recorded_parts = urlsplit(expected).path.split('/')
        live_parts = urlsplit(live).path.split('/')
        if len(recorded_parts) != len(live_parts):
            failures.append('%s: expected a URL like %s, got %s' % (where, expected, live))
            return
        for recorded, part in zip(recorded_parts, live_parts):
            if UUID_RE.match(recorded):
                self.unify(recorded, part, where, failures)
            elif recorded != part:
                failures.append('%s: expected a URL like %s, got %s' % (where, expected, live))
                return


# ---------------------------------------------------------------- replay: one call against a live emulator

def send(emulator, call, matcher):
    """The recorded request, with recorded uuids and base URL replaced by the live ones: (status, headers, body)."""
    url = urlsplit(matcher.substitute(call.url, emulator.base_url))
    data = matcher.substitute(call.data, emulator.base_url)
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=10)
    try:
        connection.request(call.method, url.path + ('?' + url.query if url.query else ''),
                           body=data.encode('utf-8') if data is not None else None, headers=call.headers)
        response = connection.getresponse()
        return response.status, dict((k.lower(), v) for k, v in response.getheaders()), response.read()
    finally:
        connection.close()


def check(call, status, headers, body, matcher, base_url):
    """The differences between the recorded call and the live response, as strings.

    Status, X-Result-Count, the Link header where recorded (uuids and base URL substituted), a HEAD call's
    Content-Type, body kind, 4xx bodies exactly, 2xx bodies by shape and values (Matcher.compare).
    Not compared: Allow and Content-Length of a HEAD call (the emulator sends no Allow; lengths differ by design).
    """
    failures = []
    if status != call.status:
        failures.append('status: expected %d, got %d: %r' % (call.status, status, body[:300]))
        return failures
    count = headers.get('x-result-count')
    expected_count = None if call.result_count is None else str(call.result_count)
    if count != expected_count:
        failures.append('X-Result-Count: expected %s, got %s' % (expected_count, count))
    if call.link is not None:
        expected_link = matcher.substitute(call.link, base_url)
        if headers.get('link') != expected_link:
            failures.append('Link: expected %s, got %s' % (expected_link, headers.get('link')))
    content_type = headers.get('content-type', '')
    recorded_type = call.response_headers.get('Content-Type')
    if recorded_type and not content_type.startswith(recorded_type):
        failures.append('Content-Type: expected %s, got %s' % (recorded_type, content_type))
    if call.body_kind == 'empty':
        if body:
            failures.append('expected an empty body, got %r' % body[:300])
    elif call.body_kind == 'html':
        if not content_type.startswith('text/html') or body.decode('utf-8').strip() != call.body.strip():
            failures.append('expected the HTML page %r, got %s %r' % (call.body[:80], content_type, body[:300]))
    else:
        if not content_type.startswith('application/json'):
            failures.append('expected JSON, got %s %r' % (content_type, body[:300]))
            return failures
        live = json.loads(body.decode('utf-8'))
        if status >= 400:
            expected = json.loads(matcher.substitute(json.dumps(call.body), 'http://unused'))
            if live != expected:
                failures.append('error body: expected %r, got %r' % (expected, live))
        else:
            matcher.compare(call.body, live, 'body', failures, partial=call.truncated)
    return failures
