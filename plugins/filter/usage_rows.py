# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: usage_rows
short_description: Read usage rows from CSV or JSON text
version_added: 0.1.0
description:
  - Turns the text of a usage file or of a command's output into a list of usage rows for
    puhuri.core.usage_allocations. Used by the role puhuri.core.report_usage.
  - CSV needs a header line. Column names are matched case-insensitively; the columns are C(backend_id) or C(uuid),
    C(component), C(amount) and optionally C(user) (the row is that user's usage, see puhuri.core.usage_allocations)
    and C(description); other columns are ignored. Empty lines and lines starting
    with C(#) are skipped.
  - JSON must be a list of objects with the same keys.
  - Each row gets a key C(source) saying where it came from (for example C(usage.csv line 3)), for error messages.
author:
  - puhuri.core developers (@puhuri)
positional: _input, format, delimiter, source
options:
  _input:
    description: The text.
    type: str
    required: true
  format:
    description: C(csv), C(json), or C(auto) (JSON when the text starts with C([), else CSV).
    type: str
    choices: [auto, csv, json]
    default: auto
  delimiter:
    description: The CSV field delimiter, for example C(|) for the parsable output of C(sreport -P).
    type: str
    default: ','
  source:
    description: The name of the text's origin, used in the rows' C(source).
    type: str
    default: input
'''

EXAMPLES = r'''
- name: Rows from a CSV file on the controller
  ansible.builtin.set_fact:
    rows: "{{ lookup('ansible.builtin.file', 'usage.csv') | puhuri.core.usage_rows('csv', source='usage.csv') }}"
'''

RETURN = r'''
_value:
  description: The rows, each a dict with the columns found and C(source).
  type: list
  elements: dict
'''

import csv
import io
import json

from ansible.errors import AnsibleFilterError

COLUMNS = ['backend_id', 'uuid', 'user', 'component', 'amount', 'description']
FORMATS = ['auto', 'csv', 'json']


def csv_rows(text, delimiter, source):
    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1)
             if line.strip() and not line.lstrip().startswith('#')]
    if not lines:
        return []
    reader = csv.reader(io.StringIO('\n'.join(line for _number, line in lines)), delimiter=delimiter)
    records = list(reader)
    header = [name.strip().lower() for name in records[0]]
    if 'component' not in header or 'amount' not in header or not ({'backend_id', 'uuid'} & set(header)):
        raise AnsibleFilterError('%s: the CSV header (line %d) must name the columns backend_id or uuid, component and '
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
        raise AnsibleFilterError('%s is not valid JSON: %s' % (source, error))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise AnsibleFilterError('%s must be a JSON list of objects with the keys backend_id or uuid, component and amount'
                                 % source)
    return [dict(item, source='%s item %d' % (source, index)) for index, item in enumerate(data, 1)]


def usage_rows(text, format='auto', delimiter=',', source='input'):  # pylint: disable=redefined-builtin
    if format not in FORMATS:
        raise AnsibleFilterError('format must be one of %s, got %r' % (', '.join(FORMATS), format))
    text = str(text or '')
    if format == 'json' or (format == 'auto' and text.lstrip().startswith('[')):
        return json_rows(text, source)
    return csv_rows(text, delimiter, source)


class FilterModule(object):
    def filters(self):
        return {'usage_rows': usage_rows}
