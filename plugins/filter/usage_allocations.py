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
    the bulk form of puhuri.core.puhuri_usage. Used by the role puhuri.core.report_usage.
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

from decimal import ROUND_HALF_UP, Decimal

from ansible.errors import AnsibleFilterError

from ansible_collections.puhuri.core.plugins.module_utils._client import is_uuid, normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._usage import parse_number

KEYS = ['backend_id', 'uuid', 'user', 'component', 'amount', 'description', 'source']
CENT = Decimal('0.01')


def amount_of(value):
    """A row's amount: any number of decimals (rows are summed, then rounded to cents), or None."""
    return parse_number(value)[0]


def usage_allocations(rows, resources=None, unknown='fail'):
    grouped, problems = group_rows(rows, resources, unknown)
    if problems:
        raise AnsibleFilterError('usage rows: ' + '; '.join(problems))
    return grouped


def group_rows(rows, resources=None, unknown='fail'):
    """(the grouped usage, every problem of the rows); the grouped usage is None when there are problems."""
    if unknown not in ('fail', 'skip'):
        return None, ["unknown must be 'fail' or 'skip', got %r" % (unknown,)]
    by_backend_id, listed = {}, set()
    for resource in resources or []:
        uuid = normalize_uuid(resource['uuid'])
        listed.add(uuid)
        if resource.get('backend_id'):
            by_backend_id.setdefault(resource['backend_id'], []).append(uuid)
    problems, skipped, totals, sources, descriptions, unknown_found = [], [], {}, {}, {}, False
    row_kinds = {}  # (allocation, component) -> {'total': [where], 'user': [where]}
    for index, row in enumerate(rows):
        where = (row.get('source') if isinstance(row, dict) else None) or 'puhuri_usage_rows[%d]' % index
        if not isinstance(row, dict):
            problems.append('%s must be a dict with backend_id or uuid, component and amount' % where)
            continue
        extra = sorted(set(row) - set(KEYS))
        backend_id, uuid = str(row.get('backend_id') or '').strip(), str(row.get('uuid') or '').strip()
        component, amount = str(row.get('component') or '').strip(), amount_of(row.get('amount'))
        user = str(row.get('user') or '').strip()
        row_problems = []
        if extra:
            row_problems.append('unknown key(s) %s (allowed: %s)' % (', '.join(extra), ', '.join(KEYS)))
        if bool(backend_id) == bool(uuid):
            row_problems.append('needs exactly one of backend_id and uuid')
        elif uuid and not is_uuid(uuid):
            row_problems.append('uuid must be a UUID, got %r' % uuid)
        if not component:
            row_problems.append('needs a component (for example cpu_k_hours)')
        if amount is None:
            row_problems.append('amount must be a number of at least 0, got %r' % (row.get('amount'),))
        if row_problems:
            problems.append('%s: %s' % (where, '; '.join(row_problems)))
            continue
        if resources is None:
            # puhuri_usage looks the allocation up by the key it is given.
            matches = [('resource_uuid', normalize_uuid(uuid)) if uuid else ('backend_id', backend_id)]
        elif uuid:
            matches = [('resource_uuid', normalize_uuid(uuid))] if normalize_uuid(uuid) in listed else []
        else:
            matches = [('resource_uuid', match) for match in by_backend_id.get(backend_id, [])]
        if len(matches) > 1:
            problems.append('%s: backend_id %r belongs to several allocations (%s); name the allocation by uuid'
                            % (where, backend_id, ', '.join(match for _key, match in matches)))
            continue
        if not matches:
            what = 'backend_id %r' % backend_id if backend_id else 'uuid %s' % uuid
            if unknown == 'skip':
                skipped.append(dict(row, source=where))
            else:
                problems.append('%s: %s is not one of the allocations usage can be reported for' % (where, what))
                unknown_found = True
            continue
        per_component = totals.setdefault(matches[0], {})
        per_user = per_component.setdefault(component, {})
        per_user[user] = per_user.get(user, Decimal(0)) + amount
        row_kinds.setdefault((matches[0], component), {}).setdefault('user' if user else 'total', []).append(where)
        sources.setdefault(matches[0], []).append(where)
        if row.get('description'):
            descriptions[(matches[0], component)] = str(row['description'])
    for (allocation, component), kinds in row_kinds.items():
        if len(kinds) == 2:
            problems.append('%s %s, component %s: both a total row (%s) and per-user rows (%s); give either the total '
                            '(rows without user) or one row per user, whose sum is the total'
                            % (allocation[0], allocation[1], component, ', '.join(kinds['total']), ', '.join(kinds['user'])))
    if unknown_found:
        problems.append('rows of accounts that are not Puhuri allocations can be skipped (puhuri_usage_unknown: skip)')
    if problems:
        return None, problems
    allocations = []
    for allocation, per_component in totals.items():
        usages, row_sums, users = [], {}, {}
        for component, per_user in per_component.items():
            rounded = dict((user, raw.quantize(CENT, rounding=ROUND_HALF_UP)) for user, raw in per_user.items())
            # Per-user rows: the total is the sum of the users' rounded amounts, so the users never exceed it.
            usage = dict(type=component, amount=str(sum(rounded.values(), Decimal(0))))
            raw = sum(per_user.values(), Decimal(0))
            if sum(len(wheres) for wheres in row_kinds[(allocation, component)].values()) > 1 or raw != Decimal(usage['amount']):
                row_sums[component] = str(raw)
            for user, amount in rounded.items():
                if user:
                    users.setdefault(user, {})[component] = str(amount)
            if (allocation, component) in descriptions:
                usage['description'] = descriptions[(allocation, component)]
            usages.append(usage)
        item = {allocation[0]: allocation[1], 'usages': usages}
        if row_sums:
            item['row_sums'] = row_sums
        if users:
            item['users'] = users
        allocations.append(item)
    return dict(allocations=allocations, sources=[sources[allocation] for allocation in totals], skipped=skipped), []


class FilterModule(object):
    def filters(self):
        return {'usage_allocations': usage_allocations}
