# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: declarations_file
short_description: Read the declared allocations of a JSON or YAML file, as puhuri_resource_state's src does
version_added: 0.2.0
description:
  - Turns the text of a declarations file into the list of declarations, checked as the file of
    O(puhuri.core.puhuri_resource_state#module:src) is. Used by the role puhuri.core.provision with a hook, where the
    plan needs the declarations on the controller.
  - The text is a JSON or YAML list of declarations, or a mapping whose only key C(puhuri_allocations) is one.
  - Every problem is raised at once (or, with O(problems), returned), each named C(<source> item <n>) (n from 1);
    never a report body.
author:
  - puhuri.core developers (@puhuri)
positional: _input, source
options:
  _input:
    description: The file's text, for example from the lookup ansible.builtin.file.
    type: str
    required: true
  source:
    description: The name the problems give the file, usually its path.
    type: str
    default: input
  problems:
    description:
      - Return the list of problems (empty when the file is good) instead of the declarations, so a task can show
        them (ansible-core 2.19 and later keep the message of an error raised inside a larger expression from view).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: The declarations of a file, on the controller
  ansible.builtin.set_fact:
    declared: "{{ lookup('ansible.builtin.file', 'allocations.yml') | puhuri.core.declarations_file('allocations.yml') }}"
  no_log: true  # declared reports are secrets
'''

RETURN = r'''
_value:
  description: The declarations, as the items of the role variable puhuri_allocations; with O(problems), the problems.
  type: list
  elements: raw
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.puhuri.core.plugins.module_utils._lifecycle import (
    DeclarationsFileError, declaration_problems, file_declarations,
)


def declarations_file(text, source='input', problems=False):
    try:
        items = file_declarations(str(text or ''), source)
        found = ['%s: %s' % (where, problem) for where, item in items for problem in declaration_problems(item)]
    except DeclarationsFileError as error:
        items, found = [], [str(error)]
    if problems:
        return found
    if found:
        raise AnsibleFilterError('; '.join(found))
    return [item for _where, item in items]


class FilterModule(object):
    def filters(self):
        return {'declarations_file': declarations_file}
