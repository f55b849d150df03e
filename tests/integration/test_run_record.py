# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles write what a run would change or changed as JSON and Markdown (puhuri_plan_json / puhuri_plan_markdown),
for a CI job: under --check (with zero writes), after applying, and again (nothing to change). No secrets."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest
import yaml

from helpers import REPO_ROOT, writes
from test_roles import PLAYBOOKS, allocations, connection

pytestmark = pytest.mark.integration

EXAMPLES = os.path.join(REPO_ROOT, 'playbooks', 'examples')


def run_role(run_play, emulator, tmp_path, playbook, extravars, check=False):
    files = {'puhuri_plan_json': str(tmp_path / 'plan.json'), 'puhuri_plan_markdown': str(tmp_path / 'plan.md')}
    for path in files.values():
        if os.path.exists(path):
            os.remove(path)
    variables = dict(connection(emulator), **extravars)
    variables.update(files)
    result = run_play(None, check=check, playbook=os.path.join(PLAYBOOKS, playbook), extravars=variables)
    assert result.rc == 0, result
    with open(files['puhuri_plan_json']) as handle:
        record = json.load(handle)
    with open(files['puhuri_plan_markdown']) as handle:
        markdown = handle.read()
    for secret in [emulator.TOKENS['sp-owner'], 'login.hpc.example.org']:
        assert secret not in json.dumps(record) and secret not in markdown
    return record, markdown


def test_the_provision_record_under_check_then_apply_then_again(emulator, run_play, tmp_path):
    with open(os.path.join(EXAMPLES, 'provision_vars.yml')) as handle:
        declared = yaml.safe_load(handle)
    declared['puhuri_provision_hook'] = os.path.join(EXAMPLES, 'create_account.yml')
    before = allocations(emulator)

    plan, markdown = run_role(run_play, emulator, tmp_path, 'provision.yml', declared, check=True)
    assert not writes(emulator.requests) and allocations(emulator) == before
    assert plan['role'] == 'provision' and plan['mode'] == 'check'
    planned = dict((entry['name'], entry['actions']) for entry in plan['allocations'])
    assert planned['alloc-4'] == ['approve_by_provider', 'set_backend_id', 'submit_report', 'set_state_done']
    assert planned['vm-3'] == ['reject_by_provider']
    assert plan['counts']['changed'] == len(planned) and plan['counts']['failed'] == 0
    assert '### puhuri.core.provision: plan (check mode)' in markdown
    assert '| alloc-4 | `%s` | approve_by_provider, set_backend_id, submit_report, set_state_done | would change |' % (
        before['alloc-4']['uuid']) in markdown

    applied, _markdown = run_role(run_play, emulator, tmp_path, 'provision.yml', declared)
    assert applied['mode'] == 'apply'
    assert dict((entry['name'], entry['actions']) for entry in applied['allocations']) == planned
    sent = sorted(call['path'].rstrip('/').rsplit('/', 1)[-1] for call in writes(emulator.requests))
    assert sent == sorted(action for actions in planned.values() for action in actions)

    emulator.clear_requests()
    again, markdown = run_role(run_play, emulator, tmp_path, 'provision.yml', declared)
    assert again['counts']['changed'] == 0 and again['allocations'] == [] and not writes(emulator.requests)
    assert '0 allocation(s) changed' in markdown


def test_the_usage_record_names_each_changed_component(emulator, run_play, tmp_path):
    # The usage example is for the accounts the provision example links.
    with open(os.path.join(EXAMPLES, 'provision_vars.yml')) as handle:
        declared = yaml.safe_load(handle)
    declared['puhuri_provision_hook'] = os.path.join(EXAMPLES, 'create_account.yml')
    run_role(run_play, emulator, tmp_path, 'provision.yml', declared)
    emulator.clear_requests()
    with open(os.path.join(EXAMPLES, 'report_usage_vars.yml')) as handle:
        variables = yaml.safe_load(handle)
    variables['puhuri_usage_file'] = os.path.join(EXAMPLES, 'usage.csv')
    plan, markdown = run_role(run_play, emulator, tmp_path, 'report_usage.yml', variables, check=True)
    assert not writes(emulator.requests)
    assert plan['role'] == 'report_usage' and plan['mode'] == 'check' and plan['allocations']
    for entry in plan['allocations']:
        assert entry['changed'] and entry['after'] != entry['before']
        assert '| %s | `%s` |' % (entry['name'], entry['uuid']) in markdown
    run_role(run_play, emulator, tmp_path, 'report_usage.yml', variables)
    emulator.clear_requests()
    again, _markdown = run_role(run_play, emulator, tmp_path, 'report_usage.yml', variables)
    assert again['counts']['changed'] == 0 and not writes(emulator.requests)
    assert again['counts']['unchanged'] == plan['counts']['changed']
