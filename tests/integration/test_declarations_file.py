# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Declarations from a file: puhuri_resource_state's src and the provision role's puhuri_allocations_file.

The file is read by the module (without hooks) or on the controller (with hooks); either way it must decide what
the same declarations given as variables decide: check mode sends nothing, the apply is checked by an independent
read, the re-run sends nothing. A bad file fails before any request, naming '<file> item <n>'."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest
import yaml

from helpers import writes
from test_roles import PLAYBOOKS, PROVIDER, allocations, connection

pytestmark = pytest.mark.integration

TASK = 'declare'
SECRET = 'declared secret from a file'
PLAYBOOK = os.path.join(PLAYBOOKS, 'provision.yml')
ROLE_TASK = 'Bring the allocations to their declared state'


def declarations(emulator):
    before = allocations(emulator)
    return [
        {'uuid': before['alloc-1']['uuid'], 'backend_id': 'hpc_alloc1'},
        {'uuid': before['alloc-2']['uuid'], 'state': 'ok'},
        {'uuid': before['alloc-4']['uuid'], 'state': 'ok', 'backend_id': 'hpc_four',
         'report': [{'header': 'Login', 'body': SECRET}]},
        {'uuid': before['vm-3']['uuid'], 'state': 'terminated'},
    ]


def state_task(emulator, **options):
    args = dict(api_url=emulator.url, api_token=emulator.TOKENS['sp-owner'], provider_uuid=PROVIDER, **options)
    return [{'name': TASK, 'puhuri.core.puhuri_resource_state': args, 'register': 'declared'}]


def end_states(emulator):
    return dict((name, (r['state'], r['backend_id'], r['report'])) for name, r in allocations(emulator).items())


def test_the_module_reads_a_yaml_file_three_ways_as_it_takes_allocations(emulator, run_play, tmp_path):
    declared = declarations(emulator)
    # A vars file of the role, as it is (a mapping whose only key is puhuri_allocations), in YAML.
    path = tmp_path / 'allocations.yml'
    path.write_text(yaml.safe_dump({'puhuri_allocations': declared}))
    from_file, from_vars = state_task(emulator, src=str(path)), state_task(emulator, allocations=declared)

    emulator.clear_requests()
    planned = run_play(from_file, check=True, diff=True)
    assert planned.rc == 0, planned
    assert not writes(emulator.requests)
    as_vars = run_play(from_vars, check=True, diff=True)
    assert as_vars.rc == 0, as_vars
    assert [(r['uuid'], r['actions']) for r in planned[TASK]['results']] == \
        [(r['uuid'], r['actions']) for r in as_vars[TASK]['results']]
    assert len(planned[TASK]['results']) == 4 and planned[TASK]['changed'] is True
    assert SECRET not in planned.stdout and SECRET not in json.dumps(planned[TASK])

    emulator.clear_requests()
    applied = run_play(from_file)
    assert applied.rc == 0, applied
    after = allocations(emulator)
    assert (after['alloc-1']['state'], after['alloc-1']['backend_id']) == ('OK', 'hpc_alloc1')
    assert after['alloc-2']['state'] == 'OK'
    assert (after['alloc-4']['state'], after['alloc-4']['backend_id']) == ('OK', 'hpc_four')
    assert after['alloc-4']['report'] == [{'header': 'Login', 'body': SECRET}]
    assert after['vm-3']['state'] == 'Terminated'
    assert SECRET not in applied.stdout and SECRET not in json.dumps(applied[TASK])
    gets = [r['path'] for r in emulator.requests if r['method'] == 'GET']
    assert set(gets) == {'/api/marketplace-provider-resources/', '/api/marketplace-orders/'}, gets

    emulator.clear_requests()
    again = run_play(from_file)
    assert again.rc == 0, again
    assert not writes(emulator.requests)
    assert again[TASK]['changed'] is False and again[TASK]['results'] == [] and again[TASK]['unchanged'] == 4


def test_a_json_list_and_allocations_together(emulator, run_play, tmp_path):
    declared = declarations(emulator)
    path = tmp_path / 'allocations.json'
    path.write_text(json.dumps(declared[2:]))
    result = run_play(state_task(emulator, allocations=declared[:2], src=str(path)), check=True)
    assert result.rc == 0, result
    # allocations first, then the file's
    assert [r['uuid'] for r in result[TASK]['results']] == [d['uuid'] for d in declared]
    assert not writes(emulator.requests)


def bad_file(tmp_path, text):
    path = tmp_path / 'bad.yml'
    path.write_text(text)
    return str(path)


UUID = 'e5fff443d2ec45aa8e7cfed9cc653497'


@pytest.mark.parametrize('text,needles', [
    (json.dumps([{'uuid': 'not-a-uuid'}, {'uuid': UUID, 'state': 'approved'}, {'uuid': UUID, 'backendid': 'x'}]),
     ["{file} item 1: uuid must be a UUID", "{file} item 2: state must be one of ok, erred, terminated, got 'approved'",
      "{file} item 3: the declaration has unknown key(s) backendid"]),
    ('- uuid: %s\n  report: [{header: Login, body: ""}]\n' % UUID, ['{file} item 1: report[0].body must not be empty']),
    ('[{"uuid": ', ['{file} is neither JSON nor YAML']),
    ('allocations: []\n', ['{file} must hold a list of declarations']),
    (json.dumps([{'uuid': UUID}, {'uuid': UUID.upper()}]), ['more than once', UUID]),
])
def test_a_bad_file_fails_before_any_request_naming_the_items(emulator, run_play, tmp_path, text, needles):
    path = bad_file(tmp_path, text)
    result = run_play(state_task(emulator, src=path))
    assert result.rc != 0 and result[TASK]['failed'] and result[TASK]['changed'] is False
    for needle in needles:
        assert needle.format(file=path) in result[TASK]['msg'], result[TASK]['msg']
    assert emulator.requests == []


def test_src_is_the_bulk_form_and_a_missing_file_is_named(emulator, run_play, tmp_path):
    missing = str(tmp_path / 'nowhere.yml')
    result = run_play(state_task(emulator, src=missing))
    assert result.rc != 0 and 'src %s cannot be read' % missing in result[TASK]['msg']
    both = run_play(state_task(emulator, src=missing, uuid=UUID))
    assert both.rc != 0 and 'src' in both[TASK]['msg'] and 'uuid' in both[TASK]['msg']
    per_allocation = run_play(state_task(emulator, src=missing, state='ok'))
    assert per_allocation.rc != 0 and 'src' in per_allocation[TASK]['msg'] and 'state' in per_allocation[TASK]['msg']
    assert emulator.requests == []


def test_the_role_decides_the_same_from_the_file_with_and_without_hooks(emulator, run_play, tmp_path):
    hook = tmp_path / 'hook.yml'
    hook.write_text('- name: nothing to create\n  ansible.builtin.debug:\n    msg: "{{ puhuri_allocation.name }}"\n')
    path = tmp_path / 'allocations.yml'
    outcomes = []
    for name, extra in (('variables', None), ('file', {}), ('file, with a hook', {'puhuri_provision_hook': str(hook)})):
        emulator.reset()
        declared = declarations(emulator)
        path.write_text(yaml.safe_dump(declared))
        variables = dict(connection(emulator), puhuri_undeclared_policy='reject')
        if extra is None:
            variables['puhuri_allocations'] = declared
        else:
            variables.update(extra, puhuri_allocations_file=str(path))
        before = end_states(emulator)
        emulator.clear_requests()
        check = run_play(None, playbook=PLAYBOOK, extravars=variables, check=True)
        assert check.rc == 0, (name, check)
        assert not writes(emulator.requests) and end_states(emulator) == before, name
        applied = run_play(None, playbook=PLAYBOOK, extravars=variables)
        assert applied.rc == 0, (name, applied)
        assert SECRET not in applied.stdout, name
        # Terminate orders get new UUIDs after each reset: compare the actions sent
        sent = sorted((r['method'], r['path'].rsplit('/', 2)[-2]) for r in writes(emulator.requests))
        emulator.clear_requests()
        again = run_play(None, playbook=PLAYBOOK, extravars=variables)
        assert again.rc == 0 and not writes(emulator.requests), (name, again)
        outcomes.append((name, sent, end_states(emulator), applied['Show what was done']['msg']))
    first = outcomes[0]
    assert first[1] and first[2]['vm-3'][0] == 'Terminated' and first[2]['alloc-4'][1] == 'hpc_four'
    for outcome in outcomes[1:]:
        assert outcome[1:] == first[1:], (outcome[0], first[0])


def test_the_role_names_the_file_items_with_and_without_hooks(emulator, run_play, tmp_path):
    hook = tmp_path / 'hook.yml'
    hook.write_text('- name: nothing\n  ansible.builtin.debug:\n    msg: hook\n')
    path = bad_file(tmp_path, json.dumps([{'uuid': UUID, 'state': 'ok'}, {'uuid': UUID[:-1]}]))
    for hooks in ({}, {'puhuri_provision_hook': str(hook)}):
        result = run_play(None, playbook=PLAYBOOK,
                          extravars=dict(connection(emulator), puhuri_allocations_file=path, **hooks))
        assert result.rc != 0
        assert '%s item 2: uuid must be a UUID' % path in result.stdout, (hooks, result.stdout[-2000:])
        assert emulator.requests == []


def test_a_report_body_from_the_file_is_masked_wherever_it_shows(emulator, run_play, tmp_path):
    """The module keeps for ansible-core's masking only the no_log values that occur in what it returns (fast with
    thousands of bodies); a body that does occur is still masked, here one that equals the backend ID it returns."""
    before = allocations(emulator)
    declared = [{'uuid': before['alloc-4']['uuid'], 'state': 'ok', 'backend_id': 'hpc-shared-secret',
                 'report': [{'header': 'Login', 'body': 'hpc-shared-secret'}]}]
    declared += [{'uuid': before[name]['uuid'], 'report': [{'header': 'Login', 'body': 'unused secret %d' % index}]}
                 for index, name in enumerate(['alloc-1', 'alloc-2'])]
    path = tmp_path / 'allocations.json'
    path.write_text(json.dumps(declared))
    result = run_play(state_task(emulator, src=str(path)), check=True, diff=True)
    assert result.rc == 0, result
    changed = dict((r['uuid'], r) for r in result[TASK]['results'])
    assert changed[before['alloc-4']['uuid']]['after']['backend_id'] != 'hpc-shared-secret'
    assert 'hpc-shared-secret' not in result.stdout and 'hpc-shared-secret' not in json.dumps(result[TASK])
    assert not writes(emulator.requests)
