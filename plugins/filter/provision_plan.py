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
  - "With O(active) (allocations with their C(open_orders), from puhuri.core.puhuri_resource_info with
    C(include: [orders])) it also decides the consumer's C(pending-provider) Update and Terminate orders: an Update
    order is approved when the declared C(limits) are the requested ones (RV(_value.updates)); a Terminate order when
    the allocation is declared C(terminated) (RV(_value.teardowns)). Orders of allocations that declare no C(limits)
    (Update) or no C(state) (Terminate) follow O(update_policy) and O(terminate_policy)."

author:
  - puhuri.core developers (@puhuri)
positional: _input, listed, policy, hook_results, active, update_policy, terminate_policy, rules
options:
  _input:
    description:
      - The declared allocations, each a dict with C(uuid) (required) and optionally C(state) (C(ok), C(erred) or
        C(terminated), any case), C(backend_id), C(report) (list of C(header)/C(body) dicts), C(error_message) and
        C(error_traceback), C(limits). No other keys are allowed; each UUID at most once.
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
  active:
    description:
      - "Allocations with their C(open_orders), as puhuri.core.puhuri_resource_info returns them with
        C(include: [orders]). Only C(pending-provider) Update and Terminate orders are considered."
    type: list
    elements: dict
    default: []
  update_policy:
    description:
      - What to do with a pending Update order of an allocation that declares no C(limits). C(leave) it, C(approve)
        it (its requested limits become the declared ones) or C(reject) it (the current limits are declared).
    type: str
    choices: [leave, approve, reject]
    default: leave
  terminate_policy:
    description:
      - What to do with a pending Terminate order of an allocation that declares no C(state). C(leave) it,
        C(approve) it (state C(terminated)) or C(reject) it (state C(ok)).
    type: str
    choices: [leave, approve, reject]
    default: leave
  rules:
    description:
      - Triage rules (see the filter puhuri.core.triage for their format) for the orders nobody declared, before the
        policies. The first matching rule decides (V(approve), V(reject) or V(leave)); an order no rule matches
        follows O(policy), O(update_policy) or O(terminate_policy). A declaration always wins over the rules.
      - Decided as the policies decide, approve and reject become the declarations those make (for a rejected
        Update order, the current limits). The rule that decided each order is in RV(_value.triaged).
      - Bad rules raise an error naming the rule, before anything is read or sent.
    type: list
    elements: dict
    default: []
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
    triaged:
      description:
        - One entry per order a triage rule decided, with C(uuid) and C(name) of the allocation, C(type) (C(Create),
          C(Update) or C(Terminate)), C(decision) and C(rule) (its name).
      type: list
      elements: dict
    updates:
      description:
        - The allocations whose Update order is being approved, each with C(declared), C(order), C(old_limits) (the
          order's C(attributes.old_limits)) and C(new_limits) (the requested limits).
      type: list
      elements: dict
    teardowns:
      description: The allocations whose Terminate order is being approved, each with C(declared) and C(order).
      type: list
      elements: dict
    left:
      description: The pending Update and Terminate orders left to the portal, as C(uuid), C(name) and C(order_type).
      type: list
      elements: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.puhuri.core.plugins.module_utils._provision import ProvisionPlanError
from ansible_collections.puhuri.core.plugins.module_utils._provision import provision_plan as plan


def provision_plan(declared, listed, policy='leave', hook_results=None, active=None, update_policy='leave',
                   terminate_policy='leave', rules=None):
    try:
        return plan(declared, listed, policy, hook_results, active, update_policy, terminate_policy, rules)
    except ProvisionPlanError as error:
        raise AnsibleFilterError(str(error))


class FilterModule(object):
    def filters(self):
        return {'provision_plan': provision_plan}
