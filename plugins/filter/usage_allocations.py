# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: usage_allocations
short_description: Group usage rows by allocation, optionally mapping local account names to allocations
version_added: 0.1.0
description:
  - Turns usage rows (one amount of one component of one allocation each) into the O(ignore:allocations) list of
    the bulk form of puhuri.core.puhuri_usage. The rows form of puhuri.core.puhuri_usage (option
    O(puhuri.core.puhuri_usage#module:rows)), which the role puhuri.core.report_usage runs, groups rows the same way
    inside the module.
  - A row names its allocation by C(backend_id) (your local account name) or by C(uuid). Without O(resources) the
    rows are grouped by either, and each allocation is given to puhuri.core.puhuri_usage by C(backend_id) or
    C(resource_uuid), which looks it up in its own listing. With O(resources) a C(backend_id) is looked up among
    them, and rows of allocations not among them are unknown.
  - Rows of the same allocation and component are added up, and the sum is rounded once to 2 decimals, half up (the
    API keeps 2 decimals). Where rows were added up or rounded, the allocation carries C(row_sums), the unrounded
    sums, which puhuri.core.puhuri_usage shows next to the rounded amounts in C(--diff).
  - A row with a C(user) (the local username of one user of the account) is that user's usage. The allocation's
    amount of the component is then the sum of its users' amounts, each user's sum rounded once (half up) first, and
    the users' amounts are returned in C(users) for per-user reporting. Rows of one user and component are added up.
  - For one allocation and component, either rows without C(user) (the total) or rows with C(user) may be given, not
    both. A file with a total row and per-user rows for the same account and component is refused, naming the rows,
    so nothing is counted twice.
  - Every problem (missing or unknown keys, bad amounts, unknown allocations) is reported at once.
author:
  - puhuri.core developers (@puhuri)
positional: _input, resources, unknown
options:
  _input:
    description:
      - The rows, each a dict with C(backend_id) or C(uuid), C(component), C(amount) (a number of at least 0) and
        optionally C(user) (the row is that user's usage), C(description) and C(source) (where the row came from,
        for messages).
    type: list
    elements: dict
    required: true
  resources:
    description:
      - The allocations usage can be reported for, as puhuri.core.puhuri_resource_info returns them (C(uuid) and
        C(backend_id)). A row naming an allocation that is not among them is unknown.
      - Omitted (null), the rows are not looked up; only their form is checked.
    type: list
    elements: dict
  unknown:
    description:
      - With O(resources), C(fail) on rows whose allocation is unknown, or C(skip) them (they are returned in
        RV(_value.skipped)).
    type: str
    choices: [fail, skip]
    default: fail
'''

EXAMPLES = r'''
- name: Group the rows
  ansible.builtin.set_fact:
    grouped: "{{ rows | puhuri.core.usage_allocations(listing.resources, unknown='skip') }}"

- name: Group the rows by backend_id or uuid, for puhuri.core.puhuri_usage to look up
  ansible.builtin.set_fact:
    grouped: "{{ rows | puhuri.core.usage_allocations }}"
'''

RETURN = r'''
_value:
  description: The grouped usage.
  type: dict
  contains:
    allocations:
      description:
        - For puhuri.core.puhuri_usage, in the order of first appearance, each with C(resource_uuid) (with
          O(resources), or rows given by C(uuid)) or C(backend_id), and C(usages) (a list of C(type), C(amount) as a
          decimal string, and C(description) when a row gave one), C(row_sums) (for each component type the
          unrounded sum of its rows, as a string, where rows were added up or rounded) and, when rows named users,
          C(users) (for each username, its amount of each component type).
      type: list
      elements: dict
    sources:
      description: For each of RV(_value.allocations), in the same order, where its rows came from (for messages).
      type: list
      elements: list
    skipped:
      description: The rows skipped because their allocation is unknown (with O(resources) and O(unknown=skip)).
      type: list
      elements: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.puhuri.core.plugins.module_utils._usage_rows import group_rows


def usage_allocations(rows, resources=None, unknown='fail'):
    grouped, problems = group_rows(rows, resources, unknown)
    if problems:
        raise AnsibleFilterError('usage rows: ' + '; '.join(problems))
    return grouped


class FilterModule(object):
    def filters(self):
        return {'usage_allocations': usage_allocations}
