# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collection metadata an operator relies on: the module_defaults group, shared connection docs, ansible-doc, FQCN examples.

Parametrized over the files present, so modules, roles and plugins added later are covered without editing this file.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

import pytest
import yaml

from helpers import REPO_ROOT, source_collections_path
from plugin_docs import PLUGIN_TYPES, module_docs, module_names, plugins_of, roles_with_argument_specs

pytestmark = pytest.mark.unit

COLLECTION = 'puhuri.core'
CONNECTION_FRAGMENT = 'puhuri.core.connection'
ALLOWED_PREFIXES = ('puhuri.core.', 'ansible.builtin.')


def runtime():
    with open(os.path.join(REPO_ROOT, 'meta', 'runtime.yml')) as handle:
        return yaml.safe_load(handle)


def ansible_doc(*args):
    env = dict(os.environ)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': source_collections_path(),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_DEPRECATION_WARNINGS': 'true',
        'PAGER': 'cat',
    })
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-doc')] + list(args)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)


# --- tasks of EXAMPLES --------------------------------------------------------------------------------------------

def _keywords():
    from ansible.playbook.block import Block
    from ansible.playbook.task import Task
    return set(Task.fattributes) | set(Block.fattributes) | {'local_action'}


def example_actions(tasks, keywords=None):
    """(task name, action name) of every task in a task list, descending into block/rescue/always."""
    keywords = keywords or _keywords()
    found = []
    for task in tasks or []:
        assert isinstance(task, dict), 'each example must be a task (a mapping), got %r' % (task,)
        for section in ('block', 'rescue', 'always'):
            found.extend(example_actions(task.get(section), keywords))
        if 'block' in task:
            continue
        actions = [key for key in task if key not in keywords and not key.startswith('with_')]
        if 'action' in task or 'local_action' in task:
            actions.append('action' if 'action' in task else 'local_action')
        found.append((task.get('name'), actions))
    return found


# --- module_defaults group and shared connection options ------------------------------------------------------------

def test_the_collection_has_modules():
    assert 'puhuri_resource_info' in module_names()


@pytest.mark.parametrize('module', module_names())
def test_every_module_is_in_the_puhuri_action_group(module):
    group = runtime()['action_groups']['puhuri']
    assert module in group, (
        'plugins/modules/%s.py is missing from action_groups.puhuri in meta/runtime.yml, so '
        'module_defaults: {group/puhuri.core.puhuri: ...} does not reach it' % module)


def test_the_action_group_names_only_existing_modules():
    group = runtime()['action_groups']['puhuri']
    assert len(group) == len(set(group)), 'duplicates in action_groups.puhuri'
    missing = [name for name in group if name not in module_names()]
    assert not missing, 'action_groups.puhuri names modules that do not exist: %s' % missing


def test_runtime_declares_the_supported_ansible():
    assert runtime()['requires_ansible'].startswith('>=')


@pytest.mark.parametrize('module', module_names())
def test_every_module_extends_the_connection_fragment(module):
    documentation = yaml.safe_load(module_docs(module)['DOCUMENTATION'])
    fragments = documentation.get('extends_documentation_fragment') or []
    if isinstance(fragments, str):
        fragments = [fragments]
    assert CONNECTION_FRAGMENT in fragments, '%s does not extend %s' % (module, CONNECTION_FRAGMENT)
    assert not set(documentation.get('options') or {}) & {'api_url', 'api_token', 'validate_certs', 'ca_path', 'timeout'}, \
        'connection options come from the doc fragment only'


# --- EXAMPLES: FQCN only ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('module', module_names())
def test_examples_use_only_fqcn_collection_and_builtin_names(module):
    tasks = yaml.safe_load(module_docs(module)['EXAMPLES'])
    assert isinstance(tasks, list) and tasks, '%s: EXAMPLES must be a non-empty list of tasks' % module
    actions = example_actions(tasks)
    used = set()
    for name, names in actions:
        assert name, '%s: every example task needs a name' % module
        assert len(names) == 1, '%s: task %r must call exactly one module in FQCN form, found %s' % (module, name, names)
        assert names[0].startswith(ALLOWED_PREFIXES), \
            '%s: task %r uses %r; use puhuri.core.* or ansible.builtin.* names' % (module, name, names[0])
        used.add(names[0])
    assert 'puhuri.core.' + module in used, '%s: no example calls puhuri.core.%s' % (module, module)
    names = [action[0] for action in actions]
    assert len(names) == len(set(names)), '%s: example task names must be unique' % module


def test_the_fqcn_check_notices_short_names():
    tasks = [{'name': 'a', 'puhuri_resource_info': {}}, {'name': 'b', 'block': [{'name': 'c', 'debug': {'msg': 1}}]}]
    assert example_actions(tasks) == [('a', ['puhuri_resource_info']), ('c', ['debug'])]


# --- ansible-doc renders everything, without warnings ----------------------------------------------------------------

def about_this_collection(stderr):
    """stderr's lines less those about ansible-core's own files (ansible-core 2.21's `ansible-doc -t role` warns that
    its internal collection ansible._protomatter has no MANIFEST.json)."""
    import ansible
    core = os.path.dirname(os.path.abspath(ansible.__file__))
    return [line for line in stderr.splitlines() if line.strip() and core not in line]


def assert_renders(result, what):
    assert result.returncode == 0, '%s: ansible-doc failed:\n%s%s' % (what, result.stdout[-2000:], result.stderr)
    assert not about_this_collection(result.stderr), '%s: ansible-doc wrote to stderr:\n%s' % (what, result.stderr)
    assert '[WARNING]' not in result.stdout and '[DEPRECATION WARNING]' not in result.stdout, result.stdout
    assert result.stdout.strip()


@pytest.mark.parametrize('module', module_names())
def test_ansible_doc_renders_the_module(module):
    assert_renders(ansible_doc('-t', 'module', '%s.%s' % (COLLECTION, module)), module)


@pytest.mark.parametrize('role', roles_with_argument_specs())
def test_ansible_doc_renders_the_role(role):
    assert_renders(ansible_doc('-t', 'role', '%s.%s' % (COLLECTION, role)), 'role ' + role)


@pytest.mark.parametrize('plugin_type,plugin', [(t, p) for t in PLUGIN_TYPES for p in plugins_of(t)])
def test_ansible_doc_renders_the_plugin(plugin_type, plugin):
    assert_renders(ansible_doc('-t', plugin_type, '%s.%s' % (COLLECTION, plugin)), '%s %s' % (plugin_type, plugin))


def test_ansible_doc_lists_every_module_of_the_collection():
    result = ansible_doc('-t', 'module', '-l', COLLECTION)
    assert result.returncode == 0, result.stderr
    listed = set(line.split()[0] for line in result.stdout.splitlines() if line.strip())
    assert listed == set('%s.%s' % (COLLECTION, m) for m in module_names())
