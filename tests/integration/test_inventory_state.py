# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Desired state declared in the inventory keeps being enforced after its own success (issue: hosts renamed by the
backend_id the provision role had just set, so host_vars stopped applying and drift went unnoticed)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import shutil

import pytest
import requests
import yaml

from helpers import REPO_ROOT, api_get, writes
from test_inventory import PROVIDER, cli, connection_env, inventory_list, staff_listing, write_config

pytestmark = pytest.mark.integration

ALLOC3 = '7a6dd4388442442a9237faa94a9b0dfd'
LOGIN3 = [{'header': 'Login', 'body': 'ssh hpc_alloc3@login.hpc.example.org'}]


def provision(tmp_path, collections_path, emulator, inventory, *extra):
    args = ['ansible-playbook', '-i', str(inventory), 'puhuri.core.provision', '-e', 'puhuri_allocations_group=all']
    rc, out, err = cli(tmp_path, collections_path, args + list(extra), connection_env(emulator))
    assert rc == 0, out[-4000:] + err[-2000:]
    return out


def by_name(emulator):
    return dict((r['name'], r) for r in staff_listing(emulator))


def behind_our_back(emulator, uuid, action, body):
    """A change made in the portal (here: the provider's own API, as another tool or a person would)."""
    response = requests.post(emulator.url + 'marketplace-provider-resources/%s/%s/' % (uuid, action), json=body,
                             headers={'Authorization': 'Token ' + emulator.TOKENS['sp-owner']}, timeout=10)
    assert response.status_code == 200, response.text


def write_actions(emulator):
    return sorted((call['path'].split('/')[-3], call['path'].split('/')[-2]) for call in writes(emulator.requests))


def test_a_host_vars_declaration_keeps_applying_and_drift_is_corrected(emulator, tmp_path, collections_path):
    inventory = tmp_path / 'inventory'
    (inventory / 'host_vars').mkdir(parents=True)
    write_config(inventory, provider_uuid=PROVIDER)  # default host names
    (inventory / 'host_vars' / ('%s.yml' % ALLOC3)).write_text(yaml.safe_dump({'puhuri_allocation': {
        'uuid': '{{ puhuri_uuid }}', 'state': 'ok', 'backend_id': 'hpc_alloc3', 'report': LOGIN3}}))
    before = by_name(emulator)

    provision(tmp_path, collections_path, emulator, inventory)
    after = by_name(emulator)
    assert (after['alloc-3']['state'], after['alloc-3']['backend_id'], after['alloc-3']['report']) == ('OK', 'hpc_alloc3', LOGIN3)
    assert dict((n, r) for n, r in after.items() if n != 'alloc-3') == dict((n, r) for n, r in before.items() if n != 'alloc-3')

    # The portal changes behind the collection's back; the same command puts the declared state back.
    behind_our_back(emulator, ALLOC3, 'set_backend_id', {'backend_id': 'someone_else'})
    behind_our_back(emulator, ALLOC3, 'submit_report', {'report': [{'header': 'Changed', 'body': 'not ours'}]})
    emulator.clear_requests()
    provision(tmp_path, collections_path, emulator, inventory)
    corrected = by_name(emulator)['alloc-3']
    assert (corrected['state'], corrected['backend_id'], corrected['report']) == ('OK', 'hpc_alloc3', LOGIN3)
    assert write_actions(emulator) == [(ALLOC3, 'set_backend_id'), (ALLOC3, 'submit_report')]

    emulator.clear_requests()
    provision(tmp_path, collections_path, emulator, inventory)
    assert not writes(emulator.requests)


def test_group_vars_declare_every_allocation_of_an_offering(emulator, tmp_path, collections_path):
    """The shipped example inventory: one group_vars file for the Slurm offering, one host_vars file for alloc-3."""
    inventory = tmp_path / 'inventory'
    shutil.copytree(os.path.join(REPO_ROOT, 'playbooks', 'examples', 'inventory'), str(inventory))
    before = by_name(emulator)
    slurm = sorted(n for n, r in before.items() if r['offering_name'] == 'HPC Slurm (site agent)' and r['state'] != 'Terminated')
    assert slurm == ['alloc-1', 'alloc-2', 'alloc-3', 'alloc-4']

    provision(tmp_path, collections_path, emulator, inventory, '--check')
    assert not writes(emulator.requests)
    assert by_name(emulator) == before

    provision(tmp_path, collections_path, emulator, inventory)
    after = by_name(emulator)
    for name in slurm:
        account = 'hpc_' + name.replace('-', '')
        assert after[name]['backend_id'] == account, name
        assert after[name]['report'] == [{'header': 'Login', 'body': 'ssh %s@login.hpc.example.org' % account}], name
    # State is declared only for alloc-3 (host_vars); the others keep theirs, the other offering is untouched.
    assert dict((n, r['state']) for n, r in after.items()) == dict(
        (n, 'OK' if n == 'alloc-3' else r['state']) for n, r in before.items())
    assert dict((n, r) for n, r in after.items() if n not in slurm) == dict((n, r) for n, r in before.items() if n not in slurm)

    emulator.clear_requests()
    provision(tmp_path, collections_path, emulator, inventory)
    assert not writes(emulator.requests)
    assert api_get(emulator, 'marketplace-provider-resources/%s/' % ALLOC3, emulator.TOKENS['staff'])['backend_id'] == 'hpc_alloc3'


def test_the_cache_holds_within_its_timeout_and_reads_again_after_it(emulator, tmp_path, collections_path):
    config = write_config(tmp_path, cache=True, cache_plugin='ansible.builtin.jsonfile',
                          cache_connection=str(tmp_path / 'cache'), cache_timeout=3)
    listing = ['ansible-inventory', '-i', config, '--list']
    for expected_requests in (1, 1):
        rc, out, err = cli(tmp_path, collections_path, listing, connection_env(emulator))
        assert rc == 0, out + err
        assert len(emulator.requests) == expected_requests
    cache_files = os.listdir(str(tmp_path / 'cache'))
    assert cache_files
    # Past the timeout the plugin reads again (the cache file's age is what the jsonfile cache compares).
    for name in cache_files:
        path = os.path.join(str(tmp_path / 'cache'), name)
        old = os.path.getmtime(path) - 10
        os.utime(path, (old, old))
    rc, out, err = cli(tmp_path, collections_path, listing, connection_env(emulator))
    assert rc == 0, out + err
    assert len(emulator.requests) == 2


def test_a_declaration_that_matches_no_allocation_is_reported(emulator, tmp_path, collections_path):
    """With hosts named by backend_id (the old default), the first run renames alloc-3 to hpc_alloc3: the
    host_vars/alloc-3.yml file then applies to nothing. That is a warning, or an error on request."""
    inventory = tmp_path / 'inventory'
    (inventory / 'host_vars').mkdir(parents=True)
    write_config(inventory, provider_uuid=PROVIDER, hostnames=['backend_id', 'name', 'uuid'])
    stale = inventory / 'host_vars' / 'alloc-3.yml'
    stale.write_text(yaml.safe_dump({'puhuri_allocation': {
        'uuid': '{{ puhuri_uuid }}', 'state': 'ok', 'backend_id': 'hpc_alloc3', 'report': LOGIN3}}))
    alloc1 = by_name(emulator)['alloc-1']['uuid']
    (inventory / 'host_vars' / ('%s.yml' % alloc1)).write_text('# no declaration here\nsome_var: 1\n')
    args = ['ansible-playbook', '-i', str(inventory), 'puhuri.core.provision', '-e', 'puhuri_allocations_group=all']

    rc, out, err = cli(tmp_path, collections_path, args, connection_env(emulator))
    assert rc == 0, out[-3000:] + err
    assert by_name(emulator)['alloc-3']['backend_id'] == 'hpc_alloc3'
    assert str(stale) not in re.sub(r'\s+', '', err)  # it applied: no warning

    emulator.clear_requests()
    rc, out, err = cli(tmp_path, collections_path, args, connection_env(emulator))
    assert rc == 0, out[-3000:] + err
    # ansible-core 2.16 wraps warnings (even inside a path): compare with the white space taken out.
    compact = re.sub(r'\s+', '', err)
    assert compact.count(str(stale)) == 1 and '%sdeclarespuhuri_allocationforthehostalloc-3' % stale in compact, err
    assert alloc1 not in err  # a host_vars file without puhuri_allocation is no declaration
    assert not writes(emulator.requests)

    emulator.clear_requests()
    rc, out, err = cli(tmp_path, collections_path, args + ['-e', 'puhuri_unmatched_declarations=fail'], connection_env(emulator))
    assert rc != 0 and str(stale) in re.sub(r'\s+', '', out + err)
    # Only the inventory's own listing was sent: the role failed before reading or writing anything.
    assert [(c['method'], c['path']) for c in emulator.requests] == [('GET', '/api/marketplace-provider-resources/')]


def test_a_host_declaring_another_uuid_is_reported(emulator, tmp_path, collections_path):
    inventory = tmp_path / 'inventory'
    (inventory / 'host_vars').mkdir(parents=True)
    write_config(inventory, provider_uuid=PROVIDER)
    (inventory / 'host_vars' / ('%s.yml' % ALLOC3)).write_text(yaml.safe_dump({'puhuri_allocation': {
        'uuid': 'ffffffffffffffffffffffffffffffff', 'state': 'ok'}}))
    args = ['ansible-playbook', '-i', str(inventory), 'puhuri.core.provision', '-e', 'puhuri_allocations_group=all',
            '-e', 'puhuri_unmatched_declarations=fail']
    rc, out, err = cli(tmp_path, collections_path, args, connection_env(emulator))
    assert rc != 0
    assert 'thehost%sdeclarespuhuri_allocation.uuidffffffffffffffffffffffffffffffff' % ALLOC3 in re.sub(r'\s+', '', out + err)
    assert not writes(emulator.requests)


def test_include_team_carries_the_offering_username_after_it_was_set(emulator, tmp_path, collections_path, run_play):
    alloc_1, member = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11', 'e9e57f50524058bfbe4b48b4544699d1'
    config = write_config(tmp_path, provider_uuid=PROVIDER, include=['team'])

    def offering_usernames():
        hostvars = inventory_list(tmp_path, collections_path, config, connection_env(emulator))['_meta']['hostvars']
        host = [h for h in hostvars.values() if h.get('puhuri_uuid') == alloc_1][0]
        return dict((user['uuid'], user['offering_user_username']) for user in host['puhuri_team'])

    assert offering_usernames()[member] is None
    result = run_play([{'name': 'username', 'puhuri.core.puhuri_offering_user': {
        'api_url': emulator.url, 'api_token': emulator.TOKENS['sp-owner'], 'offering_uuid': '589178d685345873968f291a0fe38482',
        'user_uuid': member, 'username': 'pmember'}}])
    assert result.rc == 0 and result['username']['changed'], result
    assert offering_usernames()[member] == 'pmember'
