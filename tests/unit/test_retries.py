# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of PuhuriClient's retries: which failures are re-sent, backoff and budget, uncertain outcomes.

HTTP is stubbed at the transport adapter; the stub answers from a script of statuses and exceptions. Time is
stubbed too (clock and sleep), so the waits are checked exactly and the tests take no time.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import email.utils
import json
import time
from http.client import RemoteDisconnected

import pytest
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from ansible_collections.puhuri.core.plugins.module_utils._client import PuhuriApiError, PuhuriClient

TOKEN = 'fb580ac69b93b41650711f44ef3a699059aa5cbf'
APPROVE = 'marketplace-orders/0a1b2c3d4e5f40718293a4b5c6d7e8f9/approve_by_provider/'
SET_USAGE = 'marketplace-component-usages/set_usage/'


def refused(request):
    return requests.exceptions.ConnectionError(
        MaxRetryError(None, request.url, NewConnectionError(None, 'Failed to establish a new connection: [Errno 111] '
                                                                  'Connection refused')), request=request)


def dropped(request):
    return requests.exceptions.ConnectionError(
        ProtocolError('Connection aborted.', RemoteDisconnected('Remote end closed connection without response')),
        request=request)


def read_timeout(request):
    return requests.exceptions.ReadTimeout('Read timed out. (read timeout=30.0)', request=request)


def connect_timeout(request):
    return requests.exceptions.ConnectTimeout('Connection to puhuri.example.org timed out.', request=request)


def tls_unverified(request):
    return requests.exceptions.SSLError(MaxRetryError(None, request.url, requests.exceptions.SSLError(
        '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain')),
        request=request)


class ScriptedAdapter(BaseAdapter):
    """Answers the n-th request with script[n]: a status, (status, headers, body), or an exception factory."""

    def __init__(self, script):
        super(ScriptedAdapter, self).__init__()
        self.script = list(script)
        self.sent = []

    def send(self, request, **kwargs):  # pylint: disable=arguments-differ
        self.sent.append(request)
        step = self.script.pop(0)
        if callable(step):
            raise step(request)
        status, headers, body = step if isinstance(step, tuple) else (step, {}, {} if step < 300 else {'detail': 'x'})
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            response.headers.setdefault('Content-Type', 'application/json')
        response._content = body.encode()  # pylint: disable=protected-access
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


class Clock(object):
    """A fake monotonic clock that sleep() advances."""

    def __init__(self):
        self.now = 1000.0
        self.waits = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += seconds


def make_client(script, **kwargs):
    warned = []
    kwargs.setdefault('retry_delay', 1.0)
    client = PuhuriClient('https://puhuri.example.org/api/', TOKEN, warn=warned.append, **kwargs)
    adapter = ScriptedAdapter(script)
    client.session.mount('https://', adapter)
    clock = Clock()
    client.clock, client.sleep = clock, clock.sleep
    return client, adapter, clock, warned


@pytest.mark.parametrize('fault', [503, 502, 504, (429, {}, {'detail': 'Request was throttled.'}),
                                   refused, dropped, read_timeout, connect_timeout])
def test_a_read_is_retried_after_each_transient_fault_with_a_warning(fault):
    client, adapter, clock, warned = make_client([fault, (200, {}, {'uuid': 'a'})])
    assert client.get('marketplace-provider-resources/a/') == {'uuid': 'a'}
    assert len(adapter.sent) == 2 and client.request_count == 2 and client.retry_count == 1
    assert len(clock.waits) == 1 and 0.5 <= clock.waits[0] <= 1.0
    assert warned == client.warnings and len(warned) == 1
    assert warned[0].startswith('retry 1/3 of GET /api/marketplace-provider-resources/a/ after ')
    assert warned[0].endswith(', waiting %.1fs' % clock.waits[0])


def test_backoff_doubles_with_jitter_and_the_call_gives_up_after_retries():
    client, adapter, clock, warned = make_client([503] * 4, retries=3, retry_delay=0.2)
    with pytest.raises(PuhuriApiError) as info:
        client.get('marketplace-provider-resources/')
    assert len(adapter.sent) == 4
    for number, wait in enumerate(clock.waits):
        assert 0.2 * 2 ** number / 2 <= wait <= 0.2 * 2 ** number
    assert len(set(clock.waits)) == 3
    expected = ['retry %d/3 of GET /api/marketplace-provider-resources/' % n for n in (1, 2, 3)]
    assert [w.split(' after ')[0] for w in warned] == expected
    error = info.value
    assert (error.method, error.path, error.status, error.uncertain) == ('GET', '/api/marketplace-provider-resources/',
                                                                         503, False)
    assert str(error).endswith('(gave up after 3 retries)')


def test_jitter_spreads_the_waits_of_many_clients():
    waits = set()
    for dummy in range(20):
        client, dummy, clock, dummy = make_client([503, 200])
        client.get('x/')
        waits.add(round(clock.waits[0], 6))
    assert len(waits) > 15


def test_no_retries_when_retries_is_zero():
    client, adapter, clock, warned = make_client([503], retries=0)
    with pytest.raises(PuhuriApiError) as info:
        client.get('x/')
    assert len(adapter.sent) == 1 and not clock.waits and not warned
    assert 'gave up' not in str(info.value)


@pytest.mark.parametrize('fault,status', [(503, 503), (502, 502), (504, 504), (dropped, None), (read_timeout, None)])
def test_an_unsafe_write_with_an_uncertain_outcome_is_not_re_sent(fault, status):
    client, adapter, clock, warned = make_client([fault, 200])
    with pytest.raises(PuhuriApiError) as info:
        client.post(APPROVE)
    assert len(adapter.sent) == 1 and not clock.waits and not warned
    error = info.value
    assert error.uncertain and error.status == status and error.method == 'POST'
    assert 'may or may not have been applied, so it was not re-sent' in str(error)


@pytest.mark.parametrize('fault', [refused, connect_timeout, (429, {'Retry-After': '0'}, {'detail': 'throttled'})])
def test_an_unsafe_write_that_never_reached_the_server_is_re_sent(fault):
    client, adapter, clock, warned = make_client([fault, 200])
    client.post(APPROVE)
    assert len(adapter.sent) == 2 and len(warned) == 1
    assert warned[0].startswith('retry 1/3 of POST /api/%s after ' % APPROVE)


@pytest.mark.parametrize('fault', [503, 504, dropped, read_timeout])
def test_a_retry_safe_write_is_re_sent_with_the_same_body(fault):
    client, adapter, clock, warned = make_client([fault, (201, {}, '')])
    body = {'resource': 'a' * 32, 'usages': [{'type': 'cpu_k_hours', 'amount': '1.50'}]}
    assert client.post(SET_USAGE, body, retry_safe=True) is None
    assert [json.loads(r.body) for r in adapter.sent] == [body, body]
    assert len(warned) == 1


def test_a_retry_safe_write_that_runs_out_of_retries_is_uncertain_if_any_attempt_may_have_landed():
    client, adapter, clock, warned = make_client([dropped, (429, {}, {'detail': 'throttled'}), 503, 400], retries=3)
    with pytest.raises(PuhuriApiError) as info:
        client.post(SET_USAGE, {}, retry_safe=True)
    assert info.value.status == 400 and info.value.uncertain
    client, adapter, clock, warned = make_client([refused, refused], retries=1)
    with pytest.raises(PuhuriApiError) as info:
        client.post(SET_USAGE, {}, retry_safe=True)
    assert not info.value.uncertain


def test_retry_after_is_honoured_in_seconds_and_as_a_date():
    client, adapter, clock, warned = make_client([(429, {'Retry-After': '7'}, ''), 200], retry_delay=0.1)
    client.get('x/')
    assert clock.waits == [7.0]
    assert warned == ['retry 1/3 of GET /api/x/ after HTTP 429 (Retry-After 7s), waiting 7.0s']
    later = email.utils.formatdate(time.time() + 5, usegmt=True)
    client, adapter, clock, warned = make_client([(429, {'Retry-After': later}, ''), 200], retry_delay=0.1)
    client.get('x/')
    assert 3.5 <= clock.waits[0] <= 5.0


def test_a_retry_after_beyond_the_budget_fails_at_once():
    client, adapter, clock, warned = make_client([(429, {'Retry-After': '120'}, {'detail': 'Request was throttled.'})],
                                                 retry_budget=60)
    with pytest.raises(PuhuriApiError) as info:
        client.post(APPROVE)
    assert len(adapter.sent) == 1 and not clock.waits
    assert info.value.status == 429 and not info.value.uncertain
    assert 'Request was throttled.' in str(info.value) and 'retry_budget (60.0s' in str(info.value)


def test_no_retry_starts_whose_wait_would_end_past_the_budget():
    def slow_refusal(request):
        clock.now += 4  # each attempt takes 4 s to fail
        return refused(request)
    client, adapter, clock, warned = make_client([slow_refusal] * 10, retries=10, retry_budget=20, retry_delay=1)
    client.random = FullJitter()
    with pytest.raises(PuhuriApiError) as info:
        client.get('x/')
    # 4 + wait 1 + 4 + wait 2 + 4 + wait 4 = 19 s, then the 4th attempt; waiting 8 s more would pass 20 s.
    assert len(adapter.sent) == 4 and clock.waits == [1.0, 2.0, 4.0]
    assert 'waiting 8.0s more would exceed retry_budget (20.0s, 23.0s used)' in str(info.value)


class FullJitter(object):
    """random() at its top: every wait is the full backoff."""

    def random(self):
        return 1.0


@pytest.mark.parametrize('status', [400, 401, 403, 404, 409, 500])
def test_errors_that_are_not_transient_are_not_retried(status):
    client, adapter, clock, warned = make_client([status, 200])
    with pytest.raises(PuhuriApiError) as info:
        client.get('x/')
    assert len(adapter.sent) == 1 and not warned and info.value.status == status


def test_a_tls_failure_says_so_and_is_not_retried():
    client, adapter, clock, warned = make_client([tls_unverified, 200])
    with pytest.raises(PuhuriApiError) as info:
        client.get('x/')
    assert len(adapter.sent) == 1 and not warned
    assert 'TLS failure: the server certificate could not be verified' in str(info.value)
    assert 'set ca_path' in str(info.value) and 'validate_certs: false' in str(info.value)


def test_a_list_retries_a_failing_page_and_still_returns_every_item():
    def page(items, next_page):
        link = '<https://puhuri.example.org/api/x/?page=%d>; rel="next"' % next_page if next_page else ''
        return 200, {'X-Result-Count': '3', 'Link': link}, items
    client, adapter, clock, warned = make_client([page([{'n': 1}, {'n': 2}], 2), 504, dropped, page([{'n': 3}], None)])
    assert client.list('x/') == [{'n': 1}, {'n': 2}, {'n': 3}]
    assert len(warned) == 2 and 'page=2' in adapter.sent[3].url


def test_warnings_never_carry_the_token_or_the_body():
    client, adapter, clock, warned = make_client([503, 200])
    client.post('marketplace-provider-resources/a/submit_report/', {'report': [{'header': 'h', 'body': 'S3CRET'}]},
                retry_safe=True)
    assert warned and not [w for w in warned if TOKEN in w or 'S3CRET' in w]
