# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Triage rules as data: validate a rule list, then decide pending orders with it (first matching rule wins).

A rule (all keys but name and decision are conditions; a rule without conditions matches every order):

    name: small-slurm             # required, unique: the plan names the rule that decided each order
    types: [Create]               # order types (Create, Update, Terminate; any case); default: all
    offerings: [<uuid or name>]   # the order's offering, by UUID or exact name; default: any
    plans: [<uuid or name>]       # the order's plan, by UUID or exact name; default: any
    max_limits: {cpu_k_hours: 100}  # every listed component of the order's limits at most this (missing: 0)
    max_update_factor: 2          # Update orders only: every new limit at most factor x the current one
    decision: approve | reject | leave
    comment: "..."                # reject only: the rejection comment, with {placeholders} (see COMMENT_KEYS)

Pure data in, data out: no HTTP. Private module (leading underscore): its API may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import string

from decimal import Decimal, InvalidOperation

RULE_KEYS = ('name', 'types', 'offerings', 'plans', 'max_limits', 'max_update_factor', 'decision', 'comment')
DECISIONS = ('approve', 'reject', 'leave')
ORDER_TYPES = ('Create', 'Update', 'Terminate')
# What a comment template may use, e.g. "{resource_name}: {limits} is more than we grant without review ({rule})".
COMMENT_KEYS = ('rule', 'order_uuid', 'type', 'resource_name', 'resource_uuid', 'offering_name', 'plan_name',
                'project_name', 'customer_name', 'limits', 'old_limits')


class TriageRuleError(ValueError):
    """A rule list that cannot be used; the message names the rule and the key."""


def _label(index, rule):
    name = rule.get('name') if isinstance(rule, dict) else None
    return 'triage rule %d%s' % (index + 1, ' (%r)' % name if isinstance(name, str) and name else '')


def _number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _names(label, key, value):
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item.strip() for item in value):
        raise TriageRuleError('%s: %s must be a non-empty list of names or UUIDs' % (label, key))
    return [item.strip() for item in value]


def _template_fields(label, comment):
    if not isinstance(comment, str) or not comment.strip():
        raise TriageRuleError('%s: comment must be a non-empty text' % label)
    try:
        fields = [field for _text, field, _spec, _conv in string.Formatter().parse(comment) if field is not None]
    except ValueError as error:
        raise TriageRuleError('%s: comment is not a valid template (%s); write {{ and }} for literal braces' % (label, error))
    unknown = sorted(set(field for field in fields if field not in COMMENT_KEYS))
    if unknown:
        raise TriageRuleError('%s: comment uses unknown placeholder(s) %s; allowed: %s'
                              % (label, ', '.join('{%s}' % f for f in unknown), ', '.join(COMMENT_KEYS)))


def validate_rules(rules):
    """The rules in canonical form; raise TriageRuleError naming the first bad rule and what is allowed."""
    if rules is None:
        return []
    if not isinstance(rules, list):
        raise TriageRuleError('triage rules must be a list of rules (dicts), got %s' % type(rules).__name__)
    checked, seen = [], {}
    for index, rule in enumerate(rules):
        label = _label(index, rule)
        if not isinstance(rule, dict):
            raise TriageRuleError('%s: a rule must be a dict with keys %s' % (label, ', '.join(RULE_KEYS)))
        unknown = sorted(str(key) for key in rule if key not in RULE_KEYS)
        if unknown:
            raise TriageRuleError('%s: unknown key(s) %s; allowed: %s' % (label, ', '.join(unknown), ', '.join(RULE_KEYS)))
        name = rule.get('name')
        if not isinstance(name, str) or not name.strip():
            raise TriageRuleError('%s: name is required (a non-empty text naming the rule in the plan)' % label)
        if name in seen:
            raise TriageRuleError('%s: name %r is already used by rule %d' % (label, name, seen[name] + 1))
        seen[name] = index
        decision = rule.get('decision')
        if decision not in DECISIONS:
            raise TriageRuleError('%s: decision must be one of %s, got %r' % (label, ', '.join(DECISIONS), decision))
        out = {'name': name, 'decision': decision, 'types': list(ORDER_TYPES), 'offerings': None, 'plans': None,
               'max_limits': None, 'max_update_factor': None, 'comment': None}
        if rule.get('types') is not None:
            by_lower = dict((t.lower(), t) for t in ORDER_TYPES)
            types = _names(label, 'types', rule['types'])
            bad = [t for t in types if t.lower() not in by_lower]
            if bad:
                raise TriageRuleError('%s: types has unknown value(s) %s; allowed: %s (any case)'
                                      % (label, ', '.join(repr(t) for t in bad), ', '.join(ORDER_TYPES)))
            out['types'] = [by_lower[t.lower()] for t in types]
        for key in ('offerings', 'plans'):
            if rule.get(key) is not None:
                out[key] = _names(label, key, rule[key])
        if rule.get('max_limits') is not None:
            limits = rule['max_limits']
            if not isinstance(limits, dict) or not limits:
                raise TriageRuleError('%s: max_limits must be a dict of component type to a number, e.g. {cpu_k_hours: 100}'
                                      % label)
            out['max_limits'] = {}
            for component, value in limits.items():
                number = _number(value)
                if number is None or number < 0:
                    raise TriageRuleError('%s: max_limits.%s must be a number of 0 or more, got %r' % (label, component, value))
                out['max_limits'][str(component)] = number
        if rule.get('max_update_factor') is not None:
            factor = _number(rule['max_update_factor'])
            if factor is None or factor <= 0:
                raise TriageRuleError('%s: max_update_factor must be a number greater than 0 (e.g. 2 for "at most double"), '
                                      'got %r' % (label, rule['max_update_factor']))
            if out['types'] != ['Update']:
                raise TriageRuleError('%s: max_update_factor compares with the current limits, which only Update orders '
                                      'have; set types: [Update]' % label)
            out['max_update_factor'] = factor
        if rule.get('comment') is not None:
            if decision != 'reject':
                raise TriageRuleError('%s: comment is the rejection comment; it is allowed only with decision: reject' % label)
            _template_fields(label, rule['comment'])
            out['comment'] = rule['comment']
        checked.append(out)
    return checked


def _limits(value):
    """{component: Decimal} of an order's limits; non-numeric values are kept as None (they match no threshold)."""
    return dict((str(key), _number(amount)) for key, amount in (value or {}).items()) if isinstance(value, dict) else {}


def _old_limits(order):
    attributes = order.get('attributes')
    return _limits(attributes.get('old_limits')) if isinstance(attributes, dict) else {}


def _within_max(limits, maximum):
    for component, ceiling in maximum.items():
        amount = limits.get(component, Decimal(0))
        if amount is None or amount > ceiling:
            return False
    return True


def _within_factor(limits, old, factor):
    for component, amount in limits.items():
        current = old.get(component) or Decimal(0)
        if amount is None or amount > factor * current:
            return False
    return True


def matches(rule, order):
    """True when every condition of the (validated) rule holds for the order."""
    if order.get('type') not in rule['types']:
        return False
    if rule['offerings'] is not None and not set(rule['offerings']) & {order.get('offering_uuid'), order.get('offering_name')}:
        return False
    if rule['plans'] is not None and not set(rule['plans']) & {order.get('plan_uuid'), order.get('plan_name')}:
        return False
    limits = _limits(order.get('limits'))
    if rule['max_limits'] is not None and not _within_max(limits, rule['max_limits']):
        return False
    if rule['max_update_factor'] is not None and not _within_factor(limits, _old_limits(order), rule['max_update_factor']):
        return False
    return True


def _show_limits(value):
    items = sorted((value or {}).items()) if isinstance(value, dict) else []
    return ', '.join('%s=%s' % (key, amount) for key, amount in items) or 'none'


def render_comment(template, rule_name, order):
    attributes = order.get('attributes') if isinstance(order.get('attributes'), dict) else {}
    values = {
        'rule': rule_name, 'order_uuid': order.get('uuid'), 'type': order.get('type'),
        'resource_name': order.get('resource_name'), 'resource_uuid': order.get('marketplace_resource_uuid'),
        'offering_name': order.get('offering_name'), 'plan_name': order.get('plan_name'),
        'project_name': order.get('project_name'), 'customer_name': order.get('customer_name'),
        'limits': _show_limits(order.get('limits')), 'old_limits': _show_limits(attributes.get('old_limits')),
    }
    return template.format(**dict((key, '' if value is None else value) for key, value in values.items()))


def decide(orders, rules):
    """One decision per order, in the orders' order: {order_uuid, resource_uuid, type, decision, rule, comment}.

    The first matching rule decides; an order no rule matches is left alone (decision leave, rule None).
    `rules` are validated first; a bad rule raises TriageRuleError before any order is looked at.
    """
    checked = validate_rules(rules)
    decisions = []
    for order in orders or []:
        rule = next((r for r in checked if matches(r, order)), None)
        decision = {'order_uuid': order.get('uuid'), 'resource_uuid': order.get('marketplace_resource_uuid'),
                    'type': order.get('type'), 'decision': rule['decision'] if rule else 'leave',
                    'rule': rule['name'] if rule else None, 'comment': None}
        if rule and rule['decision'] == 'reject' and rule['comment']:
            decision['comment'] = render_comment(rule['comment'], rule['name'], order)
        decisions.append(decision)
    return decisions
