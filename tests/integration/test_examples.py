# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every module's EXAMPLES run as written against the emulator, and every key they return is in RETURN.

Convention for module authors (EXAMPLES):
  * EXAMPLES is a list of named tasks (unique names) using only puhuri.core.* and ansible.builtin.* FQCNs.
  * The tasks run in order, as one play on localhost, against a fresh emulator of the newest supported Waldur (8.x)
    loaded with the transcript's seed, as the provider organisation's owner (sp-owner). So use seed UUIDs (provider 9fc511a42dda5ab5beae89e750ad1483,
    alloc-2 d1ef749f4116433ba14ff9268c6382cf, ...) and order tasks so each one succeeds after the ones before it.
  * Connection: write it the way that reads best for an operator. The test sets PUHURI_API_URL/PUHURI_API_TOKEN to
    the emulator and replaces the values of api_url, api_token and access_token in every puhuri.core task (also in
    module_defaults of blocks). The variables puhuri_api_url and puhuri_api_token are defined as well. Any other
    variable an example uses must be defined by the examples themselves (register, set_fact, vars).
  * Every task must succeed (ignore_errors does not hide a failure here).
  * Every key a puhuri.core module returns (minus Ansible's own: changed, failed, msg, diff, invocation, ...) must be
    documented in its RETURN, and every RETURN key marked `returned: always` must be in each of its results.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy
import glob
import os

import pytest
import yaml

from helpers import REPO_ROOT
from plugin_docs import module_docs, module_names

pytestmark = pytest.mark.integration

CONNECTION_KEYS = ('api_url', 'api_token', 'access_token')
# Keys Ansible itself adds to a module's result, or that every module may return without documenting them.
STANDARD_KEYS = {
    'changed', 'failed', 'msg', 'invocation', 'diff', 'warnings', 'deprecations', 'skipped', 'skip_reason',
    'exception', 'item', 'ansible_loop_var', 'ansible_index_var', 'attempts', 'retries', 'censored', 'ansible_facts',
    'changed_when_result', 'failed_when_result', 'false_condition', 'stdout', 'stdout_lines', 'stderr', 'stderr_lines',
    'module_stdout', 'module_stderr', 'rc', '_ansible_no_log', 'checked', 'ansible_job_id',
}
RESULT_EVENTS = ('runner_on_ok', 'runner_item_on_ok', 'runner_on_failed', 'runner_item_on_failed',
                 'runner_on_unreachable', 'runner_on_skipped')


def _connect(tasks, url, token):
    """Replace explicit connection values by the emulator's, recursively (blocks, module_defaults)."""
    for task in tasks or []:
        for section in ('block', 'rescue', 'always'):
            _connect(task.get(section), url, token)
        for key, value in list(task.items()):
            if isinstance(value, dict) and (key.startswith('puhuri.core.') or key == 'module_defaults'):
                targets = list(value.values()) if key == 'module_defaults' else [value]
                for args in targets:
                    if isinstance(args, dict):
                        for option in CONNECTION_KEYS:
                            if option in args:
                                args[option] = url if option == 'api_url' else token
    return tasks


def example_play(module, emulator):
    tasks = copy.deepcopy(yaml.safe_load(module_docs(module)['EXAMPLES']))
    token = emulator.TOKENS['sp-owner']
    return _connect(tasks, emulator.url, token), {'PUHURI_API_URL': emulator.url, 'PUHURI_API_TOKEN': token}


def module_results(events, module):
    """The result dicts of every (item of every) task that ran the module."""
    results = []
    for event in events:
        data = event.get('event_data') or {}
        action = data.get('resolved_action') or data.get('task_action')
        if event.get('event') not in ('runner_on_ok', 'runner_item_on_ok') or action != 'puhuri.core.' + module:
            continue
        res = data.get('res') or {}
        if event['event'] == 'runner_on_ok' and isinstance(res.get('results'), list) and \
                all(isinstance(r, dict) and 'ansible_loop_var' in r for r in res['results']):
            continue  # a loop's summary: its items come as runner_item_on_ok
        results.append(res)
    return results


def return_spec(module):
    return yaml.safe_load(module_docs(module)['RETURN'] or '') or {}


@pytest.mark.parametrize('module', module_names())
def test_examples_run_against_the_emulator_and_return_only_documented_keys(module, emulator_8x, run_play):
    emulator = emulator_8x
    tasks, env = example_play(module, emulator)
    extravars = {'puhuri_api_url': emulator.url, 'puhuri_api_token': env['PUHURI_API_TOKEN']}
    result = run_play(tasks, envvars=env, extravars=extravars)
    failures = [(e['event_data'].get('task'), (e['event_data'].get('res') or {}).get('msg'))
                for e in result.events if e.get('event') in ('runner_on_failed', 'runner_item_on_failed',
                                                             'runner_on_unreachable')]
    assert not failures, '%s: EXAMPLES tasks failed: %s\n%r' % (module, failures, result)
    assert result.rc == 0, result
    stats = [e for e in result.events if e.get('event') == 'playbook_on_stats']
    assert stats and not stats[-1]['event_data'].get('failures'), result

    results = module_results(result.events, module)
    assert results, '%s: no example task ran puhuri.core.%s' % (module, module)
    documented = return_spec(module)
    for res in results:
        keys = set(k for k in res if not k.startswith('_ansible'))
        undocumented = sorted(keys - STANDARD_KEYS - set(documented))
        assert not undocumented, '%s returns keys missing from RETURN: %s' % (module, undocumented)
        if res.get('skipped'):
            continue
        missing = sorted(k for k, spec in documented.items()
                         if isinstance(spec, dict) and spec.get('returned') == 'always' and k not in res)
        assert not missing, '%s: RETURN says these are returned always, but a result lacks them: %s' % (module, missing)


def test_the_examples_test_covers_every_module_file():
    files = [os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REPO_ROOT, 'plugins', 'modules', '*.py'))]
    assert sorted(f for f in files if not f.startswith('_')) == module_names()


def test_connection_values_are_replaced_everywhere():
    tasks = [{'name': 'a', 'puhuri.core.x': {'api_url': 'https://p.example.org/api/', 'access_token': 'x'}},
             {'name': 'b', 'module_defaults': {'group/puhuri.core.puhuri': {'api_token': '{{ t }}'}},
              'block': [{'name': 'c', 'puhuri.core.y': {'api_token': 'y', 'uuid': 'u'}}]}]
    _connect(tasks, 'http://127.0.0.1:1/api/', 'T')
    assert tasks[0]['puhuri.core.x'] == {'api_url': 'http://127.0.0.1:1/api/', 'access_token': 'T'}
    assert tasks[1]['module_defaults']['group/puhuri.core.puhuri'] == {'api_token': 'T'}
    assert tasks[1]['block'][0]['puhuri.core.y'] == {'api_token': 'T', 'uuid': 'u'}
