# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The runner of puhuri_resource_state without HTTP: the uncertain-write loop against a fake client.

A write whose answer is lost is never re-sent blindly: the runner reads again and sends it again only when the fresh
read shows it was not applied, and gives up after MAX_RETRIES such writes in a row.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.puhuri.core.plugins.module_utils._client import PuhuriApiError
from ansible_collections.puhuri.core.plugins.module_utils._state_run import MAX_RETRIES, Allocation, StateRun

pytestmark = pytest.mark.unit

UUID = 'a' * 32
ORDER = 'b' * 32
APPROVE = 'marketplace-orders/%s/approve_by_provider/' % ORDER


class FakeClient(object):
    """One Marketplace.Basic allocation in Creating with a pending-provider Create order. Each POST of approve is
    answered by the outcomes given, in turn: 'ok', 'lost-applied' (applied, answer lost) or 'lost' (not applied)."""

    def __init__(self, outcomes):
        self.outcomes = list(outcomes)
        self.state, self.order_state = 'Creating', 'pending-provider'
        self.posts, self.reads = [], 0

    def url_path(self, path):
        return '/api/' + path

    def get(self, path, params=None):
        self.reads += 1
        # The nested copies say nothing useful: the runner must read the order from marketplace-orders/.
        return {'uuid': UUID, 'name': 'alloc', 'state': self.state, 'backend_id': '', 'report': None,
                'offering_type': 'Marketplace.Basic', 'order_in_progress': None, 'creation_order': None}

    def list(self, path, params=None, fields=None):
        assert path == 'marketplace-orders/' and params['resource_uuid'] == UUID
        return [{'uuid': ORDER, 'type': 'Create', 'state': self.order_state or 'done', 'marketplace_resource_uuid': UUID}]

    def post(self, path, body=None, expected=(200, 201), retry_safe=False):
        self.posts.append(path)
        outcome = self.outcomes.pop(0) if self.outcomes else 'ok'
        if outcome in ('ok', 'lost-applied'):
            self.state, self.order_state = 'OK', None  # a Basic order finishes on approval
        if outcome != 'ok':
            raise PuhuriApiError('POST', self.url_path(path), 504, 'Gateway Time-out', uncertain=True)
        return {}


def run(outcomes):
    client = FakeClient(outcomes)
    allocation = Allocation({'uuid': UUID, 'state': 'ok'})
    StateRun(client, [allocation], single=True).run()
    return client, allocation


def test_a_lost_answer_of_an_applied_write_is_not_sent_again():
    client, allocation = run(['lost-applied'])
    assert client.posts == [APPROVE]
    assert not allocation.failed and allocation.actions == ['approve_by_provider']
    assert allocation.current['state'] == 'OK'


def test_a_lost_write_that_was_not_applied_is_sent_again_after_a_fresh_read():
    client, allocation = run(['lost', 'ok'])
    assert client.posts == [APPROVE, APPROVE]
    assert not allocation.failed and allocation.actions == ['approve_by_provider']
    assert client.reads == 3  # before, after the lost write, after the one that went through


def test_the_runner_gives_up_after_max_retries_lost_writes_in_a_row():
    client, allocation = run(['lost'] * 10)
    assert len(client.posts) == MAX_RETRIES + 1
    assert allocation.failed and 'gave up after %d attempts in a row' % (MAX_RETRIES + 1) in allocation.msg
    assert allocation.actions == []


def test_check_mode_plans_and_sends_nothing():
    client = FakeClient([])
    allocation = Allocation({'uuid': UUID, 'state': 'ok'})
    StateRun(client, [allocation], single=True, check_mode=True).run()
    assert client.posts == []
    assert allocation.result(check_mode=True)['actions'] == ['approve_by_provider']


class ShapeClient(FakeClient):
    """Answers of 200 with a shape this API never has, per call."""

    def __init__(self, detail=None, orders=None):
        super(ShapeClient, self).__init__([])
        self.detail, self.orders = detail, orders

    def get(self, path, params=None):
        return self.detail if self.detail is not None else super(ShapeClient, self).get(path, params)

    def list(self, path, params=None, fields=None):
        return self.orders if self.orders is not None else super(ShapeClient, self).list(path, params, fields)


@pytest.mark.parametrize('detail, orders, call, needle', [
    (['not', 'an', 'object'], None, 'GET /api/marketplace-provider-resources/%s/' % UUID,
     'expected a JSON object with uuid, state, offering_type, got list'),
    ({'uuid': UUID, 'name': 'alloc'}, None, 'GET /api/marketplace-provider-resources/%s/' % UUID,
     'a JSON object without state, offering_type'),
    (None, ['order-1'], 'GET /api/marketplace-orders/', 'expected a JSON object with uuid, type, state, got str'),
    (None, [{'uuid': ORDER, 'state': 'pending-provider'}], 'GET /api/marketplace-orders/', 'a JSON object without type'),
])
def test_an_answer_of_an_unexpected_shape_fails_naming_the_call(detail, orders, call, needle):
    client = ShapeClient(detail, orders)
    allocation = Allocation({'uuid': UUID, 'state': 'ok'})
    with pytest.raises(PuhuriApiError) as caught:
        StateRun(client, [allocation], single=True).run()
    assert str(caught.value).startswith(call + ' failed (HTTP 200): unexpected answer: ')
    assert needle in str(caught.value)
    assert client.posts == []


def test_a_bulk_listing_of_an_unexpected_shape_fails_naming_the_call():
    client = FakeClient([])
    client.list = lambda path, params=None, fields=None, parallel=1: [[UUID]]  # items that are lists, not objects
    with pytest.raises(PuhuriApiError) as caught:
        StateRun(client, [Allocation({'uuid': UUID, 'state': 'ok'})], single=False).run()
    assert 'GET /api/marketplace-provider-resources/ failed (HTTP 200): unexpected answer: expected a JSON object' \
        in str(caught.value)


class SlurmUpdateClient(object):
    """An OK Slurm allocation with a pending Update order and its agent side "Update Scheduled"; the first
    set_state call is lost before it arrives (not applied)."""

    def __init__(self):
        self.agent, self.order_state, self.lost, self.posts = 'Update Scheduled', 'pending-provider', 1, []
        self.limits = {'cpu_k_hours': 10}

    def url_path(self, path):
        return '/api/' + path

    def get(self, path, params=None):
        if path.endswith('/details/'):
            return {'uuid': 'c' * 32, 'state': self.agent}
        return {'uuid': UUID, 'name': 'alloc', 'state': 'OK' if self.order_state != 'executing' else 'Updating',
                'backend_id': 'acct', 'report': None, 'offering_type': 'Marketplace.Slurm', 'limits': self.limits}

    def list(self, path, params=None, fields=None):
        return [{'uuid': ORDER, 'type': 'Update', 'state': self.order_state, 'marketplace_resource_uuid': UUID,
                 'limits': {'cpu_k_hours': 20}, 'attributes': {'old_limits': {'cpu_k_hours': 10}}}]

    def post(self, path, body=None, expected=(200, 201), retry_safe=False):
        self.posts.append(path.rstrip('/').rsplit('/', 1)[1])
        if path.endswith('/set_state/'):
            if self.lost:
                self.lost -= 1
                raise PuhuriApiError('POST', self.url_path(path), None, 'Connection reset', uncertain=True)
            self.agent = 'OK'
        elif path.endswith('/approve_by_provider/'):
            assert self.agent == 'OK', 'approved while the agent side is not OK: the order would err'
            self.order_state = 'executing'
        elif path.endswith('/set_state_done/'):
            self.order_state, self.limits = 'done', {'cpu_k_hours': 20}
        return None


def test_the_agent_state_is_read_again_after_a_lost_set_state():
    client = SlurmUpdateClient()
    allocation = Allocation({'uuid': UUID, 'state': 'ok', 'limits': {'cpu_k_hours': 20}})
    StateRun(client, [allocation], single=True).run()
    assert not allocation.failed, allocation.msg
    assert client.posts == ['set_state', 'set_state', 'approve_by_provider', 'set_state_done']
    assert allocation.actions == ['set_slurm_state_ok', 'approve_by_provider', 'set_state_done']


# --- the no_log values kept for ansible-core's masking: those that occur in what is returned ---------------------------

def test_only_the_no_log_values_that_occur_are_kept_and_every_occurring_one_is():
    import dataclasses
    from ansible_collections.puhuri.core.plugins.module_utils._common import MASKS, needed_no_log_values

    @dataclasses.dataclass(frozen=True)
    class Event(object):  # the shape of ansible-core 2.19's warning records
        msg: str

    @dataclasses.dataclass(frozen=True)
    class Summary(object):
        event: Event

    values = {'in-a-string', 'exact', '4711', 'a-key', 'in-a-warning', b'as-bytes', 'nowhere', '*****'}
    returned = [{'results': [{'msg': 'server said: in-a-string!', 'after': {'backend_id': 'exact', 'count': 4711}},
                             {'a-key': None}],
                 'raw': b'as-bytes'},
                [Summary(Event('retrying: in-a-warning'))], MASKS, None, True]
    kept = needed_no_log_values(values, returned)
    assert kept == values - {'nowhere'}, '"*****" occurs in a mask, as ansible-core would mask the mask'
    assert needed_no_log_values(values, [{'msg': 'nothing secret'}]) == set()
