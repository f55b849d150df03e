# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lifecycle behaviours beyond the 7.0.7 recording: the 8.x side (from the OpenAPI 8.0.5 subset and waldur-api.md),
both versions on the seed allocations, and the emulator's control calls for clocks and order ages (issue 17).

The 7.0.7 behaviours themselves are pinned by replaying RL707 (test_transcript_lifecycle.py)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os
import sys

import pytest
import requests

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.exists(os.path.join(os.path.dirname(TESTS_DIR), 'pytest.ini')) and TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from emulator import TOKENS, Emulator  # noqa: E402 pylint: disable=wrong-import-position

NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)
SLURM = '589178d685345873968f291a0fe38482'
ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'  # Slurm, OK, allocation OK (seeded as set up by the agent)
ALLOC_2 = 'd1ef749f4116433ba14ff9268c6382cf'  # Slurm, Creating, Create order executing
ALLOC_2_ORDER = 'a1c2e3f405164728a9b0c1d2e3f40522'
ALLOC_4_ORDER = '46efd621a362409aaa94397b09206fde'  # pending-provider
VM_1 = '3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12'  # Basic, OK
PROJECT = 'ebeff338367754319ee6d43023243f04'
SERVICE_PROVIDER = '4095a3daddd45cb099d77ee311def780'

pytestmark = pytest.mark.contract


@pytest.fixture(params=['7.0.7', '8.0.5'])
def emu(request):
    emulator = Emulator(waldur_version=request.param, now=NOW)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emu8():
    emulator = Emulator(waldur_version='8.0.5', now=NOW)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def emu7():
    emulator = Emulator(waldur_version='7.0.7', now=NOW)
    emulator.start()
    yield emulator
    emulator.stop()


def api(emulator, method, path, user=None, **kwargs):
    headers = {'Authorization': 'Token %s' % TOKENS[user]} if user else {}
    return requests.request(method, emulator.url + path, headers=headers, allow_redirects=False, timeout=10, **kwargs)


def control(emulator, method, name, **kwargs):
    return requests.request(method, emulator.base_url + '/__emulator__/' + name, timeout=10, **kwargs)


def ask_limits(emulator, limits, resource=ALLOC_1):
    response = api(emulator, 'POST', 'marketplace-resources/%s/update_limits/' % resource, 'consumer-owner', json={'limits': limits})
    assert response.status_code == 200, response.text
    return response.json()['order_uuid']


def order(emulator, uuid):
    return api(emulator, 'GET', 'marketplace-orders/%s/' % uuid, 'sp-owner').json()


def allocation(emulator, uuid=ALLOC_1):
    return api(emulator, 'GET', 'marketplace-provider-resources/%s/details/' % uuid, 'sp-owner').json()


# ---------------------------------------------------------------- Update orders and the Slurm trap, both versions

def test_update_order_approved_and_done_then_trap_armed(emu):
    uuid = ask_limits(emu, {'cpu_k_hours': 20, 'gpu_k_hours': 4})
    pending = order(emu, uuid)
    assert (pending['type'], pending['state'], pending['limits']) == ('Update', 'pending-provider', {'cpu_k_hours': 20, 'gpu_k_hours': 4})
    assert pending['attributes'] == {'old_limits': {'cpu_k_hours': 10, 'gpu_k_hours': 2}}
    assert allocation(emu)['state'] == 'OK'
    assert api(emu, 'POST', 'marketplace-orders/%s/approve_by_provider/' % uuid, 'sp-owner').status_code == 200
    assert order(emu, uuid)['state'] == 'executing'
    assert api(emu, 'POST', 'marketplace-orders/%s/set_state_done/' % uuid, 'sp-owner').status_code == 200
    detail = api(emu, 'GET', 'marketplace-provider-resources/%s/' % ALLOC_1, 'sp-owner').json()
    assert (detail['state'], detail['limits']) == ('OK', {'cpu_k_hours': 20, 'gpu_k_hours': 4})
    assert allocation(emu)['state'] == 'Update Scheduled'
    second = ask_limits(emu, {'cpu_k_hours': 30, 'gpu_k_hours': 4})
    api(emu, 'POST', 'marketplace-orders/%s/approve_by_provider/' % second, 'sp-owner')
    assert order(emu, second)['state'] == 'erred'
    assert order(emu, second)['error_message'] == "Can't switch from state '1' using method 'schedule_updating'"


def test_a_new_allocation_is_creation_scheduled_until_set_state_ok(emu):
    assert api(emu, 'POST', 'marketplace-orders/%s/set_state_done/' % ALLOC_2_ORDER, 'sp-owner').status_code == 200
    assert allocation(emu, ALLOC_2)['state'] == 'Creation Scheduled'
    response = api(emu, 'POST', 'marketplace-slurm-remote/%s/set_state/' % ALLOC_2, 'sp-owner', json={'state': 'ok'})
    assert response.status_code == 200
    assert allocation(emu, ALLOC_2)['state'] == 'OK'


def test_plan_switch_finishes_on_approval_even_before_set_state_ok(emu):
    api(emu, 'POST', 'marketplace-orders/%s/set_state_done/' % ALLOC_2_ORDER, 'sp-owner')
    assert allocation(emu, ALLOC_2)['state'] == 'Creation Scheduled'
    plan = '%smarketplace-public-offerings/%s/plans/83633009e1ab567c9dcd2c4130be09ae/' % (emu.url, SLURM)
    response = api(emu, 'POST', 'marketplace-resources/%s/switch_plan/' % ALLOC_2, 'consumer-owner', json={'plan': plan})
    uuid = response.json()['order_uuid']
    assert (order(emu, uuid)['type'], order(emu, uuid)['attributes']) == ('Update', {})
    api(emu, 'POST', 'marketplace-orders/%s/approve_by_provider/' % uuid, 'sp-owner')
    assert order(emu, uuid)['state'] == 'done'
    bad = api(emu, 'POST', 'marketplace-resources/%s/switch_plan/' % ALLOC_2, 'consumer-owner', json={'plan': emu.url})
    assert bad.status_code == 400


def test_basic_has_no_details_and_no_limit_updates(emu):
    assert api(emu, 'GET', 'marketplace-provider-resources/%s/details/' % VM_1, 'sp-owner').status_code == 404
    response = api(emu, 'POST', 'marketplace-resources/%s/update_limits/' % VM_1, 'consumer-owner', json={'limits': {'cpu_k_hours': 1}})
    assert (response.status_code, response.json()) == (400, {'limits': 'Invalid types: cpu_k_hours'})


def test_one_pending_order_per_resource(emu):
    ask_limits(emu, {'cpu_k_hours': 20})
    response = api(emu, 'POST', 'marketplace-resources/%s/update_limits/' % ALLOC_1, 'consumer-owner', json={'limits': {'cpu_k_hours': 30}})
    assert response.status_code == 400


# ---------------------------------------------------------------- 8.x differences

def test_reject_comment_stored_only_in_8x(emu8, emu7):
    for emulator, expected in ((emu8, 'No capacity'), (emu7, None)):
        uuid = ask_limits(emulator, {'cpu_k_hours': 40})
        response = api(emulator, 'POST', 'marketplace-orders/%s/reject_by_provider/' % uuid, 'sp-owner',
                       json={'provider_rejection_comment': 'No capacity'})
        assert response.status_code == 200
        rejected = order(emulator, uuid)
        assert rejected['state'] == 'rejected'
        assert rejected.get('provider_rejection_comment') == expected
        assert rejected['provider_reviewed_by'] == 'sp-owner'


def test_provider_set_limits_only_in_8x(emu8, emu7):
    path = 'marketplace-provider-resources/%s/set_limits/' % ALLOC_1
    assert api(emu7, 'POST', path, 'sp-owner', json={'limits': {'cpu_k_hours': 70}}).status_code == 404
    assert api(emu8, 'POST', path, 'sp-manager', json={'limits': {'cpu_k_hours': 70}}).status_code == 200
    assert api(emu8, 'GET', 'marketplace-provider-resources/%s/' % ALLOC_1, 'sp-owner').json()['limits']['cpu_k_hours'] == 70
    bad = api(emu8, 'POST', path, 'sp-owner', json={'limits': {'gb_k_hours': 1}})
    assert (bad.status_code, bad.json()) == (400, {'limits': 'Invalid types: gb_k_hours'})


def test_nested_creation_order_fresh_in_8x_stale_in_707(emu8, emu7):
    for emulator, expected in ((emu8, 'erred'), (emu7, 'executing')):
        path = 'marketplace-provider-resources/%s/' % ALLOC_2
        assert api(emulator, 'GET', path, 'sp-owner').json()['creation_order']['state'] == 'executing'
        api(emulator, 'POST', 'marketplace-orders/%s/set_state_erred/' % ALLOC_2_ORDER, 'sp-owner',
            json={'error_message': 'failed', 'error_traceback': ''})
        assert api(emulator, 'GET', path, 'sp-owner').json()['creation_order']['state'] == expected
        assert order(emulator, ALLOC_2_ORDER)['state'] == 'erred'


def test_user_usages_bulk_only_in_8x(emu8, emu7):
    for emulator in (emu8, emu7):
        assert api(emulator, 'POST', 'marketplace-component-usages/set_usage/', 'sp-owner',
                   json={'resource': ALLOC_1, 'usages': [{'type': 'cpu_k_hours', 'amount': '5'}]}).status_code == 201
        row = api(emulator, 'GET', 'marketplace-component-usages/?resource_uuid=%s' % ALLOC_1, 'sp-owner').json()[0]
        bulk = api(emulator, 'POST', 'marketplace-component-usages/%s/set_user_usages/' % row['uuid'], 'sp-owner',
                   json={'usages': [{'username': 'a', 'usage': '1.5'}, {'username': 'b', 'usage': 2}]})
        assert bulk.status_code == (201 if emulator is emu8 else 404)
    rows = api(emu8, 'GET', 'marketplace-component-user-usages/?resource_uuid=%s' % ALLOC_1, 'sp-owner').json()
    assert [(r['username'], r['usage'], r['component_type']) for r in rows] == [('a', '1.50', 'cpu_k_hours'), ('b', '2.00', 'cpu_k_hours')]


def test_offering_user_state_in_8x(emu8, emu7):
    for emulator in (emu8, emu7):
        user = control(emulator, 'POST', 'users', json={'username': 'dora'}).json()
        assert api(emulator, 'POST', 'projects/%s/add_user/' % PROJECT, 'consumer-owner',
                   json={'user': user['uuid'], 'role': 'PROJECT.MEMBER'}).status_code == 201
        created = api(emulator, 'GET', 'marketplace-offering-users/?user_uuid=%s' % user['uuid'], 'sp-owner').json()
        assert [(c['offering_uuid'], c['username']) for c in created] == [(SLURM, '')]  # Basic's gate is off in the seed
        assert created[0].get('state') == ('Requested' if emulator is emu8 else None)
        patched = api(emulator, 'PATCH', 'marketplace-offering-users/%s/' % created[0]['uuid'], 'sp-owner', json={'username': 'dora1'})
        assert patched.json().get('state') == ('OK' if emulator is emu8 else None)
        assert api(emulator, 'POST', 'marketplace-offering-users/%s/set_ok/' % created[0]['uuid'], 'sp-owner').status_code == 404


def test_update_integration_replaces_all_secret_options(emu):
    path = 'marketplace-provider-offerings/%s/' % SLURM
    assert api(emu, 'GET', path, 'sp-owner').json()['secret_options'] == {'service_provider_can_create_offering_user': True}
    assert api(emu, 'POST', path + 'update_integration/', 'sp-manager', json={'secret_options': {}}).status_code == 403
    assert api(emu, 'POST', path + 'update_integration/', 'sp-owner', json={'secret_options': {'other': 1}}).status_code == 200
    assert api(emu, 'GET', path, 'sp-owner').json()['secret_options'] == {'other': 1}
    assert 'secret_options' not in api(emu, 'GET', 'marketplace-public-offerings/%s/' % SLURM).json()


# ---------------------------------------------------------------- control calls: clock and order ages (issue 17)

def test_clock_control_drives_new_timestamps(emu7):
    assert control(emu7, 'GET', 'clock').json() == {'now': '2026-12-01T09:00:00.000000Z'}
    assert control(emu7, 'PUT', 'clock', json={'now': '2026-12-20T10:00:00Z'}).json() == {'now': '2026-12-20T10:00:00.000000Z'}
    uuid = ask_limits(emu7, {'cpu_k_hours': 20})
    assert order(emu7, uuid)['created'] == '2026-12-20T10:00:00.000000Z'
    assert control(emu7, 'PUT', 'clock', json={'advance_seconds': 3600}).json() == {'now': '2026-12-20T11:00:00.000000Z'}
    response = api(emu7, 'GET', 'marketplace-orders/%s/' % uuid, 'sp-owner')
    assert response.headers['Date'] == 'Sun, 20 Dec 2026 11:00:00 GMT'
    assert control(emu7, 'PUT', 'clock', json={'bogus': 1}).status_code == 400
    real = control(emu7, 'DELETE', 'clock').json()['now']
    assert abs(datetime.datetime.fromisoformat(real.replace('Z', '+00:00')) - datetime.datetime.now(datetime.timezone.utc)) < \
        datetime.timedelta(minutes=1)


def test_order_created_can_be_backdated(emu7):
    response = control(emu7, 'PATCH', 'orders/%s' % ALLOC_4_ORDER, json={'created': '2026-11-01T00:00:00Z'})
    assert response.json() == {'uuid': ALLOC_4_ORDER, 'created': '2026-11-01T00:00:00.000000Z',
                               'modified': order(emu7, ALLOC_4_ORDER)['modified']}
    assert order(emu7, ALLOC_4_ORDER)['created'] == '2026-11-01T00:00:00.000000Z'
    oldest = api(emu7, 'GET', 'marketplace-orders/?state=pending-provider&o=created&field=uuid', 'sp-owner').json()[0]
    assert oldest['uuid'] == ALLOC_4_ORDER
    assert control(emu7, 'PATCH', 'orders/%s' % ('0' * 32), json={'created': '2026-11-01T00:00:00Z'}).status_code == 404
    assert control(emu7, 'PATCH', 'orders/%s' % ALLOC_4_ORDER, json={'created': 'yesterday'}).status_code == 400
    assert not [r for r in emu7.requests if r['path'].startswith('/__emulator__/')]


def test_control_user_gets_a_working_token(emu7):
    user = control(emu7, 'POST', 'users', json={'username': 'erin', 'full_name': 'Erin E', 'email': 'erin@example.com'}).json()
    me = requests.get(emu7.url + 'users/me/', headers={'Authorization': 'Token %s' % user['token']}, timeout=10).json()
    assert (me['uuid'], me['username'], me['full_name'], me['permissions']) == (user['uuid'], 'erin', 'Erin E', [])
    assert control(emu7, 'POST', 'users', json={'username': 'erin'}).status_code == 400
