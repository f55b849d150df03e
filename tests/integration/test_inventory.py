# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The inventory plugin puhuri.core.allocations, run by ansible-inventory / ansible-playbook against the emulator."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import subprocess
import sys

import pytest
import requests
import yaml

from helpers import api_get, writes

pytestmark = pytest.mark.integration

PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'


def cli(tmp_path, collections_path, args, env=None):
    """Run an ansible CLI (ansible-inventory, ansible-playbook) from the venv; return (rc, stdout, stderr)."""
    full_env = dict(os.environ)
    for name in ('PUHURI_API_URL', 'PUHURI_API_TOKEN', 'WALDUR_API_URL', 'WALDUR_API_TOKEN'):
        full_env.pop(name, None)
    full_env.update({
        'ANSIBLE_COLLECTIONS_PATH': collections_path,
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true',
    })
    full_env.update(env or {})
    command = [os.path.join(os.path.dirname(sys.executable), args[0])] + list(args[1:])
    result = subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=120, check=False)
    return result.returncode, result.stdout, result.stderr


def write_config(tmp_path, name='puhuri.yml', **options):
    config = dict(plugin='puhuri.core.allocations')
    config.update(options)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config))
    return str(path)


def connection_env(emulator, user='sp-owner'):
    return {'PUHURI_API_URL': emulator.url, 'PUHURI_API_TOKEN': emulator.TOKENS[user]}


def plain(value):
    """ansible-inventory --list shows values from inventory plugins (untrusted, never templated) as {"__ansible_unsafe": v}."""
    if isinstance(value, dict):
        if set(value) == {'__ansible_unsafe'}:
            return value['__ansible_unsafe']
        return dict((key, plain(item)) for key, item in value.items())
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def inventory_list(tmp_path, collections_path, config, env):
    rc, out, err = cli(tmp_path, collections_path, ['ansible-inventory', '-i', config, '--list'], env)
    assert rc == 0, out + err
    return plain(json.loads(out))


def group_hosts(inventory, group):
    return sorted(inventory.get(group, {}).get('hosts', []))


def staff_listing(emulator, **params):
    params.update(page_size=200)
    return api_get(emulator, 'marketplace-provider-resources/', emulator.TOKENS['staff'], params=params)


def test_allocations_are_hosts_grouped_by_state_and_offering_with_one_listing(emulator, tmp_path, collections_path):
    config = write_config(tmp_path, provider_uuid=PROVIDER, keyed_groups=[{'key': 'puhuri_project_name', 'prefix': 'project'}],
                          compose={'cpu_limit': 'puhuri_limits.cpu_k_hours | default(0)'})
    inventory = inventory_list(tmp_path, collections_path, config, connection_env(emulator))

    expected = staff_listing(emulator, provider_uuid=PROVIDER)
    active = [r for r in expected if r['state'] != 'Terminated']
    # Hosts are named by uuid by default: the one name that never changes.
    assert group_hosts(inventory, 'state_creating') == sorted(r['uuid'] for r in active if r['state'] == 'Creating')
    assert group_hosts(inventory, 'state_ok') == sorted(r['uuid'] for r in active if r['state'] == 'OK')
    assert group_hosts(inventory, 'offering_hpc_slurm_site_agent') == sorted(
        r['uuid'] for r in active if r['offering_name'] == 'HPC Slurm (site agent)')
    assert group_hosts(inventory, 'project_Consumer_Project') == sorted(r['uuid'] for r in active)
    hostvars = inventory['_meta']['hostvars']
    for resource in active:
        host = hostvars[resource['uuid']]
        assert host['puhuri_name'] == resource['name'] and host['puhuri_backend_id'] == resource['backend_id']
        assert host['puhuri_uuid'] == resource['uuid'] and host['puhuri_state'] == resource['state']
        assert host['puhuri_limits'] == resource['limits'] and host['puhuri_project_uuid'] == resource['project_uuid']
        assert host['puhuri_offering_uuid'] == resource['offering_uuid'] and host['puhuri_customer_name'] == resource['customer_name']
        # compose templates the expression: ansible-core < 2.19 renders its result as a string ('10'), 2.19+ keeps
        # the native type (10); either way it is the allocation's limit.
        assert str(host['cpu_limit']) == str(resource['limits'].get('cpu_k_hours', 0))
        assert host['ansible_connection'] == 'local' and 'puhuri_team' not in host
    [listing] = [call for call in emulator.requests if call['user'] == 'sp-owner']
    assert listing['method'] == 'GET' and listing['path'] == '/api/marketplace-provider-resources/'
    assert not writes(emulator.requests)

    rc, graph, err = cli(tmp_path, collections_path, ['ansible-inventory', '-i', config, '--graph'], connection_env(emulator))
    assert rc == 0 and '@state_creating:' in graph and '@offering_manual_compute_basic:' in graph, graph + err


def test_team_on_request_backend_id_names_and_the_uuid_fallback(emulator, tmp_path, collections_path):
    by_name = dict((r['name'], r) for r in staff_listing(emulator))
    token = emulator.TOKENS['sp-owner']
    for name, backend_id in [('alloc-1', 'hpc_alloc1'), ('vm-1', 'alloc-2'), ('vm-2', 'alloc-2')]:
        response = requests.post(emulator.url + 'marketplace-provider-resources/%s/set_backend_id/' % by_name[name]['uuid'],
                                 json={'backend_id': backend_id}, headers={'Authorization': 'Token ' + token}, timeout=10)
        assert response.status_code == 200
    emulator.clear_requests()
    config = write_config(tmp_path, include=['team'], state=['ok', 'CREATING'], hostnames=['backend_id', 'uuid'])
    inventory = inventory_list(tmp_path, collections_path, config, connection_env(emulator))

    hostvars = inventory['_meta']['hostvars']
    # backend_id first; vm-1's 'alloc-2' is free (hostnames has no name); vm-2's is then taken, so vm-2 gets its uuid.
    assert hostvars['hpc_alloc1']['puhuri_name'] == 'alloc-1'
    assert hostvars['alloc-2']['puhuri_name'] == 'vm-1'
    assert hostvars[by_name['vm-2']['uuid']]['puhuri_name'] == 'vm-2'
    assert hostvars[by_name['alloc-3']['uuid']]['puhuri_state'] == 'Creating'
    ok_hosts = group_hosts(inventory, 'state_ok')
    assert len(ok_hosts) == 3
    for host in ok_hosts:
        team = api_get(emulator, 'marketplace-provider-resources/%s/team/' % hostvars[host]['puhuri_uuid'], emulator.TOKENS['staff'])
        assert hostvars[host]['puhuri_team'] == team and team
    assert all('puhuri_team' not in hostvars[host] for host in group_hosts(inventory, 'state_creating'))
    paths = [call['path'] for call in emulator.requests if call['user'] == 'sp-owner']
    # One listing plus one team read per OK allocation: the documented cost of include: [team].
    assert sorted(paths) == sorted(['/api/marketplace-provider-resources/'] + [
        '/api/marketplace-provider-resources/%s/team/' % hostvars[h]['puhuri_uuid'] for h in ok_hosts])
    assert not writes(emulator.requests)


def test_the_cache_answers_the_second_read_without_a_request(emulator, tmp_path, collections_path):
    config = write_config(tmp_path, cache=True, cache_plugin='ansible.builtin.jsonfile',
                          cache_connection=str(tmp_path / 'cache'), cache_timeout=600)
    first = inventory_list(tmp_path, collections_path, config, connection_env(emulator))
    assert len(emulator.requests) == 1
    second = inventory_list(tmp_path, collections_path, config, connection_env(emulator))
    assert len(emulator.requests) == 1
    assert second == first and group_hosts(second, 'state_creating')


@pytest.mark.parametrize('options,env,needles', [
    ({}, {'PUHURI_API_TOKEN': '0' * 40}, ['GET /api/marketplace-provider-resources/ failed (HTTP 401): Invalid token.']),
    ({'state': ['creating', 'bogus']}, {}, ["state has unknown value(s) 'bogus'; allowed: Creating, OK, Erred"]),
    ({'provider_uuid': 'nope'}, {}, ['provider_uuid must be a UUID']),
    ({}, {'PUHURI_API_URL': ''}, ['api_url is required']),
])
def test_errors_name_the_problem_and_never_show_the_token(emulator, tmp_path, collections_path, options, env, needles):
    config = write_config(tmp_path, **options)
    full_env = connection_env(emulator)
    full_env.update(env)
    rc, out, err = cli(tmp_path, collections_path, ['ansible-inventory', '-i', config, '--list'], full_env)
    assert rc != 0
    # ansible-core < 2.19 wraps warnings at 80 columns: compare with runs of white space made one space.
    shown = ' '.join((out + err).split())
    for needle in needles:
        assert needle in shown, out + err
    assert full_env['PUHURI_API_TOKEN'] not in out + err
    if 'PUHURI_API_TOKEN' not in env:
        assert not [c for c in emulator.requests if c['user'] == 'sp-owner']


def test_a_play_targets_the_waiting_allocations(emulator, tmp_path, collections_path):
    config = write_config(tmp_path, provider_uuid=PROVIDER)
    playbook = tmp_path / 'waiting.yml'
    playbook.write_text(yaml.safe_dump([{
        'name': 'each waiting allocation', 'hosts': 'state_creating', 'gather_facts': False,
        'tasks': [
            {'name': 'read it', 'puhuri.core.puhuri_resource_info': {'uuid': '{{ puhuri_uuid }}', 'fields': ['uuid', 'state']},
             'register': 'one'},
            {'name': 'it is waiting', 'ansible.builtin.assert': {'that': ["one.resources[0].state == 'Creating'"]}},
        ],
    }]))
    rc, out, err = cli(tmp_path, collections_path, ['ansible-playbook', '-i', config, str(playbook)], connection_env(emulator))
    assert rc == 0, out[-3000:] + err
    recap = re.findall(r'^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0', out, re.M)
    waiting = sorted(r['uuid'] for r in staff_listing(emulator, state='Creating'))
    assert sorted(host for host, _ok, _changed in recap) == waiting
    assert all(ok == '2' and changed == '0' for _host, ok, changed in recap)


def test_provision_takes_declarations_from_the_inventory(emulator, tmp_path, collections_path):
    inventory = tmp_path / 'inventory'
    (inventory / 'host_vars').mkdir(parents=True)
    write_config(inventory, provider_uuid=PROVIDER, hostnames=['name'])
    (inventory / 'host_vars' / 'alloc-3.yml').write_text(yaml.safe_dump({'puhuri_allocation': {
        'uuid': '{{ puhuri_uuid }}', 'state': 'ok', 'backend_id': 'hpc_alloc3'}}))
    before = dict((r['name'], r) for r in staff_listing(emulator))
    args = ['ansible-playbook', '-i', str(inventory), 'puhuri.core.provision', '-e', 'puhuri_allocations_group=all']

    rc, out, err = cli(tmp_path, collections_path, args, connection_env(emulator))
    assert rc == 0, out[-3000:] + err
    after = dict((r['name'], r) for r in staff_listing(emulator))
    assert (after['alloc-3']['state'], after['alloc-3']['backend_id']) == ('OK', 'hpc_alloc3')
    assert dict((n, r) for n, r in after.items() if n != 'alloc-3') == dict((n, r) for n, r in before.items() if n != 'alloc-3')

    emulator.clear_requests()
    rc, out, err = cli(tmp_path, collections_path, args, connection_env(emulator))
    assert rc == 0 and 'changed=0' in out, out[-3000:] + err
    assert not writes(emulator.requests)
