# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Usage rows: read them from CSV or JSON text, and group them by allocation with every problem named at once.

Used by puhuri_usage (its rows and src options) and by the filters usage_rows, usage_allocations and usage_problems,
which turn UsageRowsError into AnsibleFilterError (module_utils cannot import ansible.errors).

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import csv
import io
import json
from decimal import ROUND_HALF_UP, Decimal

from ansible_collections.puhuri.core.plugins.module_utils._uuids import is_uuid, normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._usage import parse_number

COLUMNS = ['backend_id', 'uuid', 'user', 'component', 'amount', 'description']
FORMATS = ['auto', 'csv', 'json']
KEYS = COLUMNS + ['source']
CENT = Decimal('0.01')
ROLE_SKIP_HINT = 'rows of accounts that are not Puhuri allocations can be skipped (puhuri_usage_unknown: skip)'


class UsageRowsError(ValueError):
    """Rows that cannot be read at all (a bad header, JSON that does not parse); the text says where and why."""


def csv_rows(text, delimiter, source):
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise UsageRowsError('%s: the CSV delimiter must be one character, got %r' % (source, delimiter))
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith('#')]
    if not lines:
        return []
    reader = csv.reader(io.StringIO('\n'.join(line for _number, line in lines)), delimiter=delimiter)
    records = list(reader)
    header = [name.strip().lower() for name in records[0]]
    if 'component' not in header or 'amount' not in header or not ({'backend_id', 'uuid'} & set(header)):
        raise UsageRowsError('%s: the CSV header (line %d) must name the columns backend_id or uuid, component and '
                             'amount (delimiter %r), got %s' % (source, lines[0][0], delimiter, ', '.join(header)))
    rows = []
    for (number, _line), record in zip(lines[1:], records[1:]):
        row = dict((name, value.strip()) for name, value in zip(header, record) if name in COLUMNS)
        row['source'] = '%s line %d' % (source, number)
        rows.append(row)
    return rows


def json_rows(text, source):
    try:
        data = json.loads(text)
    except ValueError as error:
        raise UsageRowsError('%s is not valid JSON: %s' % (source, error))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise UsageRowsError('%s must be a JSON list of objects with the keys backend_id or uuid, component and amount'
                             % source)
    return [dict(item, source='%s item %d' % (source, index)) for index, item in enumerate(data, 1)]


def parse_rows(text, format='auto', delimiter=',', source='input'):  # pylint: disable=redefined-builtin
    """The rows of a CSV or JSON text, each with its `source` (for example 'usage.csv line 3')."""
    if format not in FORMATS:
        raise UsageRowsError('format must be one of %s, got %r' % (', '.join(FORMATS), format))
    text = str(text or '')
    if format == 'json' or (format == 'auto' and text.lstrip().startswith('[')):
        return json_rows(text, source)
    return csv_rows(text, delimiter, source)


def group_rows(rows, resources=None, unknown='fail', name='puhuri_usage_rows', skip_hint=ROLE_SKIP_HINT):
    """(the grouped usage, every problem of the rows); the grouped usage is None when there are problems.

    resources: the allocations usage can be reported for ({uuid, backend_id}); None: only the rows' form is checked
    and they are grouped by backend_id or uuid as given. name: how a row without a source is named (name[index]);
    skip_hint: the last problem when rows name unknown allocations, saying how to skip them.
    """
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
        where = (row.get('source') if isinstance(row, dict) else None) or '%s[%d]' % (name, index)
        if not isinstance(row, dict):
            problems.append('%s must be a dict with backend_id or uuid, component and amount' % where)
            continue
        extra = sorted(set(row) - set(KEYS))
        backend_id, uuid = str(row.get('backend_id') or '').strip(), str(row.get('uuid') or '').strip()
        component, amount = str(row.get('component') or '').strip(), parse_number(row.get('amount'))[0]
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
        problems.append(skip_hint)
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
