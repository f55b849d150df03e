# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: usage_problems
short_description: Every problem of usage rows, as a list
version_added: 0.2.0
description:
  - Returns the problems puhuri.core.usage_allocations would raise for the same arguments, as a list of texts naming
    the row (its source and line) and what is wrong; empty when the rows are valid.
author:
  - puhuri.core developers (@puhuri)
positional: _input, resources, unknown
options:
  _input:
    description: The rows, as for puhuri.core.usage_allocations.
    type: list
    elements: dict
    required: true
  resources:
    description: The allocations usage can be reported for, as for puhuri.core.usage_allocations.
    type: list
    elements: dict
  unknown:
    description: C(fail) or C(skip) rows whose allocation is unknown, as for puhuri.core.usage_allocations.
    type: str
    choices: [fail, skip]
    default: fail
'''

EXAMPLES = r'''
- name: Check the rows
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "usage rows: {{ problems | join('; ') }}"
  vars:
    problems: "{{ rows | puhuri.core.usage_problems }}"
'''

RETURN = r'''
_value:
  description: The problems.
  type: list
  elements: str
'''

from ansible_collections.puhuri.core.plugins.module_utils._usage_rows import group_rows


def usage_problems(rows, resources=None, unknown='fail'):
    return group_rows(rows, resources, unknown)[1]


class FilterModule(object):
    def filters(self):
        return {'usage_problems': usage_problems}
