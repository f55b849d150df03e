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

from ansible_collections.puhuri.core.plugins.module_utils._client import normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._triage import TriageRuleError, decide, validate_rules
from ansible_collections.puhuri.core.plugins.module_utils._lifecycle import (
    declaration_problems, declared_state, repeated, whole_number,
)

POLICIES = ['leave', 'approve', 'reject']
POLICY_STATE = {'approve': 'ok', 'reject': 'terminated'}


def normalized(item):
    entry = dict((key, value) for key, value in item.items() if value is not None)
    entry['uuid'] = normalize_uuid(item['uuid'])
    if 'state' in entry:
        entry['state'] = declared_state(entry['state'])
    return entry


def with_hook_results(entry, hook_results):
    found = hook_results.get(entry['uuid']) or {}
    for key in ('backend_id', 'report'):
        if key not in entry and found.get(key) not in (None, '', []):
            entry[key] = found[key]
    return entry


def plan_problems(declared, policy='leave', update_policy='leave', terminate_policy='leave', rules=None):
    """Every problem of the role's input at once, each naming the variable and field; never a report body."""
    try:
        validate_rules(rules or [])
    except TriageRuleError as error:
        return ['puhuri_triage_rules: %s' % error]
    for name, value in (('puhuri_undeclared_policy', policy), ('puhuri_update_policy', update_policy),
                        ('puhuri_terminate_policy', terminate_policy)):
        if value not in POLICIES:
            return ['%s must be one of %s, got %r' % (name, ', '.join(POLICIES), value)]
    if not isinstance(declared, list):
        return ['puhuri_allocations must be a list of dicts, got %s' % type(declared).__name__]
    problems = []
    for index, item in enumerate(declared):
        problems.extend(declaration_problems(item, 'puhuri_allocations[%d]' % index))
    if not problems:
        problems.extend('puhuri_allocations declares %s more than once' % uuid
                        for uuid in repeated(normalize_uuid(item['uuid']) for item in declared))
    return problems


def provision_plan(declared, listed, policy='leave', hook_results=None, active=None, update_policy='leave',
                   terminate_policy='leave', rules=None):
    problems = plan_problems(declared, policy, update_policy, terminate_policy, rules)
    if problems:
        raise AnsibleFilterError('; '.join(problems))
    triage = Triage(rules)
    entries = [normalized(item) for item in declared]
    by_uuid = dict((entry['uuid'], entry) for entry in entries)

    hook_results = hook_results or {}
    approve, undeclared, extra = [], [], []
    for resource in listed:
        if resource.get('state') != 'Creating':
            continue
        uuid = normalize_uuid(resource['uuid'])
        entry = by_uuid.get(uuid)
        if entry is None:
            undeclared.append(dict(uuid=uuid, name=resource.get('name')))
            decision, comment = triage.decide(resource, {'type': 'Create', 'limits': resource.get('limits')}, policy)
            if decision in POLICY_STATE:
                extra.append(with_comment(dict(uuid=uuid, state=POLICY_STATE[decision]), comment))
            approving = decision == 'approve'
        else:
            approving = entry.get('state') == 'ok'
        if approving:
            approve.append(dict(resource, declared=entry or {}))
    update, teardown, left = pending_orders(active or [], by_uuid, extra, update_policy, terminate_policy, triage)
    allocations = [with_hook_results(entry, hook_results) for entry in entries + extra]
    return dict(allocations=allocations, approve=approve, undeclared=undeclared, updates=update, teardowns=teardown,
                left=left, triaged=triage.decided)


class Triage(object):
    """The triage rules, asked for each order nobody declared; the policy answers where no rule matches."""

    def __init__(self, rules):
        self.rules = rules or []
        self.decided = []

    def decide(self, resource, order, policy):
        """(decision, rejection comment or None) for one order."""
        if not self.rules:
            return policy, None
        attributes = {'old_limits': order.get('old_limits')} if order.get('type') == 'Update' else {}
        [decision] = decide([dict(order, uuid=order.get('uuid'), marketplace_resource_uuid=resource.get('uuid'),
                                  resource_name=resource.get('name'), offering_uuid=resource.get('offering_uuid'),
                                  offering_name=resource.get('offering_name'), plan_uuid=resource.get('plan_uuid'),
                                  plan_name=resource.get('plan_name'), project_name=resource.get('project_name'),
                                  customer_name=resource.get('customer_name'), attributes=attributes)], self.rules)
        if decision['rule'] is None:
            return policy, None
        self.decided.append(dict(uuid=normalize_uuid(resource['uuid']), name=resource.get('name'), type=order.get('type'),
                                 decision=decision['decision'], rule=decision['rule']))
        return decision['decision'], decision['comment']


def with_comment(entry, comment):
    if comment:
        entry['rejection_comment'] = comment
    return entry


def limits_as_ints(limits):
    return dict((key, whole_number(value)) for key, value in (limits or {}).items())


def pending_orders(active, by_uuid, extra, update_policy, terminate_policy, triage=None):
    """(update, teardown, left) of the pending-provider Update and Terminate orders of `active`; the declarations
    the policies make are added to by_uuid's entries or appended to extra."""
    update, teardown, left = [], [], []
    for resource in active:
        uuid = normalize_uuid(resource['uuid'])
        for order in resource.get('open_orders') or []:
            if order.get('state') != 'pending-provider' or order.get('type') not in ('Update', 'Terminate'):
                continue
            entry = by_uuid.get(uuid)
            if entry is None:
                entry = dict(uuid=uuid)
            current = limits_as_ints(resource.get('limits'))
            if order['type'] == 'Update':
                requested = dict(current, **limits_as_ints(order.get('limits')))
                if 'limits' not in entry:
                    decision, comment = triage.decide(resource, order, update_policy) if triage else (update_policy, None)
                    with_comment(entry, comment)
                    if decision == 'leave':
                        left.append(dict(uuid=uuid, name=resource.get('name'), order_type='Update'))
                        continue
                    entry['limits'] = order.get('limits') if decision == 'approve' else resource.get('limits')
                if dict(current, **limits_as_ints(entry['limits'])) == requested:
                    entry.setdefault('state', 'ok')  # the update hook runs first: approve and finish in one run
                    update.append(dict(resource, declared=entry, order=order, old_limits=order.get('old_limits'),
                                       new_limits=order.get('limits')))
            else:
                if 'state' not in entry:
                    decision, comment = triage.decide(resource, order, terminate_policy) if triage else (terminate_policy, None)
                    with_comment(entry, comment)
                    if decision == 'leave':
                        left.append(dict(uuid=uuid, name=resource.get('name'), order_type='Terminate'))
                        continue
                    entry['state'] = POLICY_STATE[decision] if decision == 'approve' else 'ok'
                if entry['state'] == 'terminated':
                    teardown.append(dict(resource, declared=entry, order=order))
            if uuid not in by_uuid:
                by_uuid[uuid] = entry
                extra.append(entry)
    return update, teardown, left


class FilterModule(object):
    def filters(self):
        return {'provision_plan': provision_plan}
