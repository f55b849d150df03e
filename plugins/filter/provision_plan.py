# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: provision_plan
short_description: Plan what to do with a provider's allocations, from their declared state
version_added: 0.1.0
description:
  - The planning step of the role puhuri.core.provision, usable on its own.
  - Checks the declared allocations (every problem is reported at once, before anything is sent), decides which
    C(Creating) allocations are being approved (declared C(ok), or not declared and O(policy=approve)), and builds
    the O(ignore:allocations) list for the bulk form of puhuri.core.puhuri_resource_state.
author:
  - puhuri.core developers (@puhuri)
positional: _input, listed, policy, hook_results
options:
  _input:
    description:
      - The declared allocations, each a dict with C(uuid) (required) and optionally C(state) (C(ok), C(erred) or
        C(terminated), any case), C(backend_id), C(report) (list of C(header)/C(body) dicts), C(error_message) and
        C(error_traceback). No other keys are allowed; each UUID at most once.
    type: list
    elements: dict
    required: true
  listed:
    description:
      - The provider's allocations as puhuri.core.puhuri_resource_info returns them (at least C(uuid), C(name) and
        C(state)). Only those in state C(Creating) are considered.
    type: list
    elements: dict
    required: true
  policy:
    description:
      - What to do with C(Creating) allocations that are not declared. C(leave) them, C(approve) them (state C(ok))
        or C(reject) them (state C(terminated)).
    type: str
    choices: [leave, approve, reject]
    default: leave
  hook_results:
    description:
      - Per allocation UUID, a dict with C(backend_id) and C(report) from the provisioning hook. They fill in what the
        declaration leaves out; a declared value wins. Null values are ignored.
    type: dict
    default: {}
'''

EXAMPLES = r'''
- name: Plan
  ansible.builtin.set_fact:
    plan: "{{ declared | puhuri.core.provision_plan(creating.resources, 'approve') }}"
  # plan.approve: the allocations to create local accounts for; plan.allocations: for puhuri_resource_state
'''

RETURN = r'''
_value:
  description: The plan.
  type: dict
  contains:
    allocations:
      description: The list for O(puhuri.core.puhuri_resource_state#module:allocations), declared ones first.
      type: list
      elements: dict
    approve:
      description:
        - The listed C(Creating) allocations being approved, each with C(declared), its declaration (empty when
          undeclared).
      type: list
      elements: dict
    undeclared:
      description: The listed C(Creating) allocations that are not declared, as C(uuid) and C(name).
      type: list
      elements: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.puhuri.core.plugins.module_utils._client import normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._lifecycle import declaration_problems, declared_state, repeated

POLICIES = ['leave', 'approve', 'reject']
POLICY_STATE = {'approve': 'ok', 'reject': 'terminated'}


def normalized(item):
    entry = dict((key, value) for key, value in item.items() if value is not None)
    entry['uuid'] = normalize_uuid(item['uuid'])
    if 'state' in entry:
        entry['state'] = declared_state(entry['state'])
    return entry


def with_hook_results(entry, hook_results):
    found = hook_results.get(entry['uuid']) or {}
    for key in ('backend_id', 'report'):
        if key not in entry and found.get(key) not in (None, '', []):
            entry[key] = found[key]
    return entry


def plan_problems(declared, policy='leave'):
    """Every problem of the role's input at once, each naming the variable and field; never a report body."""
    if policy not in POLICIES:
        return ['puhuri_undeclared_policy must be one of %s, got %r' % (', '.join(POLICIES), policy)]
    if not isinstance(declared, list):
        return ['puhuri_allocations must be a list of dicts, got %s' % type(declared).__name__]
    problems = []
    for index, item in enumerate(declared):
        problems.extend(declaration_problems(item, 'puhuri_allocations[%d]' % index))
    if not problems:
        problems.extend('puhuri_allocations declares %s more than once' % uuid
                        for uuid in repeated(normalize_uuid(item['uuid']) for item in declared))
    return problems


def provision_plan(declared, listed, policy='leave', hook_results=None):
    problems = plan_problems(declared, policy)
    if problems:
        raise AnsibleFilterError('; '.join(problems))
    entries = [normalized(item) for item in declared]
    by_uuid = dict((entry['uuid'], entry) for entry in entries)

    hook_results = hook_results or {}
    approve, undeclared, extra = [], [], []
    for resource in listed:
        if resource.get('state') != 'Creating':
            continue
        uuid = normalize_uuid(resource['uuid'])
        entry = by_uuid.get(uuid)
        if entry is None:
            undeclared.append(dict(uuid=uuid, name=resource.get('name')))
            if policy in POLICY_STATE:
                extra.append(dict(uuid=uuid, state=POLICY_STATE[policy]))
            approving = policy == 'approve'
        else:
            approving = entry.get('state') == 'ok'
        if approving:
            approve.append(dict(resource, declared=entry or {}))
    allocations = [with_hook_results(entry, hook_results) for entry in entries + extra]
    return dict(allocations=allocations, approve=approve, undeclared=undeclared)


class FilterModule(object):
    def filters(self):
        return {'provision_plan': provision_plan}
