# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles provision, report_usage and team, run through the collection's playbooks against the emulator.

Checked through independent reads with the staff token and the emulator's request log: nothing is sent under --check,
nothing on the second run.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import csv
import io
import json
import os

import pytest
import requests
import yaml

from helpers import REPO_ROOT, api_get, writes

pytestmark = pytest.mark.integration

PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'
PLAYBOOKS = os.path.join(REPO_ROOT, 'playbooks')


def connection(emulator):
    return {'puhuri_api_url': emulator.url, 'puhuri_api_token': emulator.TOKENS['sp-owner']}


def allocations(emulator):
    """name -> allocation, read with the staff token."""
    listing = api_get(emulator, 'marketplace-provider-resources/', emulator.TOKENS['staff'], params={'page_size': 200})
    return dict((r['name'], r) for r in listing)


def set_backend_id(emulator, uuid, backend_id):
    response = requests.post(emulator.url + 'marketplace-provider-resources/%s/set_backend_id/' % uuid,
                             json={'backend_id': backend_id},
                             headers={'Authorization': 'Token ' + emulator.TOKENS['sp-owner']}, timeout=10)
    assert response.status_code == 200


def usage_of(emulator, uuid):
    rows = api_get(emulator, 'marketplace-component-usages/', emulator.TOKENS['staff'], params={'resource_uuid': uuid})
    return dict((row['type'], row['usage']) for row in rows)


def recap_changed(result):
    line = [text for text in result.stdout.splitlines() if text.startswith('localhost') and 'changed=' in text][-1]
    return int(line.split('changed=')[1].split()[0])


# --- provision -------------------------------------------------------------------------------------------------------

HOOK = [
    {'name': 'record the allocation (also in check mode)',
     'ansible.builtin.lineinfile': {'path': '{{ hook_log }}', 'line': '{{ puhuri_allocation.name }}', 'create': True,
                                    'mode': '0600'},
     'check_mode': False},
    {'name': 'hand back the account',
     'ansible.builtin.set_fact': {'puhuri_hook_backend_id': "hpc_{{ puhuri_allocation.name | replace('-', '') }}",
                                  'puhuri_hook_report': [{'header': 'Login', 'body': 'ssh {{ puhuri_allocation.name }}'}]}},
]


def write_hook(tmp_path):
    path = tmp_path / 'hook.yml'
    path.write_text(yaml.safe_dump(HOOK))
    return str(path), tmp_path / 'hooked.txt'


def hooked(log):
    names = log.read_text().split() if log.exists() else []
    log.unlink(missing_ok=True)
    return sorted(names)


def test_provision_check_then_apply_then_nothing_to_do(emulator, run_play, tmp_path):
    before = allocations(emulator)
    hook, hook_log = write_hook(tmp_path)
    declared = [
        {'uuid': before['alloc-1']['uuid'], 'backend_id': 'hpc_alloc1'},
        {'uuid': before['alloc-2']['uuid'], 'state': 'ok'},
        {'uuid': before['alloc-4']['uuid'], 'state': 'ok', 'backend_id': 'hpc_four',
         'report': [{'header': 'Login', 'body': 'declared secret'}]},
        {'uuid': before['vm-3']['uuid'], 'state': 'terminated'},
    ]
    extravars = dict(connection(emulator), puhuri_allocations=declared, puhuri_provision_hook=hook,
                     hook_log=str(hook_log))
    playbook = os.path.join(PLAYBOOKS, 'provision.yml')

    check = run_play(None, check=True, diff=True, extravars=extravars, playbook=playbook)
    assert check.rc == 0, check
    assert not writes(emulator.requests)
    assert hooked(hook_log) == ['alloc-2', 'alloc-4']
    planned = check['Bring the allocations to their declared state']
    assert planned['changed'] and len(planned['results']) == 4
    assert 'declared secret' not in check.stdout

    emulator.clear_requests()
    applied = run_play(None, extravars=extravars, playbook=playbook)
    assert applied.rc == 0, applied
    assert hooked(hook_log) == ['alloc-2', 'alloc-4']
    after = allocations(emulator)
    assert (after['alloc-1']['state'], after['alloc-1']['backend_id']) == ('OK', 'hpc_alloc1')
    # The hook's backend_id and report for alloc-2; the declared ones win for alloc-4.
    assert (after['alloc-2']['state'], after['alloc-2']['backend_id']) == ('OK', 'hpc_alloc2')
    assert after['alloc-2']['report'] == [{'header': 'Login', 'body': 'ssh alloc-2'}]
    assert (after['alloc-4']['state'], after['alloc-4']['backend_id']) == ('OK', 'hpc_four')
    assert after['alloc-4']['report'] == [{'header': 'Login', 'body': 'declared secret'}]
    assert after['vm-3']['state'] == 'Terminated'
    assert after['alloc-3'] == before['alloc-3']  # undeclared, policy leave
    assert 'declared secret' not in applied.stdout
    # One listing by the role; the bulk task reads with listings too: no GET per allocation.
    gets = [r['path'] for r in emulator.requests if r['method'] == 'GET']
    assert set(gets) == {'/api/marketplace-provider-resources/', '/api/marketplace-orders/'} and len(gets) <= 8, gets

    emulator.clear_requests()
    again = run_play(None, extravars=extravars, playbook=playbook)
    assert again.rc == 0, again
    assert not writes(emulator.requests) and recap_changed(again) == 0
    assert hooked(hook_log) == []


def test_undeclared_allocations_rejected_or_approved_by_policy(emulator, run_play, tmp_path):
    before = allocations(emulator)
    hook, hook_log = write_hook(tmp_path)
    # alloc-2 and alloc-3 (orders already executing) are declared; alloc-4 and vm-3 (pending) are not.
    declared = [{'uuid': before[name]['uuid'], 'state': 'ok'} for name in ('alloc-2', 'alloc-3')]
    common = dict(connection(emulator), puhuri_allocations=declared, puhuri_provision_hook=hook, hook_log=str(hook_log))
    playbook = os.path.join(PLAYBOOKS, 'provision.yml')

    rejected = run_play(None, extravars=dict(common, puhuri_undeclared_policy='reject'), playbook=playbook)
    assert rejected.rc == 0, rejected
    after = allocations(emulator)
    assert [after[n]['state'] for n in ('alloc-2', 'alloc-3', 'alloc-4', 'vm-3')] == ['OK', 'OK', 'Terminated', 'Terminated']
    assert hooked(hook_log) == ['alloc-2', 'alloc-3']

    emulator.reset()
    approved = run_play(None, extravars=dict(common, puhuri_allocations=[], puhuri_undeclared_policy='approve'),
                        playbook=playbook)
    assert approved.rc == 0, approved
    after = allocations(emulator)
    assert all(after[n]['state'] == 'OK' and after[n]['backend_id'] == 'hpc_' + n.replace('-', '')
               for n in ('alloc-2', 'alloc-3', 'alloc-4', 'vm-3'))
    assert hooked(hook_log) == ['alloc-2', 'alloc-3', 'alloc-4', 'vm-3']


@pytest.mark.parametrize('declared,needle', [
    ([{'uuid': 'e5fff443d2ec45aa8e7cfed9cc653497', 'state': 'approved'}], 'state'),
    ([{'uuid': 'e5fff443d2ec45aa8e7cfed9cc653497', 'backendid': 'x'}], 'backendid'),
    ([{'state': 'ok'}], 'uuid'),
])
def test_bad_declarations_fail_before_any_request(emulator, run_play, declared, needle):
    result = run_play(None, extravars=dict(connection(emulator), puhuri_allocations=declared),
                      playbook=os.path.join(PLAYBOOKS, 'provision.yml'))
    assert result.rc != 0
    assert needle in result.stdout and 'puhuri_allocations' in result.stdout
    assert emulator.requests == []


def test_duplicate_and_malformed_declarations_fail_before_any_write(emulator, run_play):
    uuid = 'e5fff443d2ec45aa8e7cfed9cc653497'
    declared = [{'uuid': uuid, 'state': 'ok'}, {'uuid': uuid.upper(), 'state': 'terminated'},
                {'uuid': 'not-a-uuid'}]
    result = run_play(None, extravars=dict(connection(emulator), puhuri_allocations=declared),
                      playbook=os.path.join(PLAYBOOKS, 'provision.yml'))
    assert result.rc != 0
    # Without hooks the module checks the declarations (allocations[i]: the i-th of puhuri_allocations, then the
    # group's), all at once before any request.
    assert "allocations[2].uuid must be a UUID (32 hex characters, dashes allowed), got 'not-a-uuid'" in result.stdout
    assert emulator.requests == []


# --- report_usage ----------------------------------------------------------------------------------------------------

def test_report_usage_from_csv_json_command_and_vars_then_nothing_to_do(emulator, run_play, tmp_path):
    names = allocations(emulator)
    set_backend_id(emulator, names['alloc-1']['uuid'], 'hpc_alloc1')
    set_backend_id(emulator, names['vm-1']['uuid'], 'vm_one')
    usage_csv = tmp_path / 'usage.csv'
    usage_csv.write_text('# accounting\nBackend_ID;Component;Amount;user\n'
                         'hpc_alloc1;cpu_k_hours;1.25;alice\nhpc_alloc1;cpu_k_hours;2.5;bob\n\nvm_one;gb_k_hours;7;x\n')
    usage_json = tmp_path / 'usage.json'
    usage_json.write_text(json.dumps([{'uuid': names['vm-2']['uuid'], 'component': 'cpu_k_hours', 'amount': 0.333}]))
    extravars = dict(connection(emulator), puhuri_usage_file=str(usage_csv), puhuri_usage_csv_delimiter=';',
                     puhuri_usage_command='cat %s' % usage_json,
                     puhuri_usage_rows=[{'backend_id': 'hpc_alloc1', 'component': 'gb_k_hours', 'amount': '3'}])
    playbook = os.path.join(PLAYBOOKS, 'report_usage.yml')
    emulator.clear_requests()

    check = run_play(None, check=True, extravars=extravars, playbook=playbook)
    assert check.rc == 0, check
    assert not writes(emulator.requests)
    assert check['Report the usage']['changed']

    applied = run_play(None, extravars=extravars, playbook=playbook)
    assert applied.rc == 0, applied
    assert usage_of(emulator, names['alloc-1']['uuid']) == {'cpu_k_hours': '3.75', 'gb_k_hours': '3.00'}
    assert usage_of(emulator, names['vm-1']['uuid']) == {'gb_k_hours': '7.00'}
    assert usage_of(emulator, names['vm-2']['uuid']) == {'cpu_k_hours': '0.33'}
    assert len([w for w in writes(emulator.requests) if w['path'].endswith('set_usage/')]) == 3
    # The `user` column: per-user rows, reported per user as well.
    user_rows = api_get(emulator, 'marketplace-component-user-usages/', emulator.TOKENS['staff'])
    assert sorted((r['resource_uuid'], r['component_type'], r['username'], r['usage']) for r in user_rows) == sorted([
        (names['alloc-1']['uuid'], 'cpu_k_hours', 'alice', '1.25'), (names['alloc-1']['uuid'], 'cpu_k_hours', 'bob', '2.50'),
        (names['vm-1']['uuid'], 'gb_k_hours', 'x', '7.00')])

    emulator.clear_requests()
    again = run_play(None, extravars=extravars, playbook=playbook)
    assert again.rc == 0, again
    assert not writes(emulator.requests) and recap_changed(again) == 0


def test_unknown_accounts_fail_before_any_write_or_are_skipped(emulator, run_play, tmp_path):
    names = allocations(emulator)
    set_backend_id(emulator, names['alloc-1']['uuid'], 'hpc_alloc1')
    usage_csv = tmp_path / 'usage.csv'
    usage_csv.write_text('backend_id,component,amount\nhpc_alloc1,cpu_k_hours,1\nlocal_only,cpu_k_hours,5\n'
                         'hpc_alloc1,gpu_k_hours,lots\n')
    extravars = dict(connection(emulator), puhuri_usage_file=str(usage_csv))
    playbook = os.path.join(PLAYBOOKS, 'report_usage.yml')
    emulator.clear_requests()

    failed = run_play(None, extravars=extravars, playbook=playbook)
    assert failed.rc != 0
    assert "line 3: backend_id 'local_only' is not one of the allocations usage can be reported for" in failed.stdout
    assert "line 4: amount must be a number of at least 0, got 'lots'" in failed.stdout
    assert not writes(emulator.requests)

    usage_csv.write_text('backend_id,component,amount\nhpc_alloc1,cpu_k_hours,1\nlocal_only,cpu_k_hours,5\n')
    record = tmp_path / 'record.json'
    skipped = run_play(None, extravars=dict(extravars, puhuri_usage_unknown='skip', puhuri_plan_json=str(record)),
                       playbook=playbook)
    assert skipped.rc == 0, skipped
    assert usage_of(emulator, names['alloc-1']['uuid']) == {'cpu_k_hours': '1.00'}
    assert '1 row(s) skipped (unknown allocation): %s line 3' % usage_csv in skipped.stdout
    # The run record names the skipped account as well.
    written = json.loads(record.read_text())
    assert written['counts'] == {'changed': 1, 'unchanged': 0, 'failed': 0, 'skipped': 1}
    assert [(e.get('backend_id'), e['skipped']) for e in written['allocations']] == [(None, False), ('local_only', True)]


def test_report_usage_refuses_a_total_and_per_user_rows_and_shows_rounded_sums(emulator, run_play, tmp_path):
    names = allocations(emulator)
    set_backend_id(emulator, names['alloc-1']['uuid'], 'hpc_alloc1')
    usage_csv = tmp_path / 'usage.csv'
    usage_csv.write_text('backend_id,user,component,amount\nhpc_alloc1,,cpu_k_hours,3\nhpc_alloc1,alice,cpu_k_hours,1\n')
    extravars = dict(connection(emulator), puhuri_usage_file=str(usage_csv))
    playbook = os.path.join(PLAYBOOKS, 'report_usage.yml')
    emulator.clear_requests()
    refused = run_play(None, extravars=extravars, playbook=playbook)
    assert refused.rc != 0
    assert 'both a total row (%s line 2) and per-user rows (%s line 3)' % (usage_csv, usage_csv) in refused.stdout
    assert not writes(emulator.requests)

    usage_csv.write_text('backend_id,component,amount\nhpc_alloc1,cpu_k_hours,1.004\nhpc_alloc1,cpu_k_hours,2.001\n')
    applied = run_play(None, extravars=extravars, playbook=playbook, diff=True)
    assert applied.rc == 0, applied
    report = applied['Report the usage']
    assert report['results'][0]['row_sums'] == {'cpu_k_hours': '3.005'}
    assert report['diff'][0]['after'] == {'cpu_k_hours': '3.01'}
    assert 'cpu_k_hours 3.005 -> 3.01' in report['diff'][0]['after_header']
    assert usage_of(emulator, names['alloc-1']['uuid']) == {'cpu_k_hours': '3.01'}


def test_report_usage_without_a_source_says_which_variables(emulator, run_play):
    result = run_play(None, extravars=connection(emulator), playbook=os.path.join(PLAYBOOKS, 'report_usage.yml'))
    assert result.rc != 0 and 'puhuri_usage_rows, puhuri_usage_file (CSV or JSON) or puhuri_usage_command' in result.stdout
    assert emulator.requests == []


# --- team ------------------------------------------------------------------------------------------------------------

def test_team_files_member_hook_check_mode_and_second_run(emulator, run_play, tmp_path):
    names = allocations(emulator)
    set_backend_id(emulator, names['alloc-1']['uuid'], 'hpc_alloc1')
    hook = tmp_path / 'member.yml'
    hook.write_text(yaml.safe_dump([{
        'name': 'create the local user',
        'ansible.builtin.lineinfile': {
            'path': str(tmp_path / 'users.txt'), 'create': True, 'mode': '0600',
            'line': "{{ puhuri_member.username }} {{ puhuri_member.allocations | map(attribute='backend_id') | join(',') }}"}}]))
    extravars = dict(connection(emulator), puhuri_team_json=str(tmp_path / 'team.json'),
                     puhuri_team_csv=str(tmp_path / 'team.csv'), puhuri_team_member_hook=str(hook))
    playbook = os.path.join(PLAYBOOKS, 'team.yml')
    emulator.clear_requests()

    check = run_play(None, check=True, extravars=extravars, playbook=playbook)
    assert check.rc == 0, check
    assert not any((tmp_path / name).exists() for name in ('team.json', 'team.csv', 'users.txt'))

    applied = run_play(None, extravars=extravars, playbook=playbook)
    assert applied.rc == 0, applied
    active = [r for r in names.values() if r['state'] == 'OK']
    teams = dict((r['uuid'], api_get(emulator, 'marketplace-provider-resources/%s/team/' % r['uuid'],
                                     emulator.TOKENS['staff'])) for r in active)
    written = json.loads((tmp_path / 'team.json').read_text())
    assert [a['uuid'] for a in written['allocations']] == [r['uuid'] for r in sorted(active, key=lambda r: r['created'])]
    assert all(a['team'] == teams[a['uuid']] for a in written['allocations'])
    memberships = sorted((user['username'], uuid, user['role']) for uuid, team in teams.items() for user in team)
    rows = list(csv.DictReader(io.StringIO((tmp_path / 'team.csv').read_text())))
    assert sorted((row['username'], row['allocation_uuid'], row['role']) for row in rows) == memberships
    assert [m['username'] for m in written['members']] == sorted(set(m[0] for m in memberships))
    assert (tmp_path / 'users.txt').read_text().splitlines() == [
        'consumer-owner hpc_alloc1,,', 'project-member hpc_alloc1,,']
    assert oct(os.stat(tmp_path / 'team.json').st_mode & 0o777) == '0o600'
    assert not writes(emulator.requests)

    again = run_play(None, extravars=extravars, playbook=playbook)
    assert again.rc == 0 and recap_changed(again) == 0, again


def test_team_username_policy_mapping_and_pattern_check_apply_re_run(emulator, run_play, tmp_path):
    slurm = '589178d685345873968f291a0fe38482'
    mapping = tmp_path / 'usernames.yml'
    mapping.write_text('project-member: pmember\n')
    extravars = dict(connection(emulator), puhuri_team_username_file=str(mapping), puhuri_team_username_pattern='hpc_{username}',
                     puhuri_team_username_offerings=[slurm], puhuri_team_json=str(tmp_path / 'team.json'))
    playbook = os.path.join(PLAYBOOKS, 'team.yml')

    def held():
        rows = api_get(emulator, 'marketplace-offering-users/', emulator.TOKENS['staff'], params={'offering_uuid': slurm})
        return dict((row['user_username'], row['username']) for row in rows)

    emulator.clear_requests()
    check = run_play(None, check=True, extravars=extravars, playbook=playbook)
    assert check.rc == 0, check
    declared = check['Give the members their offering usernames (the username policy)']
    assert declared['changed'] and sorted(r['username'] for r in declared['results']) == ['hpc_consumer-owner', 'pmember']
    assert not writes(emulator.requests) and held() == {}

    applied = run_play(None, extravars=extravars, playbook=playbook)
    assert applied.rc == 0, applied
    assert held() == {'project-member': 'pmember', 'consumer-owner': 'hpc_consumer-owner'}
    # Written back: the facts and files carry the usernames just set.
    written = json.loads((tmp_path / 'team.json').read_text())
    usernames = dict((m['username'], [a['offering_user_username'] for a in m['allocations']]) for m in written['members'])
    assert 'pmember' in usernames['project-member'] and 'hpc_consumer-owner' in usernames['consumer-owner']

    emulator.clear_requests()
    again = run_play(None, extravars=extravars, playbook=playbook)
    assert again.rc == 0 and recap_changed(again) == 0, again
    assert not writes(emulator.requests)
