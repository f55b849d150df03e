# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Triage rules: validation (errors name the rule) and decisions (first matching rule wins), and the filter."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.puhuri.core.plugins.filter.triage import triage
from ansible_collections.puhuri.core.plugins.module_utils._triage import TriageRuleError, decide, validate_rules

pytestmark = pytest.mark.unit

SLURM, BASIC = 'HPC Slurm (site agent)', 'Manual compute (Basic)'
SLURM_UUID = '589178d685345873968f291a0fe38482'


def order(uuid, type_='Create', offering=SLURM, plan='Default', limits=None, old_limits=None, **extra):
    data = dict(uuid=uuid, type=type_, offering_name=offering, offering_uuid=SLURM_UUID if offering == SLURM else 'd' * 32,
                plan_name=plan, plan_uuid='p' * 32, limits=limits if limits is not None else {},
                attributes={'old_limits': old_limits} if old_limits is not None else {},
                marketplace_resource_uuid='r' + uuid, resource_name='res-' + uuid, project_name='Consumer Project')
    data.update(extra)
    return data


RULES = [
    {'name': 'small-slurm', 'types': ['create'], 'offerings': [SLURM_UUID], 'max_limits': {'cpu_k_hours': 100, 'gpu_k_hours': 10},
     'decision': 'approve'},
    {'name': 'double-at-most', 'types': ['Update'], 'max_update_factor': 2, 'decision': 'approve'},
    {'name': 'too-big', 'types': ['Create', 'Update'], 'offerings': [SLURM], 'decision': 'reject',
     'comment': '{resource_name}: {limits} (was {old_limits}) is more than rule {rule} allows; {{write to us}}'},
    {'name': 'basic-gold', 'offerings': [BASIC], 'plans': ['Gold'], 'decision': 'leave'},
    {'name': 'basic', 'offerings': [BASIC], 'types': ['Create'], 'decision': 'approve'},
]


def test_first_matching_rule_decides_and_unmatched_orders_are_left():
    orders = [
        order('1', limits={'cpu_k_hours': 100, 'gpu_k_hours': 10}),          # at the thresholds: approve
        order('2', limits={'cpu_k_hours': 101}),                              # over: falls through to too-big
        order('3', type_='Update', limits={'cpu_k_hours': 20}, old_limits={'cpu_k_hours': 10}),   # x2: approve
        order('4', type_='Update', limits={'cpu_k_hours': 21, 'gpu_k_hours': 0}, old_limits={'cpu_k_hours': 10}),
        order('5', type_='Update', limits={'gpu_k_hours': 1}, old_limits={'cpu_k_hours': 10}),    # from 0: not x2
        order('6', type_='Terminate'),                                        # no rule for Slurm Terminate
        order('7', offering=BASIC, plan='Gold'),                              # basic-gold before basic
        order('8', offering=BASIC),
        order('9', offering=BASIC, type_='Terminate'),
    ]
    got = [(d['order_uuid'], d['decision'], d['rule']) for d in decide(orders, RULES)]
    assert got == [('1', 'approve', 'small-slurm'), ('2', 'reject', 'too-big'), ('3', 'approve', 'double-at-most'),
                   ('4', 'reject', 'too-big'), ('5', 'reject', 'too-big'), ('6', 'leave', None),
                   ('7', 'leave', 'basic-gold'), ('8', 'approve', 'basic'), ('9', 'leave', None)]


def test_decision_shape_and_the_rendered_comment():
    [decision] = decide([order('4', type_='Update', limits={'gpu_k_hours': 3, 'cpu_k_hours': 50},
                               old_limits={'cpu_k_hours': 10})], RULES)
    assert decision == {
        'order_uuid': '4', 'resource_uuid': 'r4', 'type': 'Update', 'decision': 'reject', 'rule': 'too-big',
        'comment': 'res-4: cpu_k_hours=50, gpu_k_hours=3 (was cpu_k_hours=10) is more than rule too-big allows; {write to us}'}
    assert decide([order('1', limits={'cpu_k_hours': 1})], RULES)[0]['comment'] is None


def test_limits_given_as_strings_and_missing_components():
    rules = [{'name': 'r', 'max_limits': {'cpu_k_hours': '10.5', 'gb': 0}, 'decision': 'approve'}]
    assert decide([order('a', limits={'cpu_k_hours': '10.50'})], rules)[0]['decision'] == 'approve'
    assert decide([order('b', limits={'cpu_k_hours': 10.51})], rules)[0]['decision'] == 'leave'
    assert decide([order('c', limits={'cpu_k_hours': 'lots'})], rules)[0]['decision'] == 'leave'
    assert decide([order('d', limits={'gb': 1})], rules)[0]['decision'] == 'leave'


def test_no_rules_leave_everything():
    assert [d['decision'] for d in decide([order('1'), order('2')], None)] == ['leave', 'leave']
    assert decide([], RULES) == []


@pytest.mark.parametrize('rules,message', [
    ({'name': 'x'}, 'triage rules must be a list'),
    (['approve'], "triage rule 1: a rule must be a dict"),
    ([{'name': 'a', 'decision': 'approve', 'max_limit': {}}], "triage rule 1 ('a'): unknown key(s) max_limit; allowed: name"),
    ([{'decision': 'approve'}], 'triage rule 1: name is required'),
    ([{'name': 'a', 'decision': 'approve'}, {'name': 'a', 'decision': 'leave'}], "triage rule 2 ('a'): name 'a' is already used by rule 1"),
    ([{'name': 'a', 'decision': 'accept'}], "triage rule 1 ('a'): decision must be one of approve, reject, leave, got 'accept'"),
    ([{'name': 'a', 'decision': 'approve', 'types': ['Delete']}], "types has unknown value(s) 'Delete'; allowed: Create, Update, Terminate"),
    ([{'name': 'a', 'decision': 'approve', 'types': 'Create'}], 'types must be a non-empty list'),
    ([{'name': 'a', 'decision': 'approve', 'offerings': []}], 'offerings must be a non-empty list'),
    ([{'name': 'a', 'decision': 'approve', 'max_limits': {'cpu_k_hours': -1}}], 'max_limits.cpu_k_hours must be a number of 0 or more, got -1'),
    ([{'name': 'a', 'decision': 'approve', 'max_limits': {'cpu_k_hours': 'many'}}], "max_limits.cpu_k_hours must be a number"),
    ([{'name': 'a', 'decision': 'approve', 'max_limits': {'cpu_k_hours': True}}], "max_limits.cpu_k_hours must be a number"),
    ([{'name': 'a', 'decision': 'approve', 'max_limits': [100]}], 'max_limits must be a dict'),
    ([{'name': 'a', 'decision': 'approve', 'types': ['Update'], 'max_update_factor': 0}], 'max_update_factor must be a number greater than 0'),
    ([{'name': 'a', 'decision': 'approve', 'max_update_factor': 2}], 'only Update orders have; set types: [Update]'),
    ([{'name': 'a', 'decision': 'approve', 'comment': 'hi'}], 'allowed only with decision: reject'),
    ([{'name': 'a', 'decision': 'reject', 'comment': 'too big: {limit}'}], 'unknown placeholder(s) {limit}; allowed: rule,'),
    ([{'name': 'a', 'decision': 'reject', 'comment': 'too big: {limits.cpu}'}], 'unknown placeholder(s) {limits.cpu}'),
    ([{'name': 'a', 'decision': 'reject', 'comment': 'unclosed {limits'}], 'comment is not a valid template'),
])
def test_bad_rules_fail_naming_the_rule(rules, message):
    with pytest.raises(TriageRuleError) as raised:
        decide([order('1')], rules)
    assert message in str(raised.value)


def test_a_bad_later_rule_fails_even_when_an_earlier_one_decides_everything():
    with pytest.raises(TriageRuleError, match=r"triage rule 2 \('b'\)"):
        decide([order('1')], [{'name': 'a', 'decision': 'leave'}, {'name': 'b', 'decision': 'approve', 'typo': 1}])


def test_validate_rules_returns_the_canonical_form():
    [rule] = validate_rules([{'name': 'a', 'types': ['update'], 'max_update_factor': '1.5', 'decision': 'approve'}])
    assert rule['types'] == ['Update'] and str(rule['max_update_factor']) == '1.5'


def test_the_filter_wraps_errors_for_ansible():
    assert triage([order('1')], RULES)[0]['rule'] == 'small-slurm'
    with pytest.raises(AnsibleFilterError, match=r"puhuri.core.triage: triage rule 1 \('a'\): unknown key"):
        triage([order('1')], [{'name': 'a', 'decision': 'leave', 'x': 1}])
    with pytest.raises(AnsibleFilterError, match='must be a list of orders'):
        triage('orders', RULES)
