# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: usage_summary
short_description: What the role puhuri.core.report_usage reported, in lines of text
version_added: 0.2.0
description:
  - The last step of the role puhuri.core.report_usage, usable on its own.
  - One line with the numbers of allocations reported (in check mode, that would be reported), unchanged, and the
    rows skipped because their allocation is unknown (named by source and line); one line per reported allocation
    with its name and its totals after the task.
  - The result of the rows form of puhuri.core.puhuri_usage (O(puhuri.core.puhuri_usage#module:rows),
    O(puhuri.core.puhuri_usage#module:src)) carries all this itself; the result of its bulk form needs O(grouped).
author:
  - puhuri.core developers (@puhuri)
positional: _input, grouped, check_mode
options:
  _input:
    description: The registered result of the bulk puhuri.core.puhuri_usage task (empty when skipped).
    type: dict
    required: true
  grouped:
    description:
      - For a task of the bulk form, the result of puhuri.core.usage_allocations the task was given.
      - Omitted for a task of the rows form, whose result names the skipped rows (RV(puhuri.core.puhuri_usage#module:skipped_rows))
        and counts the unchanged allocations (RV(puhuri.core.puhuri_usage#module:unchanged)).
    type: dict
  check_mode:
    description: Whether the play runs in check mode.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Show what a task of the rows form reported
  ansible.builtin.debug:
    msg: "{{ result | puhuri.core.usage_summary(check_mode=ansible_check_mode) }}"

- name: Show what a task of the bulk form reported, given the grouped rows
  ansible.builtin.debug:
    msg: "{{ result | puhuri.core.usage_summary(grouped, ansible_check_mode) }}"
'''

RETURN = r'''
_value:
  description: The lines.
  type: list
  elements: str
'''

import json


def usage_summary(result, grouped=None, check_mode=False):
    result = result or {}
    results = result.get('results') or []
    changed = [r for r in results if r.get('changed')]
    if grouped is None:
        # The rows form: the result counts the unchanged allocations and names the skipped rows.
        unchanged = result.get('unchanged', 0)
        skipped = list(result.get('skipped_rows') or [])
    else:
        unchanged = len([r for r in results if not r.get('skipped')]) - len(changed)
        # The module's results are in the order of the allocations it was given, as grouped.sources.
        skipped = [source for r, sources in zip(results, grouped.get('sources') or []) if r.get('skipped') for source in sources]
        skipped.extend(row.get('source') for row in grouped.get('skipped') or [])
    lines = ['%d allocation(s) %s, %d unchanged, %d row(s) skipped (unknown allocation)%s' % (
        len(changed), 'would be reported' if check_mode else 'reported', unchanged, len(skipped),
        ': ' + ', '.join(skipped) if skipped else '')]
    lines.extend('%s: %s' % (r.get('name'), json.dumps(r.get('after'))) for r in changed)
    return lines


class FilterModule(object):
    def filters(self):
        return {'usage_summary': usage_summary}
