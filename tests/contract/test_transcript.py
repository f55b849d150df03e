# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay all calls of transcript-7.0.7.md, in order, against one fresh 7.0.7 emulator.

The whole transcript is replayed once per module (so the order holds under pytest-xdist too); each call is then
its own test that reports the differences found for it: status, X-Result-Count, body kind, 4xx bodies exactly,
2xx bodies by shape and values (see contract_transcript.Matcher).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import http.client
import itertools
import json
import os
import re
import sys
from urllib.parse import urlsplit

import pytest

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.exists(os.path.join(os.path.dirname(TESTS_DIR), 'pytest.ini')) and TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emulator import Emulator  # noqa: E402 pylint: disable=wrong-import-position
from emulator.store import DEFAULT_SEED  # noqa: E402 pylint: disable=wrong-import-position
from contract_transcript import Matcher, parse_transcript, transcript_path  # noqa: E402 pylint: disable=wrong-import-position

CALLS = parse_transcript()
RECORDED_AT = datetime.datetime(2026, 11, 28, 22, 20, 44, tzinfo=datetime.timezone.utc)


pytestmark = pytest.mark.contract


def ticking_clock():
    """The recording's time, advancing 1 ms per reading: billing periods and ordering as recorded."""
    ticks = itertools.count()
    return lambda: RECORDED_AT + datetime.timedelta(milliseconds=next(ticks))


def seed_uuids():
    with open(DEFAULT_SEED) as handle:
        return set(re.findall(r'\b[0-9a-f]{32}\b', handle.read())) | {'0' * 32}


def send(emulator, call, matcher):
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


def check(call, status, headers, body, matcher):
    """The differences between the recorded call and the live response, as strings."""
    failures = []
    if status != call.status:
        failures.append('status: expected %d, got %d: %r' % (call.status, status, body[:300]))
        return failures
    count = headers.get('x-result-count')
    expected_count = None if call.result_count is None else str(call.result_count)
    if count != expected_count:
        failures.append('X-Result-Count: expected %s, got %s' % (expected_count, count))
    content_type = headers.get('content-type', '')
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


@pytest.fixture(scope='module')
def replay():
    """call number -> list of differences, from one ordered replay of the whole transcript."""
    emulator = Emulator(waldur_version='7.0.7', now=ticking_clock())
    emulator.start()
    matcher = Matcher(seed_uuids())
    results = {}
    try:
        for call in CALLS:
            status, headers, body = send(emulator, call, matcher)
            results[call.number] = check(call, status, headers, body, matcher)
    finally:
        emulator.stop()
    return results


def test_transcript_is_complete():
    assert [c.number for c in CALLS] == list(range(1, 123)), transcript_path()


@pytest.mark.parametrize('call', CALLS, ids=[c.test_id for c in CALLS])
def test_call(replay, call):  # pylint: disable=redefined-outer-name
    failures = replay[call.number]
    assert not failures, 'call %d (%s):\n  %s' % (call.number, call.title, '\n  '.join(failures))
