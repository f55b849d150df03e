# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: unmatched_declarations
short_description: Declarations in the inventory that apply to no allocation any more
version_added: 0.2.0
description:
  - A step of the role puhuri.core.provision, so that a declaration that matches no allocation is never silently
    ignored.
  - Looks in the C(host_vars) folder beside each inventory source (on the controller, reading only) for entries that
    declare C(puhuri_allocation), and returns one text per declaration that applies to nothing, naming it and why.
  - A C(host_vars) entry of a host the inventory does not have is unmatched, for example a file named after an
    allocation's old name or backend ID while the inventory plugin names hosts by uuid.
  - A host whose C(puhuri_allocation.uuid) is none of the declaring group's allocations (their C(puhuri_uuid)) is
    unmatched.
author:
  - puhuri.core developers (@puhuri)
positional: _input, hosts, group_hostvars
options:
  _input:
    description: The inventory sources (C(ansible_inventory_sources)).
    type: list
    elements: str
    required: true
  hosts:
    description: Every host name of the inventory (C(groups.all)).
    type: list
    elements: str
    required: true
  group_hostvars:
    description: The host variables of the hosts of the declaring group, each with C(inventory_hostname).
    type: list
    elements: dict
    default: []
  warn:
    description:
      - Show each unmatched declaration as a warning and return an empty list, instead of returning them.
      - The role's C(puhuri_unmatched_declarations=warn).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Declarations that apply to nothing
  ansible.builtin.debug:
    msg: "{{ ansible_inventory_sources | puhuri.core.unmatched_declarations(groups.all, declaring) }}"
  vars:
    declaring: "{{ groups['puhuri'] | map('extract', hostvars) | list }}"
'''

RETURN = r'''
_value:
  description: One text per unmatched declaration; empty when every declaration matches an allocation.
  type: list
  elements: str
'''

import os
import re

from ansible.utils.display import Display

from ansible_collections.puhuri.core.plugins.module_utils._uuids import normalize_uuid

HOST_VARS = 'host_vars'
ENDINGS = ('.yml', '.yaml', '.json')
DECLARES = re.compile(r'^\s*"?puhuri_allocation"?\s*:', re.M)


def _declares(path):
    try:
        with open(path, errors='replace') as handle:
            return DECLARES.search(handle.read(1 << 20)) is not None
    except (IOError, OSError):
        return False


def declaring_entries(sources):
    """{host name: path} of the host_vars entries beside the sources that declare puhuri_allocation."""
    entries = {}
    for source in sources or []:
        base = source if os.path.isdir(source) else os.path.dirname(source)
        folder = os.path.join(base, HOST_VARS)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if os.path.isdir(path):
                files = [os.path.join(root, f) for root, _dirs, names in os.walk(path) for f in names]
                if any(_declares(f) for f in files):
                    entries.setdefault(name, path)
            elif _declares(path):
                host = next((name[:-len(e)] for e in ENDINGS if name.endswith(e)), name)
                entries.setdefault(host, path)
    return entries


def unmatched_declarations(sources, hosts, group_hostvars=None, warn=False):
    known = set(hosts or [])
    problems = []
    for host, path in sorted(declaring_entries(sources).items()):
        if host not in known:
            problems.append('%s declares puhuri_allocation for the host %s, which the inventory does not have (hosts '
                            'of the puhuri.core.allocations inventory are named by uuid by default)' % (path, host))
    hostvars = list(group_hostvars or [])
    listed = set(normalize_uuid(str(h.get('puhuri_uuid') or '')) for h in hostvars)
    for host in hostvars:
        declared = host.get('puhuri_allocation')
        if not isinstance(declared, dict) or not declared.get('uuid'):
            continue
        if normalize_uuid(str(declared['uuid'])) not in listed:
            problems.append('the host %s declares puhuri_allocation.uuid %s, which is none of the allocations of the '
                            'inventory' % (host.get('inventory_hostname'), declared['uuid']))
    if warn:
        for problem in problems:
            Display().warning('puhuri.core.provision: a declaration matches no allocation: %s' % problem)
        return []
    return problems


class FilterModule(object):
    def filters(self):
        return {'unmatched_declarations': unmatched_declarations}
