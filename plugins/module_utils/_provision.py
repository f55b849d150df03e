# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Provisioning plans: from the declared allocations, the Creating ones listed and the active ones with their open
orders, decide what is approved, rejected or left (declarations first, then triage rules, then the policies).
Used by the filter puhuri.core.provision_plan (the role's path with hooks) and by the bulk form of
puhuri_resource_state (the role's path without hooks, where the module's own listing is planned from).

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.puhuri.core.plugins.module_utils._uuids import normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._triage import TriageRuleError, decide, validate_rules
from ansible_collections.puhuri.core.plugins.module_utils._lifecycle import (
    declaration_problems, declared_state, repeated, whole_number,
)


class ProvisionPlanError(ValueError):
    """The declarations, policies or rules cannot be planned from; the message names every problem."""


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
        raise ProvisionPlanError('; '.join(problems))
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


def undeclared_decision(triage, resource, order, policy, entry, left):
    """The decision (approve, reject or leave) for an order its declaration leaves open: the triage rules, then the
    policy. A rejecting rule's comment goes into entry; an order left to the portal is noted in left."""
    decision, comment = triage.decide(resource, order, policy) if triage else (policy, None)
    with_comment(entry, comment)
    if decision == 'leave':
        left.append(dict(uuid=normalize_uuid(resource['uuid']), name=resource.get('name'), order_type=order['type']))
    return decision


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
                    decision = undeclared_decision(triage, resource, order, update_policy, entry, left)
                    if decision == 'leave':
                        continue
                    entry['limits'] = order.get('limits') if decision == 'approve' else resource.get('limits')
                if dict(current, **limits_as_ints(entry['limits'])) == requested:
                    entry.setdefault('state', 'ok')  # the update hook runs first: approve and finish in one run
                    update.append(dict(resource, declared=entry, order=order, old_limits=order.get('old_limits'),
                                       new_limits=order.get('limits')))
            else:
                if 'state' not in entry:
                    decision = undeclared_decision(triage, resource, order, terminate_policy, entry, left)
                    if decision == 'leave':
                        continue
                    entry['state'] = 'terminated' if decision == 'approve' else 'ok'  # approving a Terminate order ends it
                if entry['state'] == 'terminated':
                    teardown.append(dict(resource, declared=entry, order=order))
            if uuid not in by_uuid:
                by_uuid[uuid] = entry
                extra.append(entry)
    return update, teardown, left
