# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Update and Terminate orders the consumer asked for, answered by puhuri_resource_state (issue 13), on 7.0.7 and 8.x.

The orders are made as the recording makes them, with the consumer's own calls (update_limits, terminate). Each
declaration runs three times: --check (the planned actions, no write), apply (the actions sent, checked by an
independent read with the staff token) and apply again (changed: false, no write).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os

import pytest
import requests
import yaml

from emulator import Emulator
from helpers import REPO_ROOT, api_get, writes

pytestmark = pytest.mark.integration

ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'   # Slurm, OK, limits cpu 10 gpu 2, agent side OK
VM_1 = '3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12'      # Basic, OK
VM_2 = '4b8c0e3a6d9f4a1b0c5e7d3f9a2b1c23'      # Basic, OK
PLAYBOOKS = os.path.join(REPO_ROOT, 'playbooks')


def bulk(index):
    """Extra allocations: index % 3 != 0 are Slurm, OK (for these indexes), limits cpu 10 + index, gpu index % 5."""
    return 'b01c%028x' % index


@pytest.fixture(params=['7.0.7', '8.0.5'])
def emu(request):
    emulator = Emulator(waldur_version=request.param, extra_allocations=20)
    emulator.start()
    yield emulator
    emulator.stop()


def consumer(emu, uuid, action, body):
    """The consumer's own call on its allocation (marketplace-resources/<uuid>/<action>/): the new order's uuid."""
    response = requests.post(emu.url + 'marketplace-resources/%s/%s/' % (uuid, action), json=body, timeout=10,
                             headers={'Authorization': 'Token %s' % emu.TOKENS['consumer-owner']})
    assert response.status_code == 200, response.text
    emu.clear_requests()
    return response.json()['order_uuid']


def staff_get(emu, path):
    return api_get(emu, path, emu.TOKENS['staff'])


def state_task(emu, name, ignore_errors=False, **options):
    options.update(api_url=emu.url, api_token=emu.TOKENS['sp-owner'])
    return dict(name=name, ignore_errors=ignore_errors, **{'puhuri.core.puhuri_resource_state': options})


def actions_of(result):
    """{uuid: actions} of a task's result, single or bulk form."""
    if 'results' in result:
        return dict((r['uuid'], r['actions']) for r in result['results'] if r['actions'])
    return {result['resource']['uuid']: result['actions']} if result['actions'] else {}


def three_times(emu, run_play, tasks, expected):
    """expected: {task name: {uuid: actions}}. Returns the --check and the apply results."""
    emu.clear_requests()
    check = run_play(tasks, check=True, diff=True)
    assert check.rc == 0, check
    assert writes(emu.requests) == []
    for name, actions in expected.items():
        assert actions_of(check[name]) == actions, name
    emu.clear_requests()
    applied = run_play(tasks)
    assert applied.rc == 0, applied
    for name, actions in expected.items():
        assert actions_of(applied[name]) == actions, name
    sent = sorted(call['path'].rstrip('/').rsplit('/', 1)[1] for call in writes(emu.requests))
    assert sent == sorted(a for by_uuid in expected.values() for actions in by_uuid.values() for a in actions)
    assert all(call['status'] == 200 for call in writes(emu.requests))
    emu.clear_requests()
    again = run_play(tasks)
    assert again.rc == 0, again
    assert writes(emu.requests) == [] and not any(again[name]['changed'] for name in expected)
    return check, applied


def test_update_orders_are_approved_when_they_ask_for_the_declared_limits(emu, run_play):
    v8 = emu.v8
    alloc_order = consumer(emu, ALLOC_1, 'update_limits', {'limits': {'cpu_k_hours': 20, 'gpu_k_hours': 4}})
    other_order = consumer(emu, bulk(1), 'update_limits', {'limits': {'cpu_k_hours': 500}})
    approved_order = consumer(emu, bulk(2), 'update_limits', {'limits': {'cpu_k_hours': 20}})
    tasks = [
        state_task(emu, 'approve and finish', uuid=ALLOC_1, state='ok', limits={'cpu_k_hours': 20, 'gpu_k_hours': 4}),
        state_task(emu, 'bulk', allocations=[
            {'uuid': bulk(1), 'limits': {'cpu_k_hours': 11}},     # asks for 500, we grant 11 (as now): rejected
            {'uuid': bulk(2), 'limits': {'cpu_k_hours': '20'}},   # approved, left executing for the site to apply
        ]),
    ]
    check, _applied = three_times(emu, run_play, tasks, {
        'approve and finish': {ALLOC_1: ['approve_by_provider', 'set_state_done']},
        'bulk': {bulk(1): ['reject_by_provider'], bulk(2): ['approve_by_provider']}})
    diff = check['approve and finish']['diff']
    assert diff['before']['requested_limits'] == {'cpu_k_hours': 20, 'gpu_k_hours': 4}
    assert diff['before']['previous_limits'] == {'cpu_k_hours': 10, 'gpu_k_hours': 2}
    assert diff['after']['limits'] == {'cpu_k_hours': 20, 'gpu_k_hours': 4} and diff['after']['order_type'] is None
    assert check['approve and finish']['after'] == diff['after']

    alloc_1 = staff_get(emu, 'marketplace-provider-resources/%s/' % ALLOC_1)
    assert (alloc_1['state'], alloc_1['limits']) == ('OK', {'cpu_k_hours': 20, 'gpu_k_hours': 4})
    assert staff_get(emu, 'marketplace-orders/%s/' % alloc_order)['state'] == 'done'
    rejected = staff_get(emu, 'marketplace-orders/%s/' % other_order)
    assert rejected['state'] == 'rejected'
    if v8:
        assert 'Requested limits {cpu_k_hours: 500} differ' in rejected['provider_rejection_comment']
    assert staff_get(emu, 'marketplace-provider-resources/%s/' % bulk(1))['limits']['cpu_k_hours'] == 11
    assert staff_get(emu, 'marketplace-orders/%s/' % approved_order)['state'] == 'executing'
    assert staff_get(emu, 'marketplace-provider-resources/%s/' % bulk(2))['state'] == 'Updating'


def test_the_slurm_update_trap_is_avoided_on_purpose(emu, run_play):
    """After a finished Update the agent side is "Update Scheduled" (RL707 #16, #23-26): approving the next Update
    needs marketplace-slurm-remote set_state ok first, sent then and only then."""
    first = consumer(emu, ALLOC_1, 'update_limits', {'limits': {'cpu_k_hours': 20}})
    applied = run_play([state_task(emu, 'first', uuid=ALLOC_1, state='ok', limits={'cpu_k_hours': 20})])
    assert applied['first']['actions'] == ['approve_by_provider', 'set_state_done'], applied  # agent side was OK
    assert staff_get(emu, 'marketplace-orders/%s/' % first)['state'] == 'done'
    assert staff_get(emu, 'marketplace-provider-resources/%s/details/' % ALLOC_1)['state'] == 'Update Scheduled'

    second = consumer(emu, ALLOC_1, 'update_limits', {'limits': {'cpu_k_hours': 30}})
    tasks = [state_task(emu, 'second', uuid=ALLOC_1, state='ok', limits={'cpu_k_hours': 30})]
    check = run_play(tasks, check=True)
    assert check['second']['actions'] == ['set_slurm_state_ok', 'approve_by_provider', 'set_state_done'], check
    assert writes(emu.requests) == []
    emu.clear_requests()
    applied = run_play(tasks)
    assert applied['second']['actions'] == ['set_slurm_state_ok', 'approve_by_provider', 'set_state_done'], applied
    assert [(c['path'], c['status']) for c in writes(emu.requests)] == [
        ('/api/marketplace-slurm-remote/%s/set_state/' % ALLOC_1, 200),
        ('/api/marketplace-orders/%s/approve_by_provider/' % second, 200),
        ('/api/marketplace-orders/%s/set_state_done/' % second, 200)]
    order = staff_get(emu, 'marketplace-orders/%s/' % second)
    assert order['state'] == 'done' and order['error_message'] == ''  # never erred by our own approval
    assert staff_get(emu, 'marketplace-provider-resources/%s/' % ALLOC_1)['limits']['cpu_k_hours'] == 30
    emu.clear_requests()
    again = run_play(tasks)
    assert again['second']['changed'] is False and writes(emu.requests) == []


def test_limits_without_an_order_and_a_failing_update_say_so(emu, run_play):
    consumer(emu, bulk(2), 'update_limits', {'limits': {'cpu_k_hours': 40}})
    tasks = [state_task(emu, 'no order', ignore_errors=True, uuid=ALLOC_1, limits={'cpu_k_hours': 99}),
             state_task(emu, 'fail the update', uuid=bulk(2), state='erred', error_message='no quota')]
    check = run_play(tasks, check=True)
    assert check.rc == 0, check
    assert check['no order']['failed'] and 'its limits are {cpu_k_hours: 10, gpu_k_hours: 2}, the declared ' \
        '{cpu_k_hours: 99}, and no Update order asks for them' in check['no order']['msg']
    assert check['fail the update']['actions'] == ['approve_by_provider', 'set_state_erred']
    assert any('leaves the allocation Erred' in w for w in check['fail the update']['warnings'])
    assert writes(emu.requests) == []
    applied = run_play(tasks)
    assert applied['no order']['failed'] and applied['fail the update']['actions'] == ['approve_by_provider', 'set_state_erred']
    assert [c['path'].rsplit('/', 2)[1] for c in writes(emu.requests)] == ['approve_by_provider', 'set_state_erred']
    assert staff_get(emu, 'marketplace-provider-resources/%s/' % bulk(2))['state'] == 'Erred'
    assert staff_get(emu, 'marketplace-provider-resources/%s/' % ALLOC_1)['limits'] == {'cpu_k_hours': 10, 'gpu_k_hours': 2}


def test_terminate_orders_of_the_consumer(emu, run_play):
    slurm_order = consumer(emu, ALLOC_1, 'terminate', {})
    basic_order = consumer(emu, VM_1, 'terminate', {})
    kept_order = consumer(emu, VM_2, 'terminate', {})
    bulk_order = consumer(emu, bulk(4), 'terminate', {})
    tasks = [state_task(emu, 'slurm', uuid=ALLOC_1, state='terminated'),
             state_task(emu, 'basic', uuid=VM_1, state='terminated'),
             state_task(emu, 'keep', uuid=VM_2, state='ok'),
             state_task(emu, 'bulk keep', allocations=[{'uuid': bulk(4), 'state': 'ok'}])]
    check, _applied = three_times(emu, run_play, tasks, {
        'slurm': {ALLOC_1: ['approve_by_provider', 'set_state_done']}, 'basic': {VM_1: ['approve_by_provider']},
        'keep': {VM_2: ['reject_by_provider']}, 'bulk keep': {bulk(4): ['reject_by_provider']}})
    assert check['keep']['diff']['before']['order_type'] == 'Terminate'
    assert check['keep']['diff']['after'] == dict(check['keep']['diff']['before'], order_type=None, order_state=None)
    assert check['slurm']['diff']['after']['state'] == 'Terminated'
    states = dict((uuid, staff_get(emu, 'marketplace-provider-resources/%s/' % uuid)['state'])
                  for uuid in (ALLOC_1, VM_1, VM_2, bulk(4)))
    assert states == {ALLOC_1: 'Terminated', VM_1: 'Terminated', VM_2: 'OK', bulk(4): 'OK'}
    orders = [staff_get(emu, 'marketplace-orders/%s/' % o)['state'] for o in (slurm_order, basic_order, kept_order, bulk_order)]
    assert orders == ['done', 'done', 'rejected', 'rejected']


def test_resource_info_includes_open_orders_with_their_age_and_limits(emu, run_play):
    update = consumer(emu, ALLOC_1, 'update_limits', {'limits': {'cpu_k_hours': 20, 'gpu_k_hours': 4}})
    terminate = consumer(emu, VM_1, 'terminate', {})
    emu.set_order_times(update, created=emu.store.now() - datetime.timedelta(days=7))
    if emu.v8:
        emu.store.orders[terminate].state = 'pending-start-date'  # white-box: the 8.x state 7.0.7 does not have
    connection = dict(api_url=emu.url, api_token=emu.TOKENS['sp-owner'])
    listing = dict(connection, provider_uuid='9fc511a42dda5ab5beae89e750ad1483', include=['orders'], fields=['name'])
    tasks = [{'name': 'all', 'puhuri.core.puhuri_resource_info': listing},
             {'name': 'one', 'puhuri.core.puhuri_resource_info': dict(connection, uuid=ALLOC_1, include=['orders'])}]
    emu.clear_requests()
    result = run_play(tasks, check=True)
    assert result.rc == 0, result
    by_uuid = dict((r['uuid'], r) for r in result['all']['resources'])
    [order] = by_uuid[ALLOC_1]['open_orders']
    assert (order['uuid'], order['type'], order['state']) == (update, 'Update', 'pending-provider')
    assert order['limits'] == {'cpu_k_hours': 20, 'gpu_k_hours': 4} and order['old_limits'] == {'cpu_k_hours': 10, 'gpu_k_hours': 2}
    assert 7 * 86400 - 600 <= order['age_seconds'] <= 7 * 86400 + 600
    [termination] = by_uuid[VM_1]['open_orders']
    assert (termination['type'], termination['state']) == ('Terminate', 'pending-start-date' if emu.v8 else 'pending-provider')
    assert 'limits' not in termination
    assert by_uuid[VM_2]['open_orders'] == []
    [same] = result['one']['resources'][0]['open_orders']
    assert dict(same, age_seconds=None) == dict(order, age_seconds=None)  # read a moment later
    independent = staff_get(emu, 'marketplace-orders/?resource_uuid=%s&state=pending-provider' % ALLOC_1)
    assert [o['uuid'] for o in independent] == [update]
    assert writes(emu.requests) == []
    queries = [c['query'].get('resource_uuid') for c in emu.requests if c['path'] == '/api/marketplace-orders/']
    assert [ALLOC_1] in queries


# --- the provision role: one hook per kind of change -----------------------------------------------------------------

def write_hook(tmp_path, kind, line):
    """A hook that records `line` (a template over puhuri_allocation) in <kind>.log, also in check mode."""
    path = tmp_path / ('%s.yml' % kind)
    log = tmp_path / ('%s.log' % kind)
    path.write_text(yaml.safe_dump([{'name': 'record', 'check_mode': False, 'ansible.builtin.lineinfile': {
        'path': str(log), 'line': line, 'create': True, 'mode': '0600'}}]))
    return str(path), log


def hook_lines(log):
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return sorted(lines)


def test_provision_role_runs_update_and_teardown_hooks_and_follows_the_policies(emu, run_play, tmp_path):
    update_hook, update_log = write_hook(tmp_path, 'update', '{{ puhuri_allocation.name }} {{ puhuri_allocation.old_limits.cpu_k_hours }}'
                                         ' -> {{ puhuri_allocation.new_limits.cpu_k_hours }}')
    teardown_hook, teardown_log = write_hook(tmp_path, 'teardown', '{{ puhuri_allocation.name }} {{ puhuri_allocation.backend_id }}')
    declared_update = consumer(emu, ALLOC_1, 'update_limits', {'limits': {'cpu_k_hours': 20}})
    policy_update = consumer(emu, bulk(1), 'update_limits', {'limits': {'cpu_k_hours': 60}})
    left_update = consumer(emu, bulk(2), 'update_limits', {'limits': {'cpu_k_hours': 70}})
    response = requests.post(emu.url + 'marketplace-provider-resources/%s/set_backend_id/' % VM_1, timeout=10,
                             json={'backend_id': 'vm-one'}, headers={'Authorization': 'Token %s' % emu.TOKENS['sp-owner']})
    assert response.status_code == 200
    declared_terminate = consumer(emu, VM_1, 'terminate', {})
    policy_terminate = consumer(emu, bulk(4), 'terminate', {})
    extravars = {
        'puhuri_api_url': emu.url, 'puhuri_api_token': emu.TOKENS['sp-owner'],
        'puhuri_allocations': [{'uuid': ALLOC_1, 'limits': {'cpu_k_hours': 20}}, {'uuid': VM_1, 'state': 'terminated'},
                               {'uuid': bulk(2), 'backend_id': 'acct-bulk-00002'}],
        'puhuri_update_hook': update_hook, 'puhuri_teardown_hook': teardown_hook,
        # bulk(1)'s Update and bulk(4)'s Terminate are undeclared: approved and rejected by policy; bulk(2) is
        # declared without limits, so its Update follows the policy too.
        'puhuri_update_policy': 'approve', 'puhuri_terminate_policy': 'reject',
    }
    playbook = os.path.join(PLAYBOOKS, 'provision.yml')
    expected_updates = ['alloc-1 10 -> 20', 'alloc-bulk-00001 11 -> 60', 'alloc-bulk-00002 12 -> 70']
    expected_actions = {ALLOC_1: ['approve_by_provider', 'set_state_done'], bulk(1): ['approve_by_provider', 'set_state_done'],
                        bulk(2): ['approve_by_provider', 'set_state_done'], VM_1: ['approve_by_provider'],
                        bulk(4): ['reject_by_provider']}

    check = run_play(None, check=True, diff=True, extravars=extravars, playbook=playbook)
    assert check.rc == 0, check
    assert writes(emu.requests) == []
    assert hook_lines(update_log) == expected_updates and hook_lines(teardown_log) == ['vm-1 vm-one']
    assert actions_of(check['Bring the allocations to their declared state']) == expected_actions

    emu.clear_requests()
    applied = run_play(None, extravars=extravars, playbook=playbook)
    assert applied.rc == 0, applied
    assert hook_lines(update_log) == expected_updates and hook_lines(teardown_log) == ['vm-1 vm-one']
    assert actions_of(applied['Bring the allocations to their declared state']) == expected_actions
    orders = [staff_get(emu, 'marketplace-orders/%s/' % o)['state']
              for o in (declared_update, policy_update, left_update, declared_terminate, policy_terminate)]
    assert orders == ['done', 'done', 'done', 'done', 'rejected']
    limits = [staff_get(emu, 'marketplace-provider-resources/%s/' % u)['limits']['cpu_k_hours'] for u in (ALLOC_1, bulk(1), bulk(2))]
    assert limits == [20, 60, 70]
    assert staff_get(emu, 'marketplace-provider-resources/%s/' % VM_1)['state'] == 'Terminated'
    assert staff_get(emu, 'marketplace-provider-resources/%s/' % bulk(4))['state'] == 'OK'

    emu.clear_requests()
    again = run_play(None, extravars=extravars, playbook=playbook)
    assert again.rc == 0, again
    assert writes(emu.requests) == [] and hook_lines(update_log) == [] and hook_lines(teardown_log) == []


def test_provision_role_leaves_pending_orders_by_default(emu, run_play):
    update = consumer(emu, ALLOC_1, 'update_limits', {'limits': {'cpu_k_hours': 20}})
    terminate = consumer(emu, VM_1, 'terminate', {})
    extravars = {'puhuri_api_url': emu.url, 'puhuri_api_token': emu.TOKENS['sp-owner'], 'puhuri_allocations': []}
    result = run_play(None, extravars=extravars, playbook=os.path.join(PLAYBOOKS, 'provision.yml'))
    assert result.rc == 0, result
    assert writes(emu.requests) == []
    summary = result['Show what was done']['msg']
    assert any('2 pending Update/Terminate order(s) left in the portal' in line for line in summary), summary
    assert [staff_get(emu, 'marketplace-orders/%s/' % o)['state'] for o in (update, terminate)] == ['pending-provider'] * 2
