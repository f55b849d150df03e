# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""puhuri_order_info and puhuri_stuck_orders against the emulator: ages by the server's clock, the fail policy.

The emulator's clock (and so its Date header) is set to 2026-11-30 22:20:36, two days and 0.3 to 0.8 s after the
seed's open orders were created (alloc-2 at 22:20:35.2 ... vm-3 at 22:20:35.7): all four are 2d old, and with
older_than 172800.5 s vm-3's order is too young.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from emulator import Emulator
from helpers import api_get, writes

pytestmark = pytest.mark.integration

PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'
NOW = datetime.datetime(2026, 11, 30, 22, 20, 36, tzinfo=datetime.timezone.utc)
SLURM_OFFERING = '589178d685345873968f291a0fe38482'
ORDERS = {  # resource name -> (order uuid, state in the seed)
    'alloc-2': ('a1c2e3f405164728a9b0c1d2e3f40522', 'executing'),
    'alloc-3': ('a1c2e3f405164728a9b0c1d2e3f40533', 'executing'),
    'alloc-4': ('46efd621a362409aaa94397b09206fde', 'pending-provider'),
    'vm-3': ('796e7c3a3c9f48258191f0bff6106688', 'pending-provider'),
}
STUCK = ['alloc-2', 'alloc-3', 'alloc-4']


def make(version):
    emu = Emulator(waldur_version=version, now=NOW)
    emu.start()
    return emu


@pytest.fixture
def emu707():
    emu = make('7.0.7')
    yield emu
    emu.stop()


@pytest.fixture
def emu8x():
    emu = make('8.0.5')
    yield emu
    emu.stop()


def task(emu, module, name='orders', **options):
    options.update(api_url=emu.url, api_token=emu.TOKENS['sp-owner'])
    return {'name': name, 'puhuri.core.%s' % module: options}


def order_state(emu, name):
    return api_get(emu, 'marketplace-orders/%s/' % ORDERS[name][0], emu.TOKENS['staff'])


def test_order_info_lists_open_orders_with_their_age_by_the_server_clock(emu707, run_play):
    result = run_play([
        task(emu707, 'puhuri_order_info', name='open', provider_uuid=PROVIDER),
        task(emu707, 'puhuri_order_info', name='2d', provider_uuid=PROVIDER, older_than='2d'),
        task(emu707, 'puhuri_order_info', name='seconds', provider_uuid=PROVIDER, older_than=172800.5, type=['create']),
        task(emu707, 'puhuri_order_info', name='3d', provider_uuid=PROVIDER, older_than='3d'),
        task(emu707, 'puhuri_order_info', name='done', provider_uuid=PROVIDER, state=['done']),
    ])
    assert result.rc == 0, result
    opened = result['open']
    # Independent read: the same open orders, oldest first.
    expected = api_get(emu707, 'marketplace-orders/', emu707.TOKENS['staff'],
                       params={'provider_uuid': PROVIDER, 'state': ['pending-provider', 'executing'], 'o': 'created'})
    assert [o['uuid'] for o in opened['orders']] == [o['uuid'] for o in expected] == [ORDERS[n][0] for n in sorted(ORDERS)]
    assert opened['now'] == '2026-11-30T22:20:36Z' and opened['now_source'] == 'server'
    assert [(o['age_seconds'], o['age']) for o in opened['orders']] == [(172800, '2d 0h')] * 4
    assert all(o['marketplace_resource_uuid'] and o['offering_type'] for o in opened['orders'])
    assert result['2d']['count'] == 4
    assert [o['resource_name'] for o in result['seconds']['orders']] == ['alloc-2', 'alloc-3', 'alloc-4']
    assert result['3d']['count'] == 0
    assert [o['state'] for o in result['done']['orders']] == ['done'] * 3
    assert not writes(emu707.requests)
    assert [r['path'] for r in emu707.requests if r['user'] == 'sp-owner'] == ['/api/marketplace-orders/'] * 5


def test_order_info_rejects_a_bad_age_before_any_request(emu707, run_play):
    result = run_play([task(emu707, 'puhuri_order_info', older_than='two days')])
    assert result.rc != 0
    res = result['orders']
    assert res['failed'] and 'older_than' in res['msg'] and '2h' in res['msg']
    assert emu707.requests == []


def stuck_task(emu, name, **options):
    """The stuck orders of the Slurm offering (alloc-2, alloc-3, alloc-4); vm-3's order is on the Basic offering."""
    return task(emu, 'puhuri_stuck_orders', name=name, provider_uuid=PROVIDER, offering_uuid=SLURM_OFFERING, older_than='2d',
                **options)


def test_stuck_orders_fail_policy_check_apply_and_rerun(emu707, run_play):
    message = 'Not processed in two days; please order again.'
    # Check mode: the plan, zero writes.
    checked = run_play([stuck_task(emu707, 'stuck', policy='fail', fail_message=message)], check=True, diff=True)
    assert checked.rc == 0, checked
    res = checked['stuck']
    assert res['changed'] is True
    plan = dict((o['resource_name'], (o['state'], o['action'], o['outcome'])) for o in res['orders'])
    assert plan == {'alloc-2': ('executing', 'set_state_erred', 'planned'),
                    'alloc-3': ('executing', 'set_state_erred', 'planned'),
                    'alloc-4': ('pending-provider', 'reject_by_provider', 'planned')}
    assert res['diff']['after']['orders'] == [
        {'uuid': ORDERS[n][0], 'state': 'erred' if n != 'alloc-4' else 'rejected'} for n in STUCK]
    assert not writes(emu707.requests)
    for name in ORDERS:
        assert order_state(emu707, name)['state'] == ORDERS[name][1]

    # Apply: exactly one call per stuck order, then an independent read.
    emu707.clear_requests()
    applied = run_play([stuck_task(emu707, 'stuck', policy='fail', fail_message=message)])
    assert applied.rc == 0, applied
    assert [o['outcome'] for o in applied['stuck']['orders']] == ['done'] * 3
    sent = sorted((r['method'], r['path'], r['status']) for r in writes(emu707.requests))
    assert sent == sorted([
        ('POST', '/api/marketplace-orders/%s/set_state_erred/' % ORDERS['alloc-2'][0], 200),
        ('POST', '/api/marketplace-orders/%s/set_state_erred/' % ORDERS['alloc-3'][0], 200),
        ('POST', '/api/marketplace-orders/%s/reject_by_provider/' % ORDERS['alloc-4'][0], 200)])
    assert dict((n, order_state(emu707, n)['state']) for n in ORDERS) == {
        'alloc-2': 'erred', 'alloc-3': 'erred', 'alloc-4': 'rejected', 'vm-3': 'pending-provider'}
    assert order_state(emu707, 'alloc-2')['error_message'] == message
    listed = api_get(emu707, 'marketplace-provider-resources/', emu707.TOKENS['staff'],
                     params={'provider_uuid': PROVIDER, 'field': ['name', 'state']})
    resources = dict((r['name'], r['state']) for r in listed)
    assert (resources['alloc-2'], resources['alloc-3'], resources['alloc-4'], resources['vm-3']) == (
        'Erred', 'Erred', 'Terminated', 'Creating')

    # Re-run: nothing is stuck any more, zero writes.
    emu707.clear_requests()
    again = run_play([stuck_task(emu707, 'stuck', policy='fail', fail_message=message)])
    assert again.rc == 0, again
    assert again['stuck']['changed'] is False and again['stuck']['count'] == 0
    assert not writes(emu707.requests)


def test_stuck_orders_report_policy_changes_nothing(emu707, run_play):
    result = run_play([stuck_task(emu707, 'stuck', type=['Create'], state=['pending-provider'])])
    assert result.rc == 0, result
    res = result['stuck']
    assert res['changed'] is False
    assert [(o['resource_name'], o['outcome'], o['action']) for o in res['orders']] == [('alloc-4', 'reported', None)]
    assert not writes(emu707.requests)


def test_stuck_orders_on_8x_store_the_rejection_comment(emu8x, run_play):
    message = 'Expired: not processed within two days.'
    result = run_play([stuck_task(emu8x, 'stuck', policy='fail', fail_message=message, state=['pending-provider'])])
    assert result.rc == 0, result
    assert [o['resource_name'] for o in result['stuck']['orders']] == ['alloc-4']
    order = order_state(emu8x, 'alloc-4')
    assert (order['state'], order['provider_rejection_comment']) == ('rejected', message)
    assert order_state(emu8x, 'vm-3')['state'] == 'pending-provider'


def test_stuck_orders_manager_token_fails_naming_the_call(emu707, run_play):
    options = dict(api_url=emu707.url, api_token=emu707.TOKENS['sp-manager'], provider_uuid=PROVIDER, older_than='1d',
                   policy='fail', state=['pending-provider'])
    result = run_play([{'name': 'stuck', 'puhuri.core.puhuri_stuck_orders': options}])
    assert result.rc != 0
    res = result['stuck']
    assert res['failed'] and 'reject_by_provider' in res['msg'] and 'HTTP 403' in res['msg']
    assert [(o['resource_name'], o['outcome']) for o in res['orders']] == [('alloc-4', 'failed'), ('vm-3', 'failed')]
    assert res['changed'] is False
    assert [order_state(emu707, n)['state'] for n in ('alloc-4', 'vm-3')] == ['pending-provider'] * 2


def test_triage_filter_decides_the_listed_orders_and_names_a_bad_rule(emu707, run_play):
    rules = [
        {'name': 'small-slurm', 'types': ['Create'], 'offerings': ['HPC Slurm (site agent)'],
         'max_limits': {'cpu_k_hours': 10}, 'decision': 'approve'},
        {'name': 'basic', 'offerings': [SLURM_OFFERING, 'Manual compute (Basic)'], 'decision': 'reject',
         'comment': 'No {offering_name} for {project_name}'},
    ]
    decide = {'name': 'decide', 'ansible.builtin.set_fact': {
        'decisions': "{{ pending.orders | puhuri.core.triage(rules) }}"}, 'vars': {'rules': rules}}
    bad = {'name': 'bad', 'ansible.builtin.set_fact': {'x': "{{ pending.orders | puhuri.core.triage(rules) }}"},
           'vars': {'rules': [{'name': 'typo', 'decision': 'approve', 'max_limit': {}}]}}
    result = run_play([dict(task(emu707, 'puhuri_order_info', name='pending', state=['pending-provider']), register='pending'),
                       decide, bad])
    assert result.rc != 0
    decisions = result['decide']['ansible_facts']['decisions']
    assert decisions == [
        {'order_uuid': ORDERS['alloc-4'][0], 'resource_uuid': 'e5fff443d2ec45aa8e7cfed9cc653497', 'type': 'Create',
         'decision': 'approve', 'rule': 'small-slurm', 'comment': None},
        {'order_uuid': ORDERS['vm-3'][0], 'resource_uuid': '9c7a876e120b494b982bb53f15965f38', 'type': 'Create',
         'decision': 'reject', 'rule': 'basic', 'comment': 'No Manual compute (Basic) for Consumer Project'}]
    assert result['bad']['failed'] and "triage rule 1 ('typo'): unknown key(s) max_limit" in result['bad']['msg']
    assert not writes(emu707.requests)
