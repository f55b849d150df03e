# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""_orders: ages, and the stuck-order policy's decisions when a call fails (never re-sent; judged by a new read)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.puhuri.core.plugins.module_utils._client import PuhuriApiError
from ansible_collections.puhuri.core.plugins.module_utils._orders import (
    apply_policy, format_age, parse_duration, parse_timestamp, stuck_action,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize('value,seconds', [
    (90, 90), ('90', 90), ('90s', 90), ('30m', 1800), ('2h', 7200), (' 3d ', 259200), ('1w', 604800), ('1.5h', 5400), (0, 0),
])
def test_durations(value, seconds):
    assert parse_duration(value) == (seconds, None)


@pytest.mark.parametrize('value', ['two days', '2 days', '-1', -5, '3y', '', True, None, [2]])
def test_bad_durations_name_the_option(value):
    seconds, problem = parse_duration(value, 'stuck_after')
    assert seconds is None and problem.startswith('stuck_after must be an age')


def test_timestamps_and_ages():
    utc = datetime.timezone.utc
    assert parse_timestamp('2026-11-28T22:20:35.400000Z') == datetime.datetime(2026, 11, 28, 22, 20, 35, 400000, tzinfo=utc)
    assert parse_timestamp('2026-11-28T23:20:35+01:00') == datetime.datetime(2026, 11, 28, 22, 20, 35, tzinfo=utc)
    assert parse_timestamp('yesterday') is None
    assert [format_age(s) for s in (8, 250, 18720, 183600, -3)] == ['8s', '4m 10s', '5h 12m', '2d 3h', '0s']


def order(state, offering_type='Marketplace.Slurm', uuid='o1'):
    return {'uuid': uuid, 'state': state, 'offering_type': offering_type, 'resource_name': 'alloc'}


def test_what_the_fail_policy_sends():
    assert stuck_action(order('pending-provider', 'Marketplace.Basic')) == ('reject_by_provider', None)
    assert stuck_action(order('executing')) == ('set_state_erred', None)
    action, reason = stuck_action(order('executing', 'Marketplace.Basic'))
    assert action is None and 'only Marketplace.Slurm orders' in reason


class FakeClient(object):
    """Answers posts with the given error (or success) and reads with the given order state."""

    def __init__(self, error=None, state_after=None):
        self.error, self.state_after, self.calls = error, state_after, []

    def post(self, path, body=None):
        self.calls.append(('POST', path, body))
        if self.error:
            raise self.error

    def get(self, path, params=None):
        self.calls.append(('GET', path, None))
        return {'state': self.state_after}


LOST = PuhuriApiError('POST', '/api/marketplace-orders/o1/reject_by_provider/', None, 'no answer', uncertain=True)
CONFLICT = PuhuriApiError('POST', '/api/marketplace-orders/o1/reject_by_provider/', 409, 'Valid states for operation: pending-provider.')


@pytest.mark.parametrize('error,state_after,outcome,changed,failed', [
    (None, None, 'done', True, False),
    (LOST, 'rejected', 'done', True, False),                       # the lost call was applied: not re-sent
    (LOST, 'pending-provider', 'failed', False, True),             # not applied: reported, not re-sent
    (CONFLICT, 'executing', 'changed meanwhile', False, False),    # someone approved it first
])
def test_a_failed_call_is_judged_by_a_new_read_never_re_sent(error, state_after, outcome, changed, failed):
    client = FakeClient(error, state_after)
    orders = [order('pending-provider')]
    got_changed, failures, diff = apply_policy(client, orders, 'fail', 'Too late.', check_mode=False)
    assert orders[0]['outcome'] == outcome and got_changed is changed and bool(failures) is failed
    posts = [c for c in client.calls if c[0] == 'POST']
    assert posts == [('POST', 'marketplace-orders/o1/reject_by_provider/', {'provider_rejection_comment': 'Too late.'})]
    assert diff['after']['orders'] == ([{'uuid': 'o1', 'state': 'rejected'}] if changed else [])


def test_check_mode_and_report_send_nothing():
    client = FakeClient()
    orders = [order('pending-provider'), order('executing', uuid='o2'), order('executing', 'Marketplace.Basic', uuid='o3')]
    changed, failures, diff = apply_policy(client, orders, 'fail', 'm', check_mode=True)
    assert [(o['action'], o['outcome']) for o in orders] == [
        ('reject_by_provider', 'planned'), ('set_state_erred', 'planned'), (None, 'skipped')]
    assert changed and not failures and client.calls == []
    assert diff['after']['orders'] == [{'uuid': 'o1', 'state': 'rejected'}, {'uuid': 'o2', 'state': 'erred'}]
    orders = [order('pending-provider')]
    assert apply_policy(client, orders, 'report', 'm', check_mode=False)[0] is False
    assert orders[0]['outcome'] == 'reported' and client.calls == []


def test_set_state_erred_sends_both_keys():
    client = FakeClient()
    apply_policy(client, [order('executing')], 'fail', 'Gave up.', check_mode=False)
    assert client.calls == [('POST', 'marketplace-orders/o1/set_state_erred/', {'error_message': 'Gave up.', 'error_traceback': ''})]
