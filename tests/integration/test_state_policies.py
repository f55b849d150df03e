# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""puhuri_resource_state decides the orders nobody declared (undeclared_policy, update_policy, terminate_policy,
triage_rules) from its own listings: check mode sends nothing and names what it would decide, the apply sends it
(independent read), the re-run sends nothing. The provision role's two paths (without hooks: the module decides;
with hooks: the filter plans first) decide the same."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import requests

from helpers import writes
from test_roles import PLAYBOOKS, allocations, connection
from test_triage_role import ALLOC_1, RULES

pytestmark = pytest.mark.integration

TASK = 'decide'


def decide_task(emulator, **options):
    args = dict(api_url=emulator.url, api_token=emulator.TOKENS['sp-owner'], **options)
    return [{'name': TASK, 'puhuri.core.puhuri_resource_state': args, 'register': 'decided'}]


def ask_for_more(emulator, uuid, limits):
    """The consumer asks for other limits: an Update order waiting for the provider."""
    response = requests.post(emulator.url + 'marketplace-resources/%s/update_limits/' % uuid, json={'limits': limits},
                             headers={'Authorization': 'Token %s' % emulator.TOKENS['consumer-owner']}, timeout=10)
    assert response.status_code in (200, 201), response.text


def ask_to_end(emulator, uuid):
    """The consumer asks to end an allocation: a Terminate order waiting for the provider."""
    response = requests.post(emulator.url + 'marketplace-resources/%s/terminate/' % uuid, json={},
                             headers={'Authorization': 'Token %s' % emulator.TOKENS['consumer-owner']}, timeout=10)
    assert response.status_code in (200, 201), response.text


def test_the_module_approves_the_undeclared_requests_three_ways(emulator_8x, run_play):
    emu = emulator_8x
    before = allocations(emu)
    creating = sorted(name for name, r in before.items() if r['state'] == 'Creating')
    waiting = ['alloc-4', 'vm-3']  # the seed's pending-provider Create orders; alloc-2 and -3 are executing
    tasks = decide_task(emu, allocations=[], undeclared_policy='approve')

    emu.clear_requests()
    planned = run_play(tasks, check=True)
    assert planned.rc == 0, planned
    assert not writes(emu.requests) and allocations(emu) == before
    result = planned[TASK]
    assert sorted(a['name'] for a in result['undeclared']) == creating
    assert sorted(r['name'] for r in result['results'] if 'approve_by_provider' in r['actions']) == waiting
    assert sorted(r['name'] for r in result['results']) == creating
    assert result['triaged'] == [] and result['changed'] is True

    applied = run_play(tasks)
    assert applied.rc == 0, applied
    after = allocations(emu)
    assert all(after[name]['state'] == 'OK' for name in creating), dict((n, after[n]['state']) for n in creating)
    assert dict((n, r['state']) for n, r in after.items() if n not in creating) == \
        dict((n, r['state']) for n, r in before.items() if n not in creating)

    emu.clear_requests()
    again = run_play(tasks)
    assert again.rc == 0, again
    assert not writes(emu.requests)
    assert again[TASK]['changed'] is False and again[TASK]['undeclared'] == [] and again[TASK]['results'] == []


def test_a_declaration_wins_over_the_policy(emulator, run_play):
    before = allocations(emulator)
    kept = 'alloc-4'
    result = run_play(decide_task(emulator, allocations=[{'uuid': before[kept]['uuid'], 'state': 'terminated'}],
                                  undeclared_policy='approve'), check=True)
    assert result.rc == 0, result
    actions = dict((r['name'], r['actions']) for r in result[TASK]['results'])
    assert actions[kept] == ['reject_by_provider']
    assert actions['vm-3'][0] == 'approve_by_provider'
    assert kept not in [a['name'] for a in result[TASK]['undeclared']]
    assert not writes(emulator.requests)


def test_policies_need_the_bulk_form_and_good_rules_before_any_request(emulator, run_play):
    single = run_play(decide_task(emulator, uuid=ALLOC_1, state='ok', undeclared_policy='approve'))
    assert single.rc != 0 and single[TASK]['failed']
    assert 'undeclared_policy' in single[TASK]['msg'] and 'uuid' in single[TASK]['msg']

    bad = run_play(decide_task(emulator, allocations=[], triage_rules=[{'name': 'typo', 'decision': 'approve',
                                                                        'offring': ['x']}]))
    assert bad.rc != 0 and bad[TASK]['failed']
    assert 'triage_rules' in bad[TASK]['msg'] and 'typo' in bad[TASK]['msg']
    assert emulator.requests == []


def test_the_role_decides_the_same_with_and_without_hooks(emulator_8x, run_play, tmp_path):
    emu = emulator_8x
    hook = tmp_path / 'hook.yml'
    hook.write_text('- name: nothing to create\n  ansible.builtin.debug:\n    msg: "{{ puhuri_allocation.name }}"\n')
    playbook = os.path.join(PLAYBOOKS, 'provision.yml')
    outcomes = []
    for hooks in ({}, {'puhuri_provision_hook': str(hook), 'puhuri_update_hook': str(hook)}):
        emu.reset()
        ask_for_more(emu, ALLOC_1, {'cpu_k_hours': 5000})
        ask_to_end(emu, allocations(emu)['vm-2']['uuid'])
        variables = dict(connection(emu), puhuri_triage_rules=RULES, puhuri_terminate_policy='approve', **hooks)
        emu.clear_requests()
        result = run_play(None, playbook=playbook, extravars=variables)
        assert result.rc == 0, result
        sent = sorted((r['method'], r['path'].rsplit('/', 2)[-2]) for r in writes(emu.requests))
        states = dict((name, (r['state'], r['limits'], r['backend_id'])) for name, r in allocations(emu).items())
        outcomes.append((sent, states, result['Show what was done']['msg']))
    sent, states, _summary = outcomes[0]
    assert ('POST', 'approve_by_provider') in sent and ('POST', 'reject_by_provider') in sent
    # terminate_policy approve ends vm-2 (its Terminate order approved); the rules approve alloc-4, reject vm-3 and
    # alloc-1's Update order (more than twice its limits).
    assert (states['vm-2'][0], states['alloc-4'][0], states['vm-3'][0]) == ('Terminated', 'OK', 'Terminated')
    assert states['alloc-1'][1] == {'cpu_k_hours': 10, 'gpu_k_hours': 2}
    assert outcomes[0] == outcomes[1]


def test_nothing_listed_costs_one_listing_and_sends_nothing(emulator, run_play):
    """An offering with no allocations: the listing is read once (the first read reuses it), nothing is sent."""
    result = run_play(decide_task(emulator, allocations=[], undeclared_policy='approve',
                                  offering_uuid='0' * 32))
    assert result.rc == 0, result
    assert (result[TASK]['changed'], result[TASK]['undeclared'], result[TASK]['results']) == (False, [], [])
    resources = [r for r in emulator.requests if r['path'].endswith('marketplace-provider-resources/')]
    assert len(resources) == 1 and not writes(emulator.requests)
