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

from ansible.errors import AnsibleFilterError

from ansible_collections.puhuri.core.plugins.module_utils._usage_rows import UsageRowsError, parse_rows


def usage_rows(text, format='auto', delimiter=',', source='input'):  # pylint: disable=redefined-builtin
    try:
        return parse_rows(text, format, delimiter, source)
    except UsageRowsError as error:
        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {'usage_rows': usage_rows}
