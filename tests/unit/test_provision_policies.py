# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The policies for the consumers' pending Update and Terminate orders nobody declared (module_utils._provision)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.puhuri.core.plugins.module_utils._provision import provision_plan

pytestmark = pytest.mark.unit

A = 'a' * 32
TERMINATE = {'uuid': 'f' * 32, 'type': 'Terminate', 'state': 'pending-provider'}
UPDATE = {'uuid': 'e' * 32, 'type': 'Update', 'state': 'pending-provider', 'limits': {'cpu_k_hours': 20},
          'old_limits': {'cpu_k_hours': 10}}


def active(order):
    return [dict(uuid=A, name='alloc-a', state='OK', limits={'cpu_k_hours': 10}, open_orders=[order])]


@pytest.mark.parametrize('policy,state,torn_down', [('approve', 'terminated', True), ('reject', 'ok', False)])
def test_the_terminate_policy_ends_or_keeps_the_allocation(policy, state, torn_down):
    plan = provision_plan([], [], active=active(TERMINATE), terminate_policy=policy)
    assert plan['allocations'] == [dict(uuid=A, state=state)]
    assert bool(plan['teardowns']) is torn_down and plan['left'] == []


def test_leave_leaves_the_orders_to_the_portal():
    for order, key in ((TERMINATE, 'terminate_policy'), (UPDATE, 'update_policy')):
        plan = provision_plan([], [], active=active(order), **{key: 'leave'})
        assert plan['allocations'] == [] and plan['left'] == [dict(uuid=A, name='alloc-a', order_type=order['type'])]


@pytest.mark.parametrize('policy,limits,updated', [('approve', {'cpu_k_hours': 20}, True),
                                                   ('reject', {'cpu_k_hours': 10}, False)])
def test_the_update_policy_grants_or_keeps_the_limits(policy, limits, updated):
    plan = provision_plan([], [], active=active(UPDATE), update_policy=policy)
    [entry] = plan['allocations']
    assert entry['limits'] == limits and bool(plan['updates']) is updated
