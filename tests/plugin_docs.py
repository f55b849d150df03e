# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection's modules, roles and plugins as present in the tree, and their documentation blocks.

Tests parametrize over these, so content added later is covered without editing the tests.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ast
import glob
import os

from helpers import REPO_ROOT

# Plugin types ansible-doc documents besides modules (and roles); a plugin file is named after the plugin it holds.
PLUGIN_TYPES = ['inventory', 'lookup', 'filter', 'test', 'callback', 'connection', 'become', 'cache', 'vars']


def plugins_of(plugin_type):
    """Names of the plugins/<plugin_type>/*.py files (private _*.py and __init__.py left out)."""
    paths = glob.glob(os.path.join(REPO_ROOT, 'plugins', plugin_type, '*.py'))
    return sorted(os.path.basename(p)[:-3] for p in paths if not os.path.basename(p).startswith('_'))


def module_names():
    return plugins_of('modules')


def roles_with_argument_specs():
    paths = glob.glob(os.path.join(REPO_ROOT, 'roles', '*', 'meta', 'argument_specs.y*ml'))
    return sorted(os.path.basename(os.path.dirname(os.path.dirname(p))) for p in paths)


def plugin_docs(name, plugin_type='modules'):
    """DOCUMENTATION, EXAMPLES and RETURN (strings) of a plugin, read from its source without importing it."""
    path = os.path.join(REPO_ROOT, 'plugins', plugin_type, name + '.py')
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    docs = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ('DOCUMENTATION', 'EXAMPLES', 'RETURN') and isinstance(node.value, ast.Constant):
                docs[node.targets[0].id] = node.value.value
    return docs


def module_docs(name):
    return plugin_docs(name, 'modules')
