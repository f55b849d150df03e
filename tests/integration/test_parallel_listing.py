# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 15: the bulk form of puhuri_resource_state overlaps its listings with parallel > 1.

The benchmark site (tests/benchmark/site.py) of 450 allocations (three pages) behind an emulator whose every API answer
waits LATENCY, as across a network. The test records when each request was answered, and checks structure, never wall
time: with parallel 1 every GET waits for the one before (today's sequence), with parallel 8 the same requests need two
round trips one after the other (the first page and the 7.0.7 order filter's 400 answer, then the other pages and the
order list without pending-start-date).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import threading
import time

import pytest

from benchmark import site
from emulator import Emulator
from helpers import writes

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 450
LATENCY = 0.2  # seconds: long enough that requests sent together are certainly in flight together
RESOURCES = '/api/marketplace-provider-resources/'
ORDERS = '/api/marketplace-orders/'


@pytest.fixture
def slow_site():
    emu = Emulator(waldur_version='7.0.7')
    site.build(emu.store, N, 5)
    answered = []
    dispatch = emu.dispatch
    lock = threading.Lock()

    def delayed(req):
        """Wait LATENCY outside the emulator's lock (the emulator answers concurrently), then note the interval."""
        sent = time.monotonic()
        if not req.path.startswith('/__emulator__/'):
            time.sleep(LATENCY)
        response = dispatch(req)
        with lock:
            answered.append({'method': req.method, 'path': req.path, 'query': sorted(req.raw_query.split('&')),
                             'sent': sent, 'answered': time.monotonic()})
        return response
    emu.dispatch = delayed
    emu.start()
    emu.answered = answered
    yield emu
    emu.stop()


def round_trips(intervals):
    """The longest chain of requests each sent after the one before was answered: the round trips waited in a row."""
    chain = {}
    for index, request in sorted(enumerate(intervals), key=lambda pair: pair[1]['sent']):
        chain[index] = 1 + max([chain[other] for other in chain if intervals[other]['answered'] <= request['sent']] or [0])
    return max(chain.values() or [0])


@pytest.mark.parametrize('policies', [{}, {'undeclared_policy': 'leave'}], ids=['declared', 'with-policies'])
def test_parallel_8_lists_in_fewer_round_trips_with_the_same_requests(slow_site, run_play, policies):
    emu = slow_site
    declared = [a for i, a in enumerate(site.declared(N)) if i not in site.waiting_indexes(N, 5)]
    gets = {}
    for parallel in (1, 8):
        del emu.answered[:]
        options = dict(api_url=emu.url, api_token=emu.TOKENS['sp-owner'], provider_uuid=site.PROVIDER_UUID,
                       allocations=declared, parallel=parallel, **policies)
        result = run_play([{'name': 'bulk', 'puhuri.core.puhuri_resource_state': options, 'register': 'out'}])
        assert result.rc == 0, result
        assert writes(emu.requests) == []
        gets[parallel] = [r for r in emu.answered if r['method'] == 'GET']
        emu.clear_requests()

    def sent(requests):
        return collections.Counter((r['path'], tuple(r['query'])) for r in requests)
    # The same requests: the site in three pages, the open orders twice (7.0.7 refuses pending-start-date with 400).
    assert sent(gets[8]) == sent(gets[1])
    assert [r['path'] for r in gets[1]] == [RESOURCES] * site.pages(N) + [ORDERS] * 2
    # One after the other with parallel 1; in two round trips with 8.
    assert round_trips(gets[1]) == len(gets[1]) == 5
    assert round_trips(gets[8]) == 2
