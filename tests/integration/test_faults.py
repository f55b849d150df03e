# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Transient faults (tests/emulator/faults.py) against the client and against every module and role.

The client part pins what is re-sent and what is not over real HTTP. The fault matrix runs the modules and roles
with 20% of the API calls faulted, one kind at a time, and checks through an independent read and the emulator's
request log that every allocation reached its declared state, no order was approved or finished twice, no
non-repeatable action was re-sent blindly, and every usage total is recorded once with the declared amount.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

import pytest

from ansible_collections.puhuri.core.plugins.module_utils._client import PuhuriApiError, PuhuriClient
from emulator import Emulator
from helpers import api_get

pytestmark = pytest.mark.integration

ALLOC_4 = 'e5fff443d2ec45aa8e7cfed9cc653497'        # Slurm, Creating, Create order pending-provider
ALLOC_4_ORDER = '46efd621a362409aaa94397b09206fde'
VM_1 = '3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12'           # Basic, OK
APPROVE = 'marketplace-orders/%s/approve_by_provider/' % ALLOC_4_ORDER
SET_USAGE = 'marketplace-component-usages/set_usage/'


def client_for(emu, warnings, **options):
    options.setdefault('retry_delay', 0.01)
    return PuhuriClient(emu.url, emu.TOKENS['sp-owner'], warn=warnings.append, **options)


def order_state(emu, order_uuid):
    return api_get(emu, 'marketplace-orders/%s/' % order_uuid, emu.TOKENS['staff'])['state']


# ---------------------------------------------------------------------------------------------------- the client


@pytest.mark.parametrize('kind,applied', [('drop_after', True), ('slow', True), ('drop', False), ('error', False)])
def test_an_approve_with_an_uncertain_outcome_is_not_re_sent(emulator, kind, applied):
    emulator.faults.configure(rates={kind: 1.0}, match='approve_by_provider', slow_seconds=1.5)
    warnings = []
    client = client_for(emulator, warnings, timeout=0.5 if kind == 'slow' else 10)
    with pytest.raises(PuhuriApiError) as info:
        client.post(APPROVE)
    assert info.value.uncertain and 'may or may not have been applied, so it was not re-sent' in str(info.value)
    assert not warnings
    [call] = [r for r in emulator.requests if r['path'].endswith('/approve_by_provider/')]
    assert call['fault'] == kind
    emulator.faults.off()
    # Re-reading tells what happened; only then may the caller decide to send it again.
    assert order_state(emulator, ALLOC_4_ORDER) == ('executing' if applied else 'pending-provider')


@pytest.mark.parametrize('kind', ['throttle', 'drop', 'error', 'slow', 'drop_after', 'html', 'not_json', 'empty'])
def test_reads_ride_out_each_kind_of_fault(emulator, kind):
    emulator.faults.configure(rates={kind: 1.0}, limit=2, retry_after=0, slow_seconds=1.5)
    warnings = []
    client = client_for(emulator, warnings, timeout=0.5 if kind == 'slow' else 10)
    if kind in ('html', 'not_json', 'empty'):
        # A 200 that is not the API's answer is not transient: it fails at once and says what came back.
        with pytest.raises(PuhuriApiError) as info:
            client.list('marketplace-provider-resources/')
        assert info.value.status == 200 and 'expected a JSON' in str(info.value) and not warnings
        return
    items = client.list('marketplace-provider-resources/', fields=['uuid'])
    assert len(items) == 7 and client.request_count == 3 and len(warnings) == 2
    assert warnings[0].startswith('retry 1/3 of GET /api/marketplace-provider-resources/ after ')


def test_throttling_honours_retry_after_and_warns(emulator):
    emulator.faults.configure(rates={'throttle': 1.0}, limit=1, retry_after=1, match='approve_by_provider')
    warnings = []
    started = time.monotonic()
    client_for(emulator, warnings).post(APPROVE)
    assert time.monotonic() - started >= 1.0
    assert warnings == ['retry 1/3 of POST /api/%s after HTTP 429 (Retry-After 1s), waiting 1.0s' % APPROVE]
    # Throttled calls are not applied, so even an approve is re-sent; it was applied exactly once.
    assert [(r['status'], r.get('fault')) for r in emulator.requests] == [(429, 'throttle'), (200, None)]
    assert order_state(emulator, ALLOC_4_ORDER) == 'executing'


def test_a_retry_budget_shorter_than_retry_after_fails_without_waiting(emulator):
    emulator.faults.configure(rates={'throttle': 1.0}, retry_after=30)
    started = time.monotonic()
    with pytest.raises(PuhuriApiError) as info:
        client_for(emulator, [], retry_budget=5).get('marketplace-provider-resources/')
    assert time.monotonic() - started < 2
    assert info.value.status == 429 and 'would exceed retry_budget (5.0s' in str(info.value)


def test_a_set_usage_whose_answer_was_lost_is_re_sent_and_recorded_once(emulator):
    emulator.faults.configure(rates={'drop_after': 1.0}, limit=2, match='set_usage')
    warnings = []
    body = {'resource': VM_1, 'usages': [{'type': 'cpu_k_hours', 'amount': '12.50', 'description': 'faults'}]}
    client_for(emulator, warnings).post(SET_USAGE, body, retry_safe=True)
    assert [(r['status'], r.get('fault')) for r in emulator.requests] == [(201, 'drop_after'), (201, 'drop_after'), (201, None)]
    assert len(warnings) == 2 and 'after a dropped connection' in warnings[0]
    rows = [r for r in api_get(emulator, 'marketplace-component-usages/', emulator.TOKENS['staff'],
                               params={'resource_uuid': VM_1}) if r['type'] == 'cpu_k_hours']
    assert [(r['usage'], r['description']) for r in rows] == [('12.50', 'faults')]


def test_the_control_endpoint_switches_faults_per_run(emulator):
    import requests
    control = emulator.base_url + '/__emulator__/faults'
    assert requests.put(control, json={'rates': {'error': 1.0}, 'seed': 7}, timeout=5).json()['rates'] == {'error': 1.0}
    assert requests.get(emulator.url + 'marketplace-provider-resources/', timeout=5,
                        headers={'Authorization': 'Token %s' % emulator.TOKENS['sp-owner']}).status_code in (502, 503, 504)
    assert requests.put(control, json={'rates': {'nope': 1}}, timeout=5).status_code == 400
    described = requests.delete(control, timeout=5).json()
    assert described['rates'] == {} and described['injected'][0]['kind'] == 'error'


# ---------------------------------------------------------------------------------------------------- the fault matrix

ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'           # Slurm, OK
ALLOC_2 = 'd1ef749f4116433ba14ff9268c6382cf'           # Slurm, Creating, Create order executing
ALLOC_3 = '7a6dd4388442442a9237faa94a9b0dfd'           # Slurm, Creating, Create order executing
VM_2 = '4b8c0e3a6d9f4a1b0c5e7d3f9a2b1c23'              # Basic, OK
VM_3 = '9c7a876e120b494b982bb53f15965f38'              # Basic, Creating, Create order pending-provider
PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'
BASIC_OFFERING = 'dddc08b4d5d05f45977168ee373b71ca'
EXTRA_ALLOCATIONS = 40
KINDS = ['error', 'throttle', 'drop', 'drop_after', 'slow']
# Writes that must never be repeated: a second one is a second approval, termination or completion.
NON_REPEATABLE = ('approve_by_provider', 'reject_by_provider', 'terminate', 'set_state_done', 'set_state_erred')
SERVER_STATES = {'ok': 'OK', 'erred': 'Erred', 'terminated': 'Terminated'}
NON_REPEATABLE_RE = r'^POST .*/(%s)/$' % '|'.join(NON_REPEATABLE)


def bulk(index):
    """An extra allocation of the emulator (--extra-allocations): by index % 20, 13/14 pending-provider,
    15/16 executing (Slurm), 17 Erred, 18 Terminated, others OK with backend_id acct-bulk-NNNNN."""
    return 'b01c%028x' % index


def report(name):
    return [{'header': 'Access', 'body': 'ssh %s@login.hpc.example.org' % name},
            {'header': 'Support', 'body': 'hpc-support@example.org'}]


# uuid -> the declared end state: (state, backend_id, report headers), checked by an independent read.
DECLARED_STATE = {
    ALLOC_4: ('OK', 'acct-alloc-4', ['Access', 'Support']),
    VM_3: ('OK', 'vm-3', ['Access', 'Support']),
    ALLOC_1: ('Terminated', None, None),
    bulk(13): ('OK', 'acct-13', ['Access', 'Support']),
    bulk(14): ('Terminated', None, None),       # rejected while waiting
    bulk(15): ('OK', 'acct-15', ['Access', 'Support']),
    bulk(16): ('Erred', None, None),
    bulk(1): ('Terminated', None, None),
    bulk(2): ('OK', 'acct-2-renamed', ['Access', 'Support']),
    # through the role puhuri.core.provision
    ALLOC_2: ('OK', 'acct-alloc-2', ['Access', 'Support']),
    ALLOC_3: ('Erred', None, None),
    bulk(33): ('OK', 'acct-33', ['Access', 'Support']),
    bulk(34): ('Terminated', None, None),
}
# uuid -> {component: declared month-to-date total}, reported by puhuri_usage (single and bulk) and the role.
DECLARED_USAGE = {
    VM_1: {'cpu_k_hours': '12.50', 'gb_k_hours': '3.00'},
    VM_2: {'cpu_k_hours': '0.75'},
    bulk(3): {'cpu_k_hours': '1.00', 'gb_k_hours': '2.25'},   # Basic
    bulk(4): {'gb_k_hours': '4.00'},                          # Slurm: gb_k_hours is its usage component
    bulk(5): {'cpu_k_hours': '5.50', 'gpu_k_hours': '0.10', 'gb_k_hours': '1.00'},
    # through the role puhuri.core.report_usage, by backend_id
    bulk(7): {'cpu_k_hours': '7.00', 'gb_k_hours': '0.70'},
    bulk(8): {'gb_k_hours': '8.80'},
}


def matrix_tasks():
    """Every module and role, each bringing its own allocations to their declared state."""
    def alloc(uuid, state=None, **values):
        item = dict(values, uuid=uuid)
        if state:
            item['state'] = state
        return item
    slurm_failure = dict(error_message='No Slurm account could be created', error_traceback='sacctmgr: error')
    return [
        {'name': 'info', 'puhuri.core.puhuri_resource_info': {'provider_uuid': PROVIDER, 'state': ['Creating'],
                                                              'fields': ['uuid', 'state']}},
        {'name': 'state single slurm', 'puhuri.core.puhuri_resource_state': {
            'uuid': ALLOC_4, 'state': 'ok', 'backend_id': 'acct-alloc-4', 'report': report('acct-alloc-4')}},
        {'name': 'state single basic', 'puhuri.core.puhuri_resource_state': {
            'uuid': VM_3, 'state': 'ok', 'backend_id': 'vm-3', 'report': report('vm-3')}},
        {'name': 'state single terminate', 'puhuri.core.puhuri_resource_state': {'uuid': ALLOC_1, 'state': 'terminated'}},
        {'name': 'state bulk', 'puhuri.core.puhuri_resource_state': {'provider_uuid': PROVIDER, 'allocations': [
            alloc(bulk(13), 'ok', backend_id='acct-13', report=report('acct-13')),
            alloc(bulk(14), 'terminated'),
            alloc(bulk(15), 'ok', backend_id='acct-15', report=report('acct-15')),
            alloc(bulk(16), 'erred', **slurm_failure),
            alloc(bulk(1), 'terminated'),
            alloc(bulk(2), backend_id='acct-2-renamed', report=report('acct-2-renamed')),
        ]}},
        {'name': 'usage single', 'puhuri.core.puhuri_usage': {
            'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 12.5, 'gb_k_hours': 3}, 'description': 'faults'}},
        {'name': 'usage bulk', 'puhuri.core.puhuri_usage': {'allocations': [
            {'resource_uuid': VM_2, 'usages': {'cpu_k_hours': '0.75'}},
            {'resource_uuid': bulk(3), 'usages': [{'type': 'cpu_k_hours', 'amount': 1}, {'type': 'gb_k_hours', 'amount': 2.25}]},
            {'resource_uuid': bulk(4), 'usages': {'gb_k_hours': 4}},
            {'resource_uuid': bulk(5), 'usages': {'cpu_k_hours': 5.5, 'gpu_k_hours': 0.1, 'gb_k_hours': 1}},
        ]}},
        {'name': 'role provision', 'ansible.builtin.include_role': {'name': 'puhuri.core.provision'}, 'vars': {
            'puhuri_allocations': [
                alloc(ALLOC_2, 'ok', backend_id='acct-alloc-2', report=report('acct-alloc-2')),
                alloc(ALLOC_3, 'erred', **slurm_failure),
                alloc(bulk(33), 'ok', backend_id='acct-33', report=report('acct-33')),
                alloc(bulk(34), 'terminated'),
            ]}},
        {'name': 'role report_usage', 'ansible.builtin.include_role': {'name': 'puhuri.core.report_usage'}, 'vars': {
            'puhuri_usage_rows': [
                {'backend_id': 'acct-bulk-00007', 'component': 'cpu_k_hours', 'amount': 4},
                {'backend_id': 'acct-bulk-00007', 'component': 'cpu_k_hours', 'amount': 3},   # rows are added up
                {'backend_id': 'acct-bulk-00007', 'component': 'gb_k_hours', 'amount': '0.70'},
                {'backend_id': 'acct-bulk-00008', 'component': 'gb_k_hours', 'amount': 8.8},
            ]}},
        # One team read per active allocation: narrowed to the Basic offering (about a dozen) to keep this fast.
        {'name': 'role team', 'ansible.builtin.include_role': {'name': 'puhuri.core.team'}, 'vars': {
            'puhuri_provider_uuid': PROVIDER, 'puhuri_offering_uuid': BASIC_OFFERING}},
        {'name': 'team read', 'ansible.builtin.set_fact': {'team_members_read': '{{ puhuri_team_members }}'}},
    ]


def matrix_play_extra(emu, kind):
    defaults = {'api_url': emu.url, 'api_token': emu.TOKENS['sp-owner'], 'retries': 6, 'retry_delay': 0.01,
                # a slow answer (0.6 s) outlasts the timeout, so the client sees a read timeout
                'timeout': 0.3 if kind == 'slow' else 10}
    return {'module_defaults': {'group/puhuri.core.puhuri': defaults}}


def connection_env(emu):
    """The roles pass api_url/api_token as `omit` when unset, which hides module_defaults: give them the environment."""
    return {'PUHURI_API_URL': emu.url, 'PUHURI_API_TOKEN': emu.TOKENS['sp-owner']}


def check_declared_state(emu):
    staff = emu.TOKENS['staff']
    for uuid, (state, backend_id, headers) in DECLARED_STATE.items():
        resource = api_get(emu, 'marketplace-provider-resources/%s/' % uuid, staff)
        assert resource['state'] == state, (uuid, resource['name'], resource['state'], state)
        if backend_id is not None:
            assert resource['backend_id'] == backend_id, (uuid, resource['backend_id'])
        if headers is not None:
            assert [section['header'] for section in resource['report'] or []] == headers, (uuid, resource['report'])


def check_usage_recorded_once(emu):
    """No usage lost, none double-counted: one row per component and month, holding the declared total."""
    staff = emu.TOKENS['staff']
    for uuid, declared in DECLARED_USAGE.items():
        rows = api_get(emu, 'marketplace-component-usages/', staff, params={'resource_uuid': uuid, 'page_size': 100})
        got = {}
        for row in rows:
            assert row['type'] not in got, 'two usage rows of %s for %s: %s' % (row['type'], uuid, rows)
            got[row['type']] = row['usage']
        assert got == declared, (uuid, got, declared)


def check_no_non_repeatable_write_twice(log):
    """Per target (order or resource) and action, at most one applied call, and none the server refused for a wrong
    state, which is what a blind re-send of an applied call gets (409/400)."""
    applied = {}
    for call in log:
        action = call['path'].rstrip('/').rsplit('/', 1)[-1]
        if call['method'] != 'POST' or action not in NON_REPEATABLE:
            continue
        if call['status'] is not None and 200 <= call['status'] < 300:
            applied[call['path']] = applied.get(call['path'], 0) + 1
        assert call['status'] not in (400, 409), 'refused %s: re-sent after it was applied? %s' % (action, call)
    twice = dict((path, count) for path, count in applied.items() if count > 1)
    assert not twice, 'applied more than once: %s' % twice
    return applied


@pytest.fixture
def emu_matrix():
    emu = Emulator(extra_allocations=EXTRA_ALLOCATIONS)
    emu.start()
    yield emu
    emu.stop()


@pytest.mark.parametrize('kind', KINDS)
def test_every_module_and_role_reaches_its_declared_state_with_20_percent_faults(emu_matrix, run_play, kind):
    emu = emu_matrix
    emu.faults.configure(rates={kind: 0.2}, seed=20261129 + KINDS.index(kind), retry_after=0, slow_seconds=0.6)
    result = run_play(matrix_tasks(), play_extra=matrix_play_extra(emu, kind), envvars=connection_env(emu))
    injected = list(emu.faults.injected)
    emu.faults.off()
    log = emu.requests
    assert result.rc == 0, result
    assert len(injected) >= 0.1 * len(log), 'too few faults: %d of %d calls' % (len(injected), len(log))
    check_declared_state(emu)
    check_usage_recorded_once(emu)
    applied = check_no_non_repeatable_write_twice(log)
    assert len(applied) >= 15  # the approvals, terminations and completions the plays above need
    warnings = [w for res in result.results.values() for w in res.get('warnings', []) if w.startswith('retry ')]
    assert warnings, 'every retry leaves a warning'
    assert not [w for w in warnings if emu.TOKENS['sp-owner'] in w]
    assert result['team read']['ansible_facts']['team_members_read'], 'the team role read the teams'


def test_uncertain_non_repeatable_writes_are_re_read_not_re_sent(emu_matrix, run_play):
    """Every approve / terminate / finish meets an uncertain outcome first, of each kind in turn."""
    emu = emu_matrix
    control = emu.base_url + '/__emulator__/faults'
    tasks = []
    # approve + finish, reject, finish, terminate + approve + finish, fail
    targets = [(bulk(13), 'ok'), (bulk(33), 'terminated'), (bulk(14), 'ok'), (bulk(15), 'ok'), (bulk(1), 'terminated'),
               (bulk(35), 'erred')]
    plans = ['drop_after', 'drop', 'error', 'slow', 'drop', 'drop_after']
    for (uuid, state), kind in zip(targets, plans):
        tasks.append({'name': 'faults %s before %s' % (kind, uuid), 'ansible.builtin.uri': {
            'url': control, 'method': 'PUT', 'body_format': 'json',
            'body': {'rates': {kind: 1.0}, 'match': NON_REPEATABLE_RE, 'limit': 2, 'slow_seconds': 0.6}}})
        options = {'uuid': uuid, 'state': state}
        if state == 'erred':
            options.update(error_message='no account', error_traceback='-')
        tasks.append({'name': 'to %s %s' % (state, uuid), 'puhuri.core.puhuri_resource_state': options})
    play_extra = matrix_play_extra(emu, 'slow')
    result = run_play(tasks, play_extra=play_extra)
    assert result.rc == 0, result
    emu.faults.off()
    log = emu.requests
    faulted = [call for call in log if call.get('fault')]
    assert len(faulted) >= len(targets) and set(call['fault'] for call in faulted) == set(plans)
    check_no_non_repeatable_write_twice(log)
    staff = emu.TOKENS['staff']
    for uuid, state in targets:
        assert api_get(emu, 'marketplace-provider-resources/%s/' % uuid, staff)['state'] == SERVER_STATES[state]
        assert result['to %s %s' % (state, uuid)]['changed'] is True
    # A second run, still with faults on every non-repeatable write, finds everything done and sends nothing.
    emu.clear_requests()
    emu.faults.configure(rates={'drop_after': 1.0}, match=NON_REPEATABLE_RE, limit=0)
    again = run_play([t for t in tasks if 'puhuri.core.puhuri_resource_state' in t], play_extra=play_extra)
    assert again.rc == 0, again
    assert not [r for r in again.results.values() if r.get('changed')]
    assert not [call for call in emu.requests if call['method'] != 'GET']
