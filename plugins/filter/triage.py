# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: triage
short_description: Decide pending orders with triage rules (first matching rule wins)
version_added: 0.2.0
description:
  - Takes orders as M(puhuri.core.puhuri_order_info) returns them and a list of triage rules, and returns one
    decision per order, in the same order. Sends nothing; it is the data layer of triage.
  - The rules are checked first; an unknown key, a bad threshold, an unknown order type or decision, or a comment
    template with an unknown placeholder fails with an error naming the rule (its position and name) and what is allowed.
  - "A rule has a unique O(rules[].name), a O(rules[].decision) and optional conditions; all of its conditions must
    hold. The first rule whose conditions hold decides. An order that no rule matches is left alone (C(leave),
    rule null)."
author:
  - puhuri.core developers (@puhuri)
positional: _input, rules
options:
  _input:
    description:
      - The orders (C(uuid), C(type), C(offering_uuid), C(offering_name), C(plan_uuid), C(plan_name), C(limits),
        C(attributes.old_limits) for Update orders, C(marketplace_resource_uuid), and for comments C(resource_name),
        C(project_name), C(customer_name)).
    type: list
    elements: dict
    required: true
  rules:
    description: The triage rules, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The rule's name, unique in the list; the decision names it.
        type: str
        required: true
      decision:
        description: What to do with an order the rule matches.
        type: str
        choices: [approve, reject, leave]
        required: true
      types:
        description: Order types the rule matches, any of C(Create), C(Update), C(Terminate) (any case). Default all.
        type: list
        elements: str
      offerings:
        description: Offerings (UUID or exact name) the rule matches. Default any.
        type: list
        elements: str
      plans:
        description: Plans (UUID or exact name) the rule matches. Default any.
        type: list
        elements: str
      max_limits:
        description:
          - Per component type, the most the order's C(limits) may ask for (a number of 0 or more). A component the
            order does not list counts as 0; a component the rule does not list is not limited.
        type: dict
      max_update_factor:
        description:
          - Update orders only (the rule must have C(types=[Update])). Every new limit may be at most this factor
            times the current limit (C(attributes.old_limits)); a component without a current limit counts as 0,
            so any increase of it does not match. For example C(2) is "at most double".
        type: float
      comment:
        description:
          - With C(decision=reject) only, the rejection comment, a template with placeholders in braces,
            C({rule}), C({order_uuid}), C({type}), C({resource_name}), C({resource_uuid}), C({offering_name}),
            C({plan_name}), C({project_name}), C({customer_name}), C({limits}), C({old_limits}) (limits as
            C(cpu_k_hours=10, gpu_k_hours=2)). Write C({{) and C(}}) for literal braces.
          - Waldur 8.x stores it as C(provider_rejection_comment); 7.0.7 has no such field.
        type: str
'''

EXAMPLES = r'''
- name: Decide the pending orders
  ansible.builtin.set_fact:
    decisions: "{{ pending.orders | puhuri.core.triage(puhuri_triage_rules) }}"
  vars:
    puhuri_triage_rules:
      - name: small-slurm
        types: [Create]
        offerings: [HPC Slurm (site agent)]
        max_limits: {cpu_k_hours: 100, gpu_k_hours: 10}
        decision: approve
      - name: modest-growth
        types: [Update]
        max_update_factor: 2
        decision: approve
      - name: too-big
        types: [Create, Update]
        offerings: [HPC Slurm (site agent)]
        decision: reject
        comment: "{resource_name}: {limits} needs a review; please write to support@hpc.example.org"
'''

RETURN = r'''
_value:
  description: One decision per order, in the order of the input.
  type: list
  elements: dict
  contains:
    order_uuid:
      description: The order.
      type: str
    resource_uuid:
      description: The allocation (the order's C(marketplace_resource_uuid)).
      type: str
    type:
      description: The order type.
      type: str
    decision:
      description: C(approve), C(reject) or C(leave).
      type: str
    rule:
      description: The name of the rule that decided, or null when no rule matched.
      type: str
    comment:
      description: The rendered rejection comment, or null.
      type: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.puhuri.core.plugins.module_utils._triage import TriageRuleError, decide


def triage(orders, rules):
    if not isinstance(orders, list) or not all(isinstance(order, dict) for order in orders):
        raise AnsibleFilterError('puhuri.core.triage: the input must be a list of orders (dicts)')
    try:
        return decide(orders, rules)
    except TriageRuleError as error:
        raise AnsibleFilterError('puhuri.core.triage: %s' % error)


class FilterModule(object):
    def filters(self):
        return {'triage': triage}
