# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""puhuri.core.puhuri_usage run by ansible-playbook against the emulator over HTTP.

Each play is checked through an independent read (plain requests, staff token) and the emulator's request log.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import math
import time

import pytest

from helpers import api_get, writes

pytestmark = pytest.mark.integration

SET_USAGE = '/api/marketplace-component-usages/set_usage/'
RESOURCE_DETAIL = '/api/marketplace-provider-resources/%s/'
ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'  # Slurm, OK: cpu/gpu limit, gb usage
ALLOC_2 = 'd1ef749f4116433ba14ff9268c6382cf'  # Slurm, Creating
VM_1 = '3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12'     # Basic, OK: all usage
VM_2 = '4b8c0e3a6d9f4a1b0c5e7d3f9a2b1c23'     # Basic, OK


def this_month():
    today = datetime.datetime.now(datetime.timezone.utc)
    return today.year, today.month


def shift(month, delta):
    index = month[0] * 12 + month[1] - 1 + delta
    return index // 12, index % 12 + 1


def text(month):
    return '%04d-%02d' % month


def usage_task(emulator, name, user='sp-owner', ignore_errors=False, **options):
    options.update(api_url=emulator.url, api_token=emulator.TOKENS[user])
    task = {'name': name, 'puhuri.core.puhuri_usage': options}
    if ignore_errors:
        task['ignore_errors'] = True
    return task


def recorded(emulator, resource_uuid, month=None):
    """{type: (usage, description)} of the month, read independently."""
    rows = api_get(emulator, 'marketplace-component-usages/', emulator.TOKENS['staff'],
                   params={'resource_uuid': resource_uuid, 'billing_period': '%04d-%02d-01' % (month or this_month())})
    return dict((r['type'], (r['usage'], r['description'])) for r in rows)


def current_usages(emulator, resource_uuid):
    return api_get(emulator, 'marketplace-provider-resources/%s/' % resource_uuid, emulator.TOKENS['staff'])['current_usages']


def posts_per_task(emulator, resource_uuid):
    """The number of set_usage calls made by each single-form task (a task starts with its allocation read)."""
    counts = []
    for call in emulator.requests:
        if call['method'] == 'GET' and call['path'] == RESOURCE_DETAIL % resource_uuid:
            counts.append(0)
        elif call['method'] == 'POST' and call['path'] == SET_USAGE:
            counts[-1] += 1
    return counts


def test_first_same_higher_lower_and_refusals_of_one_allocation(emulator, run_play):
    tasks = [
        usage_task(emulator, 'first', resource_uuid=VM_1, usages={'cpu_k_hours': 12.5, 'gb_k_hours': 3}, description='Nov'),
        usage_task(emulator, 'same again', resource_uuid=VM_1, usages={'cpu_k_hours': '12.50', 'gb_k_hours': 3.0}),
        usage_task(emulator, 'higher, one component', resource_uuid=VM_1, usages=[{'type': 'cpu_k_hours', 'amount': '13'}]),
        usage_task(emulator, 'lower', ignore_errors=True, resource_uuid=VM_1, usages={'cpu_k_hours': 12}),
        usage_task(emulator, 'lower allowed', resource_uuid=VM_1, usages={'cpu_k_hours': 12}, allow_decrease=True),
        usage_task(emulator, 'unknown component', ignore_errors=True, resource_uuid=VM_1, usages={'ram_gb': 1, 'cpu_k_hours': 20}),
        usage_task(emulator, 'creating', ignore_errors=True, resource_uuid=ALLOC_2, usages={'gb_k_hours': 1}),
        usage_task(emulator, 'service-provider manager', user='sp-manager', ignore_errors=True, resource_uuid=VM_1,
                   usages={'gpu_k_hours': 2}),
        usage_task(emulator, 'offering manager', user='offering-manager', resource_uuid=VM_1, usages={'gpu_k_hours': 2}),
    ]
    result = run_play(tasks)
    assert result.rc == 0, result

    first = result['first']
    assert first['changed'] is True and first['period'] == text(this_month())
    assert first['before'] == {} and first['after'] == {'cpu_k_hours': '12.50', 'gb_k_hours': '3.00'}
    assert first['results'][0]['diff'] == {'cpu_k_hours': {'before': None, 'after': '12.50'},
                                           'gb_k_hours': {'before': None, 'after': '3.00'}}
    assert result['same again']['changed'] is False and result['same again']['results'][0]['msg'] == 'unchanged'
    higher = result['higher, one component']
    assert higher['changed'] is True and higher['results'][0]['diff'] == {'cpu_k_hours': {'before': '12.50', 'after': '13.00'}}
    assert higher['after'] == {'cpu_k_hours': '13.00', 'gb_k_hours': '3.00'}
    lower = result['lower']
    assert lower['failed'] and lower['changed'] is False
    assert lower['msg'] == ('allocation %s was not reported: would lower the recorded month-to-date total of '
                            'cpu_k_hours 13.00 -> 12.00; set allow_decrease: true to lower it' % VM_1)
    assert result['lower allowed']['changed'] is True
    assert result['lower allowed']['after'] == {'cpu_k_hours': '12.00', 'gb_k_hours': '3.00'}
    unknown = result['unknown component']
    assert unknown['failed'] and unknown['msg'] == (
        'allocation %s was not reported: unknown component type(s) ram_gb; the offering accepts: '
        'cpu_k_hours, gb_k_hours, gpu_k_hours' % VM_1)
    creating = result['creating']
    assert creating['failed'] and creating['msg'] == (
        'allocation %s was not reported: it is in state Creating; usage can be reported only in state OK, Updating, '
        'Terminating' % ALLOC_2)
    manager = result['service-provider manager']
    assert manager['failed'] and manager['msg'] == (
        'allocation %s was not reported: POST %s failed (HTTP 403): You do not have permission to perform this action.'
        % (VM_1, SET_USAGE))
    assert result['offering manager']['changed'] is True

    # Writes only where a value changed (the 403 is a refused write), and every call carried every component.
    assert posts_per_task(emulator, VM_1) == [1, 0, 1, 0, 1, 0, 1, 1]
    assert [c['status'] for c in emulator.requests if c['path'] == SET_USAGE] == [201, 201, 201, 403, 201]
    assert recorded(emulator, VM_1) == {'cpu_k_hours': ('12.00', 'Nov'), 'gb_k_hours': ('3.00', 'Nov'), 'gpu_k_hours': ('2.00', '')}
    assert current_usages(emulator, VM_1) == {'cpu_k_hours': '12.00', 'gb_k_hours': '3.00', 'gpu_k_hours': '2.00'}
    assert recorded(emulator, ALLOC_2) == {}


def test_check_mode_decides_the_same_and_writes_nothing(emulator, run_play):
    tasks = [
        usage_task(emulator, 'single', resource_uuid=VM_1, usages={'cpu_k_hours': 12.5}),
        usage_task(emulator, 'bulk', allocations=[{'resource_uuid': ALLOC_1, 'usages': {'cpu_k_hours': 4, 'gb_k_hours': '0.25'}},
                                                  {'resource_uuid': VM_2, 'usages': {'gb_k_hours': 1}}]),
    ]
    result = run_play(tasks, check=True, diff=True)
    assert result.rc == 0, result
    assert result['single']['changed'] is True and result['single']['after'] == {'cpu_k_hours': '12.50'}
    assert result['single']['results'][0]['msg'] == 'would be reported (check mode)'
    bulk = result['bulk']['results']
    assert [r['changed'] for r in bulk] == [True, True]
    assert bulk[0]['after'] == {'cpu_k_hours': '4.00', 'gb_k_hours': '0.25'}
    assert '"cpu_k_hours": "12.50"' in result.stdout  # --diff shows the new totals
    assert emulator.requests and not writes(emulator.requests)
    assert recorded(emulator, VM_1) == recorded(emulator, ALLOC_1) == {}


def test_bulk_reports_the_good_allocations_and_fails_listing_the_others(emulator, run_play):
    report = [
        {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1, 'gpu_k_hours': 0, 'gb_k_hours': 2}},
        {'resource_uuid': ALLOC_2, 'usages': {'gb_k_hours': 1}},
        {'resource_uuid': '2F6A8C1E-4B7D-4E9A-8F3C-5B1D7E9A0C11', 'usages': {'cpu_k_hours': 4, 'gb_k_hours': '0.25'},
         'description': 'own'},
        {'resource_uuid': VM_2, 'usages': {'ram_gb': 1}},
        {'resource_uuid': '00000000000000000000000000000000', 'usages': {'cpu_k_hours': 1}},
        {'resource_uuid': 'vm-3', 'usages': {'cpu_k_hours': 1.234}},
    ]
    result = run_play([usage_task(emulator, 'bulk', ignore_errors=True, allocations=report, description='site report')])
    calls = [(c['method'], c['path']) for c in emulator.requests]
    bulk = result['bulk']
    assert bulk['failed'] and bulk['changed'] is True
    assert [(r['resource_uuid'], r['changed'], r['failed']) for r in bulk['results']] == [
        (VM_1, True, False), (ALLOC_2, False, True), (report[2]['resource_uuid'], True, False), (VM_2, False, True),
        (report[4]['resource_uuid'], False, True), ('vm-3', False, True)]
    assert bulk['msg'] == (
        '4 of 6 allocations were not reported for %s: '
        '%s: it is in state Creating; usage can be reported only in state OK, Updating, Terminating; '
        '%s: unknown component type(s) ram_gb; the offering accepts: cpu_k_hours, gb_k_hours, gpu_k_hours; '
        '00000000000000000000000000000000: not found, or this token cannot see it; '
        "vm-3: resource_uuid must be a UUID (32 hex characters, dashes allowed), got 'vm-3'; "
        'amount of cpu_k_hours must have at most 2 decimals, got 1.234' % (text(this_month()), ALLOC_2, VM_2))
    assert recorded(emulator, VM_1) == {'cpu_k_hours': ('1.00', 'site report'), 'gpu_k_hours': ('0.00', 'site report'),
                                        'gb_k_hours': ('2.00', 'site report')}
    assert recorded(emulator, ALLOC_1) == {'cpu_k_hours': ('4.00', 'own'), 'gb_k_hours': ('0.25', 'own')}
    assert recorded(emulator, VM_2) == {}
    # Listings, not one read per allocation: resources once, each offering once, its month's usage once.
    assert sorted(calls) == sorted([
        ('GET', '/api/marketplace-provider-resources/'),
        ('GET', '/api/marketplace-provider-offerings/dddc08b4d5d05f45977168ee373b71ca/'),
        ('GET', '/api/marketplace-provider-offerings/589178d685345873968f291a0fe38482/'),
        ('GET', '/api/marketplace-component-usages/'), ('GET', '/api/marketplace-component-usages/'),
        ('POST', SET_USAGE), ('POST', SET_USAGE)])

    emulator.clear_requests()
    good = [report[0], dict(report[2], usages={'gb_k_hours': '0.25'})]
    again = run_play([usage_task(emulator, 'again', allocations=good, description='site report')])
    assert again.rc == 0, again
    assert again['again']['changed'] is False and [r['msg'] for r in again['again']['results']] == ['unchanged', 'unchanged']
    assert not writes(emulator.requests)


def test_bulk_by_backend_id_from_the_one_listing_skips_or_fails_unknown_accounts(emulator, run_play):
    provider = '9fc511a42dda5ab5beae89e750ad1483'
    for uuid, backend_id in ((ALLOC_1, 'hpc_a'), (VM_1, 'shared'), (VM_2, 'shared'), (ALLOC_2, 'pending_acct')):
        emulator.store.resources[uuid].backend_id = backend_id
    tasks = [
        usage_task(emulator, 'bad items', ignore_errors=True, offering_uuid='slurm', allocations=[
            {'usages': {'cpu_k_hours': 1}}, {'resource_uuid': VM_1, 'backend_id': 'x', 'usages': {'cpu_k_hours': 1}}]),
        usage_task(emulator, 'by backend_id', ignore_errors=True, provider_uuid=provider, allocations=[
            {'backend_id': 'hpc_a', 'usages': {'cpu_k_hours': 2}}, {'backend_id': 'shared', 'usages': {'cpu_k_hours': 1}},
            {'backend_id': 'nope', 'usages': {'cpu_k_hours': 1}}, {'backend_id': 'pending_acct', 'usages': {'gb_k_hours': 1}},
            {'resource_uuid': ALLOC_1, 'usages': {'gb_k_hours': 1}}]),
        usage_task(emulator, 'skip', skip_unknown=True, allocations=[
            {'backend_id': 'hpc_a', 'usages': {'cpu_k_hours': 2}}, {'backend_id': 'nope', 'usages': {'cpu_k_hours': 1}}]),
    ]
    result = run_play(tasks)
    assert result['bad items']['msg'] == (
        "offering_uuid must be a UUID (32 hex characters, dashes allowed), got 'slurm'; "
        'allocations[0] needs exactly one of resource_uuid and backend_id; '
        'allocations[1] needs exactly one of resource_uuid and backend_id')
    by_backend_id = result['by backend_id']['results']
    assert [(r['resource_uuid'], r.get('backend_id'), r.get('name'), r['changed'], r['failed']) for r in by_backend_id] == [
        (ALLOC_1, 'hpc_a', 'alloc-1', True, False), (None, 'shared', None, False, True), (None, 'nope', None, False, True),
        (None, 'pending_acct', None, False, True), (ALLOC_1, None, None, False, True)]
    assert by_backend_id[1]['msg'] == ("backend_id 'shared' belongs to several allocations (%s, %s); give the resource_uuid instead"
                                       % (VM_1, VM_2))
    assert by_backend_id[2]['msg'] == "no allocation in state OK, Updating, Terminating has backend_id 'nope'"
    assert by_backend_id[3]['msg'] == ("no allocation in state OK, Updating, Terminating has backend_id 'pending_acct' "
                                       '(%s is in state Creating)' % ALLOC_2)
    assert by_backend_id[4]['msg'] == ('it is the allocation of backend_id hpc_a as well; '
                                       'give each allocation once, with all its components')
    assert result['by backend_id']['msg'].startswith('4 of 5 allocations were not reported for %s: backend_id shared: '
                                                     % text(this_month()))
    skipped = result['skip']['results']
    assert result['skip']['changed'] is False and [(r['changed'], r['failed'], r['skipped']) for r in skipped] == [
        (False, False, False), (False, False, True)]
    assert skipped[1]['msg'] == "skipped: no allocation in state OK, Updating, Terminating has backend_id 'nope'"
    assert recorded(emulator, ALLOC_1) == {'cpu_k_hours': ('2.00', '')}
    # The bad items sent nothing; each bulk task listed the allocations once, narrowed to the provider when asked.
    listings = [c for c in emulator.requests if c['method'] == 'GET' and c['path'] == '/api/marketplace-provider-resources/']
    assert [c['query'].get('provider_uuid') for c in listings] == [[provider], None]
    assert [(c['method'], c['path']) for c in writes(emulator.requests)] == [('POST', SET_USAGE)]


def test_past_month_on_8x_pins_the_month_and_on_707_fails_before_writing(emulator, emulator_8x, run_play):
    last = shift(this_month(), -1)
    tasks = [
        usage_task(emulator_8x, 'past', resource_uuid=VM_1, period=text(last), usages={'cpu_k_hours': 5}),
        usage_task(emulator_8x, 'past again', resource_uuid=VM_1, period=text(last), usages={'cpu_k_hours': 5}),
        usage_task(emulator_8x, 'future', ignore_errors=True, resource_uuid=VM_1, period=text(shift(this_month(), 1)),
                   usages={'cpu_k_hours': 5}),
        usage_task(emulator, '7.0.7 past', ignore_errors=True, resource_uuid=VM_1, period=text(last), usages={'cpu_k_hours': 5}),
        usage_task(emulator, 'bad period', ignore_errors=True, resource_uuid=VM_1, period='2026-13', usages={'cpu_k_hours': 5}),
        {'name': 'bad token', 'ignore_errors': True, 'puhuri.core.puhuri_usage': {
            'api_url': emulator.url, 'api_token': '0' * 40, 'allocations': [{'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 5}}]}},
    ]
    result = run_play(tasks)
    assert result['past']['changed'] is True and result['past']['period'] == text(last)
    assert result['past']['results'][0]['msg'] == (
        'reported for the past month %s (sent with date; read back from the server)' % text(last))
    calls = [(c['method'], c['path']) for c in emulator_8x.requests]
    write_at = calls.index(('POST', SET_USAGE), calls.index(('POST', SET_USAGE)) + 1)
    assert calls[write_at + 1] == ('GET', '/api/marketplace-component-usages/')  # the read-back of the month
    assert result['past again']['changed'] is False
    assert recorded(emulator_8x, VM_1, last) == {'cpu_k_hours': ('5.00', '')}
    assert recorded(emulator_8x, VM_1) == {}
    assert result['future']['msg'] == 'allocation %s was not reported: period %s is in the future (the server\'s current ' \
        'month is %s)' % (VM_1, text(shift(this_month(), 1)), text(this_month()))
    # 8.x: one probe (rejected, records nothing) before the one real write; the unchanged re-run sends nothing.
    assert [c['status'] for c in emulator_8x.requests if c['method'] == 'POST'] == [400, 201]
    assert result['7.0.7 past']['msg'] == (
        'allocation %s was not reported: period %s is a past month, but this server records usage only for its current '
        'month (%s): it does not take a date (Waldur before 7.9, such as 7.0.7); nothing was sent'
        % (VM_1, text(last), text(this_month())))
    assert result['bad period']['msg'] == "period must be a month as YYYY-MM, e.g. 2026-11, got '2026-13'"
    bad_token = result['bad token']
    assert bad_token['msg'] == 'GET /api/marketplace-provider-resources/ failed (HTTP 401): Invalid token.'
    assert bad_token['results'][0]['failed'] and bad_token['results'][0]['msg'] == bad_token['msg']
    assert '0' * 40 not in result.stdout
    assert [c['status'] for c in emulator.requests if c['method'] == 'POST'] == [400]
    assert recorded(emulator, VM_1) == recorded(emulator, VM_1, last) == {}


def test_a_month_change_between_read_and_write_is_reported_not_hidden(emulator, run_play):
    """7.0.7 records into its month at write time: a write that lands in the next month fails, naming both."""
    clock = [datetime.datetime(2026, 11, 30, 23, 59, 58, tzinfo=datetime.timezone.utc)]
    emulator.set_now(lambda: clock[0])
    dispatch = emulator.dispatch

    def midnight_before_set_usage(req):
        if req.method == 'POST' and req.path == SET_USAGE:
            clock[0] = datetime.datetime(2026, 12, 1, 0, 0, 1, tzinfo=datetime.timezone.utc)
        return dispatch(req)

    emulator.dispatch = midnight_before_set_usage
    result = run_play([usage_task(emulator, 'report', ignore_errors=True, resource_uuid=VM_1, usages={'cpu_k_hours': 5})])
    report = result['report']
    assert report['failed'] and report['changed'] is True and report['period'] == '2026-11'
    assert report['msg'] == ("allocation %s was not reported: the server's month changed to 2026-12 during the task, so "
                             'these totals meant for 2026-11 were recorded for 2026-12; correct 2026-12 (with '
                             'allow_decrease: true)' % VM_1)
    assert recorded(emulator, VM_1, (2026, 12)) == {'cpu_k_hours': ('5.00', '')}
    assert recorded(emulator, VM_1, (2026, 11)) == {}


def test_bad_input_fails_before_any_request(emulator, run_play):
    tasks = [
        usage_task(emulator, 'amount', ignore_errors=True, resource_uuid=VM_1, usages={'cpu_k_hours': -1, 'gb_k_hours': 'lots'}),
        usage_task(emulator, 'uuid', ignore_errors=True, resource_uuid='vm-1', usages={'cpu_k_hours': 1}),
        usage_task(emulator, 'twice', ignore_errors=True, allocations=[
            {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}}, {'resource_uuid': VM_1.upper(), 'usages': {'gb_k_hours': 1}}]),
        usage_task(emulator, 'both forms', ignore_errors=True, resource_uuid=VM_1, usages={'cpu_k_hours': 1},
                   allocations=[{'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}}]),
    ]
    result = run_play(tasks)
    assert result['amount']['msg'] == ('amount of cpu_k_hours must not be negative (the amount is the month-to-date total), '
                                       "got -1; amount of gb_k_hours must be a number, got 'lots'")
    assert result['uuid']['msg'] == "resource_uuid must be a UUID (32 hex characters, dashes allowed), got 'vm-1'"
    assert result['twice']['msg'] == ('allocations lists these allocations more than once (give each once, with all its '
                                      'components): %s' % VM_1.upper())
    assert 'mutually exclusive' in result['both forms']['msg']
    assert emulator.requests == []


@pytest.mark.slow
def test_a_site_of_1000_allocations_with_3_components_in_one_task(run_play):
    """Bulk at scale: the first report writes once per allocation; the re-run reads listings only and writes nothing."""
    from emulator import Emulator
    emu = Emulator(extra_allocations=1450)  # about 70% of them are OK
    emu.start()
    try:
        resources, page = [], 1
        while page:
            chunk = api_get(emu, 'marketplace-provider-resources/', emu.TOKENS['staff'],
                            params={'state': 'OK', 'page_size': 300, 'page': page, 'name': 'alloc-bulk'})
            resources += chunk
            page = page + 1 if len(chunk) == 300 else None
        report = [{'resource_uuid': r['uuid'], 'usages': {'cpu_k_hours': n % 50 + 0.25, 'gpu_k_hours': n % 7, 'gb_k_hours': '1.5'}}
                  for n, r in enumerate(resources[:1000])]
        assert len(report) == 1000
        emu.clear_requests()
        task = usage_task(emu, 'site', allocations=report)
        started = time.monotonic()
        first = run_play([task])
        first_seconds = time.monotonic() - started
        assert first.rc == 0, first
        assert all(r['changed'] for r in first['site']['results'])
        resource_pages = math.ceil(len(emu.store.resources) / 200.0)
        reported = resources[:1000]
        per_offering = [sum(1 for r in reported if r['offering_uuid'] == o) for o in {r['offering_uuid'] for r in reported}]
        first_reads = [c for c in emu.requests if c['method'] == 'GET']
        assert len(writes(emu.requests)) == len(report)
        # Resources listing, 2 offerings, and per offering one page of its (still empty) month's usage.
        assert len(first_reads) == resource_pages + 2 + 2
        emu.clear_requests()
        started = time.monotonic()
        again = run_play([task])
        again_seconds = time.monotonic() - started
        assert again.rc == 0 and again['site']['changed'] is False
        assert not writes(emu.requests)
        assert len(emu.requests) == resource_pages + 2 + sum(math.ceil(3 * n / 200.0) for n in per_offering)
        print('1000-allocation site report: first run %.1fs (%d requests), re-run %.1fs (%d requests, 0 writes)'
              % (first_seconds, len(first_reads) + len(report), again_seconds, len(emu.requests)))
        assert first_seconds < 60 and again_seconds < 30
    finally:
        emu.stop()


def test_a_description_with_trailing_white_space_is_not_re_sent(emulator, run_play):
    task = usage_task(emulator, 'report', resource_uuid=VM_1, usages={'cpu_k_hours': 4}, description='nightly run\n')
    first = run_play([task])
    assert first.rc == 0 and first['report']['changed'], first
    assert recorded(emulator, VM_1)['cpu_k_hours'] == ('4.00', 'nightly run')
    emulator.clear_requests()
    again = run_play([task])
    assert again.rc == 0 and not again['report']['changed'], again
    assert writes(emulator.requests) == []


@pytest.mark.parametrize('fault,landed', [('drop_after', True), ('drop', False)])
def test_a_set_usage_whose_answer_was_lost_is_read_back(emulator, run_play, fault, landed):
    """No retries: the one set_usage meets the fault; what the server then holds decides changed and failed."""
    emulator.faults.configure(rates={fault: 1.0}, match='set_usage')
    result = run_play([usage_task(emulator, 'report', ignore_errors=True, resource_uuid=VM_1, retries=0,
                                  usages={'cpu_k_hours': 7})])
    emulator.faults.configure(rates={})
    res = result['report']
    assert [r['fault'] for r in emulator.requests if r['path'] == SET_USAGE] == [fault]
    assert res['changed'] is landed and res['failed'] is not landed, res
    assert ('cpu_k_hours' in recorded(emulator, VM_1)) is landed
    if landed:
        assert 'read back, the server holds it' in res['results'][0]['msg']


def user_usages(emulator, resource_uuid):
    """{(type, username): usage} of the month, read independently."""
    rows = api_get(emulator, 'marketplace-component-user-usages/', emulator.TOKENS['staff'],
                   params={'resource_uuid': resource_uuid, 'component_usage__billing_period': '%04d-%02d-01' % this_month()})
    return dict(((r['component_type'], r['username']), r['usage']) for r in rows)


def user_usage_posts(emulator):
    return [c['path'].rsplit('/', 2)[-2] for c in emulator.requests if c['method'] == 'POST' and 'set_user_usage' in c['path']]


@pytest.mark.parametrize('server', ['7.0.7', '8.x'])
def test_per_user_usage_check_apply_and_re_run(emulator, emulator_8x, run_play, server):
    emu = emulator if server == '7.0.7' else emulator_8x
    task = usage_task(emu, 'report', resource_uuid=VM_1, usages={'cpu_k_hours': 10, 'gb_k_hours': 1},
                      users={'alice': {'cpu_k_hours': 2.5, 'gb_k_hours': 1}, 'bob': {'cpu_k_hours': '7.5'}})
    check = run_play([task], check=True, diff=True)
    assert check.rc == 0 and check['report']['changed'], check
    assert check['report']['results'][0]['users_after'] == {'alice': {'cpu_k_hours': '2.50', 'gb_k_hours': '1.00'},
                                                            'bob': {'cpu_k_hours': '7.50'}}
    assert check['report']['diff'][0]['after']['users']['bob'] == {'cpu_k_hours': '7.50'}
    assert writes(emu.requests) == []

    emu.clear_requests()
    applied = run_play([task])
    assert applied.rc == 0 and applied['report']['changed'], applied
    assert user_usages(emu, VM_1) == {('cpu_k_hours', 'alice'): '2.50', ('gb_k_hours', 'alice'): '1.00',
                                      ('cpu_k_hours', 'bob'): '7.50'}
    # 8.x: one bulk call for the component with two users; 7.0.7 has none (one 404), then one call per user.
    expected = ['set_user_usages', 'set_user_usage'] if server == '8.x' else ['set_user_usages'] + ['set_user_usage'] * 3
    assert sorted(user_usage_posts(emu)) == sorted(expected)

    emu.clear_requests()
    again = run_play([task])
    assert again.rc == 0 and not again['report']['changed'], again
    assert writes(emu.requests) == []

    # One user's value changes: only that one is sent.
    emu.clear_requests()
    task['puhuri.core.puhuri_usage']['users']['bob'] = {'cpu_k_hours': 7}
    changed = run_play([task])
    assert changed.rc == 0 and changed['report']['changed'], changed
    assert user_usage_posts(emu) == ['set_user_usage']
    assert user_usages(emu, VM_1)[('cpu_k_hours', 'bob')] == '7.00'


def test_per_user_usage_above_the_total_or_of_an_undeclared_component_is_refused_before_sending(emulator, run_play):
    result = run_play([
        usage_task(emulator, 'too much', ignore_errors=True, resource_uuid=VM_1, usages={'cpu_k_hours': 3},
                   users={'alice': {'cpu_k_hours': 2}, 'bob': {'cpu_k_hours': 1.5}}),
        usage_task(emulator, 'undeclared', ignore_errors=True, resource_uuid=VM_1, usages={'cpu_k_hours': 3},
                   users={'alice': {'gb_k_hours': 1}}),
    ])
    assert result['too much']['failed'] and 'adds up to 3.50' in result['too much']['msg'], result['too much']
    assert result['undeclared']['failed'] and 'gb_k_hours' in result['undeclared']['msg']
    assert emulator.requests == []


# --- the rows form (rows, src) -----------------------------------------------------------------------------------

LISTING = ('GET', '/api/marketplace-provider-resources/')


def listings(emulator):
    return [(c['method'], c['path']) for c in emulator.requests].count(LISTING)


def test_rows_form_from_csv_and_json_files_check_apply_and_nothing_to_do(emulator, run_play, tmp_path):
    emulator.store.resources[ALLOC_1].backend_id = 'hpc_a'
    emulator.store.resources[VM_1].backend_id = 'vm_one'
    usage_csv = tmp_path / 'usage.csv'
    usage_csv.write_text('# sacct\nBackend_ID|Component|Amount|extra\nhpc_a|cpu_k_hours|1.004|x\n\n'
                         'hpc_a|cpu_k_hours|2.001|y\nvm_one|gb_k_hours|3|z\n')
    usage_json = tmp_path / 'usage.json'
    usage_json.write_text('[{"uuid": "%s", "component": "cpu_k_hours", "amount": 0.5, "description": "vm"}]' % VM_2)
    tasks = [usage_task(emulator, 'csv', src=str(usage_csv), csv_delimiter='|', provider_uuid='9fc511a42dda5ab5beae89e750ad1483'),
             usage_task(emulator, 'json', src=str(usage_json), format='json')]

    check = run_play(tasks, check=True, diff=True)
    assert check.rc == 0, check
    assert check['csv']['changed'] and check['json']['changed']
    assert [r['msg'] for r in check['csv']['results']] == ['would be reported (check mode)'] * 2
    assert not writes(emulator.requests) and listings(emulator) == 2
    assert recorded(emulator, ALLOC_1) == recorded(emulator, VM_1) == recorded(emulator, VM_2) == {}

    emulator.clear_requests()
    applied = run_play(tasks, diff=True)
    assert applied.rc == 0, applied
    csv_result = applied['csv']
    assert [(r['resource_uuid'], r['name'], r['changed'], r['after']) for r in csv_result['results']] == [
        (ALLOC_1, 'alloc-1', True, {'cpu_k_hours': '3.01'}), (VM_1, 'vm-1', True, {'gb_k_hours': '3.00'})]
    assert csv_result['results'][0]['row_sums'] == {'cpu_k_hours': '3.005'}
    assert 'cpu_k_hours 3.005 -> 3.01' in csv_result['diff'][0]['after_header']
    assert csv_result['unchanged'] == 0 and csv_result['skipped_rows'] == []
    # The rows are not returned again in the invocation (they may be thousands).
    assert csv_result['invocation']['module_args']['rows'] == '(0 rows)'
    assert recorded(emulator, ALLOC_1) == {'cpu_k_hours': ('3.01', '')}
    assert recorded(emulator, VM_1) == {'gb_k_hours': ('3.00', '')}
    assert recorded(emulator, VM_2) == {'cpu_k_hours': ('0.50', 'vm')}
    assert [(c['method'], c['path']) for c in writes(emulator.requests)] == [('POST', SET_USAGE)] * 3
    assert listings(emulator) == 2  # one listing per task, also for the rows' account names

    emulator.clear_requests()
    again = run_play(tasks)
    assert again.rc == 0, again
    assert [(again[name]['changed'], again[name]['results'], again[name]['unchanged']) for name in ('csv', 'json')] == [
        (False, [], 2), (False, [], 1)]
    assert not writes(emulator.requests)


def test_rows_form_names_every_bad_row_at_once_and_writes_nothing(emulator, run_play, tmp_path):
    emulator.store.resources[ALLOC_1].backend_id = 'hpc_a'
    emulator.store.resources[VM_1].backend_id = 'shared'
    emulator.store.resources[VM_2].backend_id = 'shared'
    emulator.store.resources[ALLOC_2].backend_id = 'pending_acct'  # Creating: usage cannot be reported for it
    rows = [{'backend_id': 'hpc_a', 'component': 'cpu_k_hours', 'amount': 1},
            {'backend_id': 'nope', 'component': 'cpu_k_hours', 'amount': 1},
            {'uuid': VM_1, 'backend_id': 'hpc_a', 'component': '', 'amount': -1},
            {'backend_id': 'hpc_a', 'component': 'gb_k_hours', 'amount': 'lots', 'source': 'acct line 9'},
            {'backend_id': 'shared', 'component': 'cpu_k_hours', 'amount': 1},
            {'backend_id': 'pending_acct', 'component': 'gb_k_hours', 'amount': 1},
            {'backend_id': 'hpc_a', 'user': 'alice', 'component': 'cpu_k_hours', 'amount': 1, 'colour': 'red'}]
    empty = tmp_path / 'empty.csv'
    empty.write_text('')
    tasks = [usage_task(emulator, 'bad rows', ignore_errors=True, rows=rows),
             usage_task(emulator, 'bad rows and a file', ignore_errors=True, rows=rows[:2], src=str(empty)),
             usage_task(emulator, 'both forms', ignore_errors=True, rows=rows[:1],
                        allocations=[{'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}}])]
    result = run_play(tasks)
    message = result['bad rows']['msg']
    assert result['bad rows']['failed'] and result['bad rows']['changed'] is False
    assert message == 'usage rows: ' + '; '.join([
        "rows[1]: backend_id 'nope' is not one of the allocations usage can be reported for",
        'rows[2]: needs exactly one of backend_id and uuid; needs a component (for example cpu_k_hours); '
        'amount must be a number of at least 0, got -1',
        "acct line 9: amount must be a number of at least 0, got 'lots'",
        "rows[4]: backend_id 'shared' belongs to several allocations (%s, %s); name the allocation by uuid" % (VM_1, VM_2),
        "rows[5]: backend_id 'pending_acct' is not one of the allocations usage can be reported for",
        'rows[6]: unknown key(s) colour (allowed: backend_id, uuid, user, component, amount, description, source)',
        'rows of accounts that are not Puhuri allocations can be skipped (skip_unknown: true; in the role '
        'puhuri.core.report_usage, puhuri_usage_unknown: skip)'])
    assert "rows[1]: backend_id 'nope'" in result['bad rows and a file']['msg']
    assert 'mutually exclusive' in result['both forms']['msg']
    # Only the one listing of each task with rows was read; nothing was written.
    assert [(c['method'], c['path']) for c in emulator.requests] == [LISTING, LISTING]
    assert recorded(emulator, ALLOC_1) == {}


def test_rows_form_skip_unknown_returns_the_skipped_rows_and_an_empty_file_sends_nothing(emulator, run_play, tmp_path):
    emulator.store.resources[ALLOC_1].backend_id = 'hpc_a'
    rows = [{'backend_id': 'hpc_a', 'component': 'cpu_k_hours', 'amount': 2},
            {'backend_id': 'local_only', 'component': 'cpu_k_hours', 'amount': 1},
            {'uuid': '00000000000000000000000000000000', 'component': 'cpu_k_hours', 'amount': 1, 'source': 'cmd item 3'},
            {'backend_id': 'local_only', 'component': 'gb_k_hours', 'amount': 1}]
    result = run_play([usage_task(emulator, 'skip', rows=rows, skip_unknown=True)])
    assert result.rc == 0, result
    skip = result['skip']
    assert skip['skipped_rows'] == ['rows[1]', 'cmd item 3', 'rows[3]']
    assert [(r['resource_uuid'], r.get('backend_id'), r['changed'], r['skipped']) for r in skip['results']] == [
        (ALLOC_1, None, True, False), (None, 'local_only', False, True), ('00000000000000000000000000000000', None, False, True)]
    assert skip['results'][1]['msg'] == ("skipped: backend_id 'local_only' is not one of the allocations usage can be "
                                         'reported for (rows[1], rows[3])')
    assert recorded(emulator, ALLOC_1) == {'cpu_k_hours': ('2.00', '')}
    assert [(c['method'], c['path']) for c in writes(emulator.requests)] == [('POST', SET_USAGE)]

    emulator.clear_requests()
    empty = tmp_path / 'usage.csv'
    empty.write_text('# no accounting this month\n')
    nothing = run_play([usage_task(emulator, 'empty', src=str(empty)), usage_task(emulator, 'no rows', rows=[])])
    assert nothing.rc == 0, nothing
    assert [(nothing[name]['changed'], nothing[name]['results']) for name in ('empty', 'no rows')] == [(False, []), (False, [])]
    assert emulator.requests == []
