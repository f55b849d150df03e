# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue #7 at small scale: the provision and report_usage roles on a whole site send the floor's requests.

The benchmark site (tests/benchmark/site.py) of N allocations, a tenth waiting for the provider, through the two
playbooks as an operator runs them. Request counts only (from the emulator's log), never wall time:
the full listing is ceil(N / 200) pages, no GET per allocation, exactly the writes needed, none on the second run,
one allocation after the other (puhuri_parallel 1) and with writes to several at the same time (8).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import collections
import datetime
import json
import os

import pytest

from benchmark import site
from emulator import Emulator
from helpers import REPO_ROOT, api_get, writes

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 50
WAITING = 5
RESOURCES = '/api/marketplace-provider-resources/'
ORDERS = '/api/marketplace-orders/'
USAGES = '/api/marketplace-component-usages/'
SET_USAGE = USAGES + 'set_usage/'


@pytest.fixture
def bench_site():
    emu = Emulator(waldur_version='7.0.7')
    site.build(emu.store, N, WAITING)
    emu.start()
    yield emu
    emu.stop()


def connection(emu):
    return {'puhuri_api_url': emu.url, 'puhuri_api_token': emu.TOKENS['sp-owner'], 'puhuri_provider_uuid': site.PROVIDER_UUID}


def gets(log, path):
    return [r for r in log if r['method'] == 'GET' and r['path'] == path]


def per_allocation_gets(log):
    """GETs of one allocation or one order: a listing had that data already."""
    return [r for r in log if r['method'] == 'GET' and r['path'].startswith((RESOURCES, ORDERS)) and r['path'] not in (RESOURCES, ORDERS)]


def full_listing_pages(log):
    """Pages of the listing of the whole site (no state filter)."""
    return len([r for r in gets(log, RESOURCES) if 'state' not in r['query']])


def run_twice(emu, run_play, playbook, extravars):
    """Run the playbook twice; return the first run's request log (the second run's stays in emu.requests)."""
    first = run_play(None, playbook=playbook, extravars=extravars)
    assert first.rc == 0, first
    log = emu.requests
    emu.clear_requests()
    again = run_play(None, playbook=playbook, extravars=extravars)
    assert again.rc == 0, again
    return log


@pytest.mark.parametrize('parallel,declared_in', [(1, 'variables'), (8, 'variables'), (8, 'file')])
def test_provision_a_site_at_the_floor(bench_site, run_play, tmp_path, parallel, declared_in):
    emu = bench_site
    playbook = os.path.join(REPO_ROOT, 'playbooks', 'provision.yml')
    extravars = dict(connection(emu), puhuri_parallel=parallel)
    if declared_in == 'file':  # puhuri_allocations_file, read by the module (the benchmark's roles client)
        path = tmp_path / 'allocations.json'
        path.write_text(json.dumps(site.declared(N)))
        extravars['puhuri_allocations_file'] = str(path)
    else:
        extravars['puhuri_allocations'] = site.declared(N)
    waiting = sorted(site.waiting_indexes(N, WAITING))
    orders = dict((i, [o.uuid for o in emu.store.orders_of(emu.store.resources[site.allocation_uuid(i)])][0]) for i in waiting)

    log = run_twice(emu, run_play, playbook, extravars)

    # Exactly the four steps of each waiting allocation, in the provider's order; nothing for the 45 already as declared.
    sent = [(r['method'], r['path']) for r in writes(log)]
    expected = []
    for i in waiting:
        expected.extend([('POST', ORDERS + orders[i] + '/approve_by_provider/'),
                         ('POST', RESOURCES + site.allocation_uuid(i) + '/set_backend_id/'),
                         ('POST', RESOURCES + site.allocation_uuid(i) + '/submit_report/'),
                         ('POST', ORDERS + orders[i] + '/set_state_done/')])
    assert sorted(sent) == sorted(expected)
    for i in waiting:
        steps = [sent.index(step) for step in expected[4 * waiting.index(i):4 * waiting.index(i) + 4]]
        assert steps == sorted(steps), 'allocation %d: steps out of order' % i
    assert all(r['status'] == 200 for r in writes(log))
    # Reads, at the floor: the site once in ceil(N / 200) pages (the bulk task decides the orders nobody declared from
    # it), and the open orders once, twice on 7.0.7 (its order filter refuses pending-start-date with HTTP 400).
    assert full_listing_pages(log) == site.pages(N)
    assert per_allocation_gets(log) == []
    assert len(gets(log, RESOURCES)) == site.pages(N)
    assert len(gets(log, ORDERS)) == 2
    assert len([r for r in log if r['method'] == 'GET']) == len(gets(log, RESOURCES)) + len(gets(log, ORDERS))

    # The second run: nothing to send, and no more reading than the first run.
    assert writes(emu.requests) == []
    assert full_listing_pages(emu.requests) == site.pages(N)
    assert per_allocation_gets(emu.requests) == []
    assert len(emu.requests) <= len([r for r in log if r['method'] == 'GET'])

    # Independent read: every allocation OK with its declared account and report.
    listed = api_get(emu, 'marketplace-provider-resources/', emu.TOKENS['staff'],
                     params={'page_size': 200, 'field': ['uuid', 'state', 'backend_id', 'report']})
    now = dict((r['uuid'], r) for r in listed)
    assert len(now) == N
    for wanted in site.declared(N):
        assert (now[wanted['uuid']]['state'], now[wanted['uuid']]['backend_id'], now[wanted['uuid']]['report']) == \
            ('OK', wanted['backend_id'], wanted['report'])


@pytest.mark.parametrize('parallel', [1, 8])
def test_report_a_site_usage_at_the_floor(bench_site, run_play, tmp_path, parallel):
    emu = bench_site
    # Usage can be reported for OK allocations only: the waiting ones are finished first, directly in the emulator.
    for i in site.waiting_indexes(N, WAITING):
        resource = emu.store.resources[site.allocation_uuid(i)]
        resource.state, resource.backend_id = 'OK', site.backend_id(i)
        emu.store.orders_of(resource)[0].state = 'done'
    usage_csv = tmp_path / 'usage.csv'
    usage_csv.write_text(site.usage_csv(N))
    playbook = os.path.join(REPO_ROOT, 'playbooks', 'report_usage.yml')
    extravars = dict(connection(emu), puhuri_usage_file=str(usage_csv), puhuri_parallel=parallel)

    log = run_twice(emu, run_play, playbook, extravars)

    # One set_usage per allocation (all three components together), nothing else written; none on the second run.
    assert [(r['method'], r['path'], r['status']) for r in writes(log)] == [('POST', SET_USAGE, 201)] * N
    assert writes(emu.requests) == []
    for run_log in (log, emu.requests):
        assert full_listing_pages(run_log) == site.pages(N), 'listing pages of the site'
        assert len(gets(run_log, RESOURCES)) == site.pages(N), 'the site is listed once'
        assert per_allocation_gets(run_log) == []
        assert [r for r in run_log if r['path'].startswith(USAGES) and r['method'] == 'GET' and r['path'] != USAGES] == []
        # The floor's reads and nothing more: the site, the one offering, the month's usage.
        assert [r['path'] for r in run_log if r['method'] == 'GET' and r['path'] not in (RESOURCES, USAGES)] == [
            '/api/marketplace-provider-offerings/%s/' % site.SLURM_OFFERING_UUID]
    assert len(gets(log, USAGES)) == 1  # nothing recorded yet: one empty page
    assert len(gets(emu.requests, USAGES)) == site.pages(3 * N)

    # Independent read: this month's rows are the reported totals.
    period = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-01')
    rows = api_get(emu, 'marketplace-component-usages/', emu.TOKENS['staff'],
                   params={'offering_uuid': site.SLURM_OFFERING_UUID, 'billing_period': period, 'page_size': 200})
    assert collections.Counter((r['resource_uuid'], r['type'], r['usage']) for r in rows) == collections.Counter(
        (site.allocation_uuid(int(row['backend_id'].split('-')[1])), row['component'], row['amount']) for row in site.usage(N))
