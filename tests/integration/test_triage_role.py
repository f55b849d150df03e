# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The provision role decides the orders nobody declared from triage rules (puhuri_triage_rules): check mode names the
rule of each order and sends nothing, the apply sends what the rules decided (a rejection with the rule's comment,
which Waldur 8.x keeps), the re-run sends nothing; a bad rule fails before any request."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import requests

from helpers import api_get, writes
from test_roles import PLAYBOOKS, allocations, connection

pytestmark = pytest.mark.integration

ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'
RULES = [
    {'name': 'big-updates', 'types': ['Update'], 'max_update_factor': 2, 'decision': 'approve'},
    {'name': 'too-big', 'types': ['Update'], 'decision': 'reject',
     'comment': '{resource_name}: {limits} is more than twice {old_limits} ({rule})'},
    {'name': 'slurm', 'types': ['Create'], 'offerings': ['HPC Slurm (site agent)'], 'decision': 'approve'},
    {'name': 'no-manual', 'types': ['Create'], 'offerings': ['Manual compute (Basic)'], 'decision': 'reject',
     'comment': 'No manual compute for {project_name} ({rule})'},
]


def summary_lines(result):
    return result['Show what was done']['msg']


def test_rules_decide_the_undeclared_orders_three_ways(emulator_8x, run_play):
    emu = emulator_8x
    response = requests.post(emu.url + 'marketplace-resources/%s/update_limits/' % ALLOC_1,
                             json={'limits': {'cpu_k_hours': 5000}}, timeout=10,
                             headers={'Authorization': 'Token %s' % emu.TOKENS['consumer-owner']})
    assert response.status_code in (200, 201), response.text
    update_order = response.json()['order_uuid']
    before = allocations(emu)
    variables = dict(connection(emu), puhuri_triage_rules=RULES)
    playbook = os.path.join(PLAYBOOKS, 'provision.yml')

    emu.clear_requests()
    planned = run_play(None, check=True, playbook=playbook, extravars=variables)
    assert planned.rc == 0, planned
    assert not writes(emu.requests) and allocations(emu) == before
    lines = summary_lines(planned.results)
    for name, kind, decision, rule in [('alloc-4', 'Create', 'approve', 'slurm'), ('vm-3', 'Create', 'reject', 'no-manual'),
                                       ('alloc-1', 'Update', 'reject', 'too-big')]:
        assert '%s: %s order %s by triage rule %s' % (name, kind, decision, rule) in lines, lines

    applied = run_play(None, playbook=playbook, extravars=variables)
    assert applied.rc == 0, applied
    after = allocations(emu)
    assert after['alloc-4']['state'] == 'OK' and after['vm-3']['state'] == 'Terminated'
    assert after['alloc-1']['limits'] == before['alloc-1']['limits']
    staff = emu.TOKENS['staff']
    [vm3_order] = api_get(emu, 'marketplace-orders/', staff, {'resource_uuid': before['vm-3']['uuid']})
    assert (vm3_order['state'], vm3_order['provider_rejection_comment']) == (
        'rejected', 'No manual compute for %s (no-manual)' % before['vm-3']['project_name'])
    order = api_get(emu, 'marketplace-orders/%s/' % update_order, staff)
    assert order['state'] == 'rejected' and order['provider_rejection_comment'].endswith('(too-big)')
    assert 'alloc-1: cpu_k_hours=5000 is more than twice' in order['provider_rejection_comment']

    emu.clear_requests()
    again = run_play(None, playbook=playbook, extravars=variables)
    assert again.rc == 0 and not writes(emu.requests), again


def test_a_bad_rule_fails_naming_it_before_any_request(emulator, run_play):
    bad = [{'name': 'ok', 'decision': 'leave'}, {'name': 'typo', 'decision': 'approve', 'offring': ['x']}]
    result = run_play(None, playbook=os.path.join(PLAYBOOKS, 'provision.yml'),
                      extravars=dict(connection(emulator), puhuri_triage_rules=bad))
    assert result.rc != 0
    failed = [r for r in result.results.values() if r.get('failed')]
    assert failed and "triage rule 2 ('typo')" in failed[0]['msg'] and 'offring' in failed[0]['msg']
    assert emulator.requests == []
