# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller plugins (inventory, filters) reach no AnsibleModule: nothing they import, directly or through the
collection's module_utils, imports ansible.module_utils.basic."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os
import re
import subprocess
import sys

import pytest

from helpers import REPO_ROOT

pytestmark = pytest.mark.unit

BASIC_IMPORT = re.compile(r'^\s*(from|import) ansible\.module_utils\.basic\b', re.M)
COLLECTION_IMPORT = re.compile(r'^\s*from ansible_collections\.puhuri\.core\.plugins\.([\w.]+) import', re.M)


def imported_files(path, seen=None):
    """path and every collection file it imports, transitively."""
    seen = set() if seen is None else seen
    if path in seen:
        return seen
    seen.add(path)
    with open(path) as handle:
        text = handle.read()
    for dotted in COLLECTION_IMPORT.findall(text):
        imported_files(os.path.join(REPO_ROOT, 'plugins', *dotted.split('.')) + '.py', seen)
    return seen


@pytest.mark.parametrize('plugin', sorted(glob.glob(os.path.join(REPO_ROOT, 'plugins', 'inventory', '*.py'))
                                          + glob.glob(os.path.join(REPO_ROOT, 'plugins', 'filter', '*.py'))),
                         ids=os.path.basename)
def test_plugin_code_imports_no_ansible_module(plugin):
    for path in imported_files(plugin):
        with open(path) as handle:
            assert not BASIC_IMPORT.search(handle.read()), '%s reaches AnsibleModule through %s' % (plugin, path)


def test_the_check_sees_a_module_import():
    reached = imported_files(os.path.join(REPO_ROOT, 'plugins', 'modules', 'puhuri_usage.py'))
    common = [path for path in reached if path.endswith('_common.py')]
    with open(common[0]) as handle:
        assert BASIC_IMPORT.search(handle.read())


def test_the_filters_import_no_http_stack():
    """The roles' filters run on the controller in every playbook run: importing requests for them would cost each
    run about 0.1 s (the connection_options filter did). Imported for real, each in a fresh interpreter."""
    from helpers import source_collections_path
    names = sorted(os.path.basename(path)[:-3] for path in glob.glob(os.path.join(REPO_ROOT, 'plugins', 'filter', '*.py')))
    script = ('import sys, importlib\n'
              'name = sys.argv[1]\n'
              'importlib.import_module("ansible_collections.puhuri.core.plugins.filter." + name)\n'
              'print(",".join(m for m in ("requests", "urllib3") if m in sys.modules))\n')
    env = dict(os.environ, PYTHONPATH=source_collections_path().split(os.pathsep)[0])
    heavy = {}
    for name in names:
        found = subprocess.run([sys.executable, '-c', script, name], env=env, capture_output=True, text=True, check=True)
        if found.stdout.strip():
            heavy[name] = found.stdout.strip()
    assert names and heavy == {}
