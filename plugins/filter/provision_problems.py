# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: provision_problems
short_description: Every problem of the declared allocations of the role puhuri.core.provision
version_added: 0.2.0
description:
  - The checking step of the role puhuri.core.provision, before anything is read or sent.
  - Returns the problems of the declarations as puhuri.core.provision_plan would raise them, as a list of texts, each
    naming the variable, the index and the field and saying what is allowed. Never a report body, so the list can be
    shown in a task that is not C(no_log) (on ansible-core 2.16 a C(no_log) task hides its error message).
author:
  - puhuri.core developers (@puhuri)
positional: _input, policy, update_policy, terminate_policy, rules
options:
  _input:
    description: The declared allocations, as for puhuri.core.provision_plan.
    type: raw
    required: true
  policy:
    description: The policy for undeclared C(Creating) allocations, as for puhuri.core.provision_plan.
    type: str
    default: leave
  update_policy:
    description: The policy for pending Update orders, as for puhuri.core.provision_plan.
    type: str
    default: leave
  terminate_policy:
    description: The policy for pending Terminate orders, as for puhuri.core.provision_plan.
    type: str
    default: leave
  rules:
    description: The triage rules, as for puhuri.core.provision_plan; a bad rule is a problem naming the rule.
    type: list
    elements: dict
    default: []
'''

EXAMPLES = r'''
- name: Check the declared allocations
  ansible.builtin.assert:
    that: puhuri_problems | length == 0
    fail_msg: "{{ puhuri_problems | join('; ') }}"
    quiet: true
  vars:
    puhuri_problems: "{{ declared | puhuri.core.provision_problems('approve') }}"
'''

RETURN = r'''
_value:
  description: The problems; empty when the declarations are valid.
  type: list
  elements: str
'''

from ansible_collections.puhuri.core.plugins.module_utils._provision import plan_problems


class FilterModule(object):
    def filters(self):
        return {'provision_problems': plan_problems}
