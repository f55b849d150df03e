# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of PuhuriClient.list reading the pages after the first at the same time (parallel > 1), and of the bulk
state run listing the allocations and the open orders together.

HTTP is stubbed at the transport adapter, for the client's session and for every worker's own session."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ansible_collections.puhuri.core.plugins.module_utils._client import PuhuriApiError, PuhuriClient
from ansible_collections.puhuri.core.plugins.module_utils._parallel import together
from ansible_collections.puhuri.core.plugins.module_utils._state_run import Allocation, StateRun

from helpers import AtOnce
from test_client import StubAdapter, paged

TOKEN = 'fb580ac69b93b41650711f44ef3a699059aa5cbf'
RESOURCES = 'marketplace-provider-resources/'
ITEMS = [{'uuid': '%032x' % i} for i in range(1000)]  # five pages of 200


def make_client(answer):
    """A client whose session and whose workers' sessions (client.worker()) all answer through one StubAdapter."""
    client = PuhuriClient('https://puhuri.example.org/api', TOKEN)
    adapter = StubAdapter(answer)
    sessions = []

    def new_session():
        session = requests.Session()
        session.auth = client.session.auth
        session.mount('https://', adapter)
        sessions.append(session)
        return session
    client.session.mount('https://', adapter)
    client._new_session = new_session  # pylint: disable=protected-access  # worker() asks for its session here
    return client, adapter, sessions


def page_of(request):
    return int(parse_qs(urlsplit(request.url).query).get('page', ['1'])[0])


def test_parallel_1_sends_todays_sequence_on_its_own_session():
    client, adapter, sessions = make_client(paged(ITEMS))
    assert client.list(RESOURCES, params={'state': 'OK'}, fields=['uuid']) == ITEMS
    queries = [urlsplit(r.url).query for r in adapter.sent]
    first = 'state=OK&page_size=200&field=uuid'
    assert queries == [first] + [first + '&page=%d' % n for n in range(2, 6)]
    assert sessions == [], 'no worker sessions with parallel 1'


@pytest.mark.parametrize('total', [0, 1, 199, 200, 201, 450, 1000])
def test_the_same_requests_with_parallel_1_and_8(total):
    items = ITEMS[:total]
    urls = {}
    for parallel in (1, 8):
        client, adapter, dummy = make_client(paged(items))
        assert client.list(RESOURCES, params={'state': ['Creating', 'OK']}, fields=['uuid', 'state'], parallel=parallel) == items
        urls[parallel] = collections.Counter(r.url for r in adapter.sent)
    assert urls[8] == urls[1]
    assert sum(urls[1].values()) == max(1, -(-total // 200))


def test_pages_answered_out_of_order_come_back_in_page_order():
    finished = []
    pages = paged(ITEMS)

    def answer(request):
        time.sleep(0.05 / page_of(request))  # the later a page, the sooner its answer
        response = pages(request)
        finished.append(page_of(request))
        return response
    client, adapter, sessions = make_client(answer)
    assert client.list(RESOURCES, parallel=8) == ITEMS
    assert finished[0] == 1 and finished[1:] != sorted(finished[1:]), 'the stub did answer out of order'
    assert len(sessions) == 4, 'pages 2-5: one worker (and session) each'


def test_at_most_parallel_pages_are_read_at_once():
    at_once = AtOnce()
    pages = paged(ITEMS * 2)  # ten pages

    def answer(request):
        with at_once:
            time.sleep(0.02)
        return pages(request)
    client, dummy, dummy_sessions = make_client(answer)
    assert len(client.list(RESOURCES, parallel=3)) == 2000
    assert at_once.most == 3


def test_a_page_failing_fails_the_whole_list_with_that_pages_error():
    pages = paged(ITEMS)

    def answer(request):
        if page_of(request) == 3:
            return 404, {'Content-Type': 'application/json'}, {'detail': 'Invalid page.'}
        return pages(request)
    client, adapter, dummy = make_client(answer)
    with pytest.raises(PuhuriApiError) as info:
        client.list(RESOURCES, parallel=8)
    assert (info.value.method, info.value.path, info.value.status, info.value.message) == \
        ('GET', '/api/marketplace-provider-resources/', 404, 'Invalid page.')


def test_the_first_failing_page_in_page_order_is_reported():
    pages = paged(ITEMS)

    def answer(request):
        number = page_of(request)
        if number == 2:
            time.sleep(0.05)  # fails last in time, first in page order
            return 500, {}, 'page two broke'
        if number == 4:
            return 404, {'Content-Type': 'application/json'}, {'detail': 'Invalid page.'}
        return pages(request)
    client, dummy, dummy_sessions = make_client(answer)
    with pytest.raises(PuhuriApiError) as info:
        client.list(RESOURCES, parallel=8)
    assert (info.value.status, info.value.message) == (500, 'page two broke')


def test_disagreeing_x_result_count_fails():
    pages = paged(ITEMS)

    def answer(request):
        status, headers, body = pages(request)
        if page_of(request) == 4:
            headers = dict(headers, **{'X-Result-Count': '999'})
        return status, headers, body
    client, dummy, dummy_sessions = make_client(answer)
    with pytest.raises(PuhuriApiError) as info:
        client.list(RESOURCES, parallel=8)
    assert info.value.message == 'the list changed while it was read (X-Result-Count 1000, then 999); run again'


def test_too_few_items_on_a_page_fails():
    pages = paged(ITEMS)

    def answer(request):
        status, headers, body = pages(request)
        return status, headers, body[:-1] if page_of(request) == 5 else body
    client, dummy, dummy_sessions = make_client(answer)
    with pytest.raises(PuhuriApiError) as info:
        client.list(RESOURCES, parallel=8)
    assert 'read 999 items but X-Result-Count is 1000' in info.value.message


def without_result_count(request):
    status, headers, body = paged(ITEMS)(request)
    return status, dict((k, v) for k, v in headers.items() if k != 'X-Result-Count'), body


@pytest.mark.parametrize('answer', [
    paged(ITEMS, page_size_cap=100),  # the server gives smaller pages than asked for: the count cannot be trusted
    without_result_count,
], ids=['smaller-pages', 'no-result-count'])
def test_without_a_known_page_count_the_next_links_are_followed(answer):
    client, adapter, sessions = make_client(answer)
    assert client.list(RESOURCES, parallel=8) == ITEMS
    numbers = [page_of(r) for r in adapter.sent]
    assert numbers == list(range(1, len(numbers) + 1)) and sessions == []


def test_together_runs_the_calls_at_once_and_raises_the_first_failure_in_their_order():
    client, dummy, dummy_sessions = make_client(paged([]))
    started = threading.Barrier(2, timeout=5)  # breaks (and fails the calls) unless both run at the same time

    def slow_failure(worker):
        started.wait()
        time.sleep(0.05)
        raise ValueError('first')

    def quick_failure(worker):
        started.wait()
        raise ValueError('second')
    with pytest.raises(ValueError, match='first'):
        together(client, [slow_failure, quick_failure], 2)
    assert together(client, [lambda worker: 1, lambda worker: 2], 1) == [1, 2]


def state_run_answer(fail_resources, fail_orders, log):
    """The bulk form's two listings; either can fail (500), the allocations' one slower than the orders'."""
    def answer(request):
        path = urlsplit(request.url).path
        log.append((path, time.monotonic()))
        if path.endswith('/marketplace-provider-resources/'):
            time.sleep(0.05)
            if fail_resources:
                return 500, {}, 'resources broke'
            return 200, {'X-Result-Count': '1'}, [{'uuid': 'a' * 32, 'name': 'x', 'state': 'OK', 'backend_id': 'b',
                                                   'report': [], 'offering_type': 'Marketplace.Slurm', 'limits': {}}]
        if fail_orders:
            return 500, {}, 'orders broke'
        return 200, {'X-Result-Count': '0'}, []
    return answer


@pytest.mark.parametrize('fail_resources,fail_orders,expected', [
    (True, True, 'resources broke'), (True, False, 'resources broke'), (False, True, 'orders broke')])
def test_bulk_state_run_lists_both_together_and_reports_the_allocations_error_first(fail_resources, fail_orders, expected):
    log = []
    client, dummy, dummy_sessions = make_client(state_run_answer(fail_resources, fail_orders, log))
    run = StateRun(client, [Allocation({'uuid': 'a' * 32, 'state': 'ok'})], single=False, parallel=8)
    with pytest.raises(PuhuriApiError) as info:
        run.run()
    assert info.value.message == expected
    assert sorted(path for path, dummy_time in log) == ['/api/marketplace-orders/', '/api/marketplace-provider-resources/']


def test_bulk_state_run_with_parallel_8_sends_what_parallel_1_sends():
    sent = {}
    for parallel in (1, 8):
        log = []
        client, adapter, dummy = make_client(state_run_answer(False, False, log))
        run = StateRun(client, [Allocation({'uuid': 'a' * 32, 'state': 'ok', 'backend_id': 'b'})], single=False,
                       parallel=parallel)
        run.run()
        assert run.allocations[0].failed is False and run.allocations[0].actions == []
        sent[parallel] = adapter.sent
    assert collections.Counter(r.url for r in sent[8]) == collections.Counter(r.url for r in sent[1])
    # parallel 1: the allocations, then the orders, in today's order
    assert [urlsplit(r.url).path for r in sent[1]] == ['/api/marketplace-provider-resources/', '/api/marketplace-orders/']


def test_a_list_that_shrank_fails_as_changed_not_with_the_missing_pages_404():
    calls = []
    lock = threading.Lock()

    def answer(request):
        number = page_of(request)
        with lock:
            calls.append(number)
        if number == 1:
            return paged(ITEMS)(request)
        if number == 5:
            return 404, {'Content-Type': 'application/json'}, {'detail': 'Invalid page.'}
        return paged(ITEMS[:700])(request)  # 300 deleted after the first page: four pages now
    client, dummy, dummy_sessions = make_client(answer)
    with pytest.raises(PuhuriApiError) as info:
        client.list(RESOURCES, parallel=8)
    assert info.value.message == 'the list changed while it was read (X-Result-Count 1000, then 700); run again'
    assert sorted(calls) == [1, 2, 3, 4, 5]
