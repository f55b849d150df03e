# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/provision.yml run the way AWX/AAP runs a job: ansible_runner.run() with extra vars, judged by its events.

Interface (roles/provision/meta/argument_specs.yml): puhuri_allocations, a list of {uuid, state, backend_id, report},
and the connection variables puhuri_api_url / puhuri_api_token.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sys

import pytest
import yaml

from helpers import REPO_ROOT, api_get, source_collections_path

pytestmark = pytest.mark.integration

PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'provision.yml')
ARGUMENT_SPECS = os.path.join(REPO_ROOT, 'roles', 'provision', 'meta', 'argument_specs.yml')
ALLOC_2 = 'd1ef749f4116433ba14ff9268c6382cf'  # Creating, its order executing (approved, not yet done)
ALLOC_4 = 'e5fff443d2ec45aa8e7cfed9cc653497'  # Creating, its order pending-provider


def allocation_options():
    """The options of one puhuri_allocations item, from the role's argument spec (once it exists)."""
    if not os.path.isfile(ARGUMENT_SPECS):
        return {}
    with open(ARGUMENT_SPECS) as handle:
        specs = yaml.safe_load(handle)['argument_specs']
    entry = specs.get('main') or next(iter(specs.values()))
    return (entry.get('options', {}).get('puhuri_allocations') or {}).get('options') or {}


def desired_ok():
    """The `state` value meaning "accepted and ready" (the resource state OK), as the role spells it."""
    choices = (allocation_options().get('state') or {}).get('choices') or []
    for candidate in ['OK', 'ok', 'done', 'approved', 'present']:
        if candidate in choices:
            return candidate
    return 'OK'


def report(header, body):
    spec = allocation_options().get('report') or {}
    if spec.get('type') == 'str':
        return '%s: %s' % (header, body)
    return [{'header': header, 'body': body}]


def run_provision(tmp_path, name, extravars):
    import ansible_runner  # imported here: only the integration tests need it

    data_dir = os.path.join(str(tmp_path), name)
    os.makedirs(os.path.join(data_dir, 'project'))
    envvars = {
        'ANSIBLE_COLLECTIONS_PATH': source_collections_path(),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_LOCAL_TEMP': os.path.join(data_dir, 'tmp'),
        'ANSIBLE_HOME': os.path.join(data_dir, 'ansible-home'),
        'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
    }
    runner = ansible_runner.run(
        private_data_dir=data_dir,
        playbook=PLAYBOOK,
        inventory='localhost ansible_connection=local ansible_python_interpreter=%s' % sys.executable,
        extravars=extravars,
        envvars=envvars,
        quiet=True,
        timeout=120,
    )
    events = list(runner.events)
    stdout = runner.stdout.read()
    return runner, events, stdout


def stats_of(events):
    stats = [e for e in events if e.get('event') == 'playbook_on_stats']
    assert len(stats) == 1, 'no playbook_on_stats event'
    return stats[0]['event_data']


def changed_tasks(events):
    return [e['event_data'].get('task') for e in events
            if e.get('event') in ('runner_on_ok', 'runner_item_on_ok') and (e['event_data'].get('res') or {}).get('changed')]


def test_the_provision_playbook_runs_under_ansible_runner_and_converges(emulator, tmp_path):
    assert os.path.isfile(PLAYBOOK), 'playbooks/provision.yml is not in the tree yet'
    token = emulator.TOKENS['sp-owner']
    extravars = {
        'puhuri_api_url': emulator.url,
        'puhuri_api_token': token,
        'puhuri_allocations': [
            {'uuid': ALLOC_4, 'state': desired_ok(), 'backend_id': 'acct-alloc-4',
             'report': report('Login', 'ssh acct-alloc-4@hpc.example.org')},
            {'uuid': ALLOC_2, 'state': desired_ok(), 'backend_id': 'acct-alloc-2',
             'report': report('Login', 'ssh acct-alloc-2@hpc.example.org')},
        ],
    }

    runner, events, stdout = run_provision(tmp_path, 'first', extravars)
    assert runner.status == 'successful' and runner.rc == 0, stdout[-4000:]
    stats = stats_of(events)
    assert not stats.get('failures') and not stats.get('dark'), stats
    assert sum((stats.get('changed') or {}).values()) >= 1 and changed_tasks(events), stats
    assert token not in stdout and token not in json.dumps([e.get('stdout', '') for e in events])

    for uuid, backend_id in [(ALLOC_4, 'acct-alloc-4'), (ALLOC_2, 'acct-alloc-2')]:
        resource = api_get(emulator, 'marketplace-provider-resources/%s/' % uuid, emulator.TOKENS['staff'])
        assert resource['state'] == 'OK', (uuid, resource['state'])
        assert resource['backend_id'] == backend_id
        assert 'ssh %s@hpc.example.org' % backend_id in json.dumps(resource.get('report'))

    # A second run (AWX re-launching the same job) changes nothing.
    runner, events, stdout = run_provision(tmp_path, 'second', extravars)
    assert runner.status == 'successful' and runner.rc == 0, stdout[-4000:]
    stats = stats_of(events)
    assert not stats.get('failures') and not sum((stats.get('changed') or {}).values()), changed_tasks(events)
