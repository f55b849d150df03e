# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's Waldur 8.x mode against waldur-api.md, the matching 7.0.7 differences, and emulator mechanics
(pagination, redirects, request log, reset, bulk seeding) that the transcript does not cover."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import os
import sys
import time

import pytest
import requests

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.exists(os.path.join(os.path.dirname(TESTS_DIR), 'pytest.ini')) and TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from emulator import TOKENS, Emulator  # noqa: E402 pylint: disable=wrong-import-position

NOW = datetime.datetime(2026, 11, 28, 23, 0, tzinfo=datetime.timezone.utc)
PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'
SLURM = '589178d685345873968f291a0fe38482'
BASIC = 'dddc08b4d5d05f45977168ee373b71ca'
ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'  # OK
ALLOC_2 = 'd1ef749f4116433ba14ff9268c6382cf'  # Creating, order executing
ALLOC_4 = 'e5fff443d2ec45aa8e7cfed9cc653497'  # Creating, order pending-provider
ALLOC_4_ORDER = '46efd621a362409aaa94397b09206fde'
VM_1 = '3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12'  # Basic, OK
NOT_FOUND_TITLE = '<title>Not Found</title>'


pytestmark = pytest.mark.contract


def make(version, **kwargs):
    emulator = Emulator(waldur_version=version, now=NOW, **kwargs)
    emulator.start()
    return emulator


@pytest.fixture
def emu8():
    emulator = make('8.0.5')
    yield emulator
    emulator.stop()


@pytest.fixture
def emu7():
    emulator = make('7.0.7')
    yield emulator
    emulator.stop()


def api(emulator, method, path, user=None, **kwargs):
    headers = {'Authorization': 'Token %s' % TOKENS[user]} if user else {}
    return requests.request(method, emulator.url + path, headers=headers, allow_redirects=False, timeout=10, **kwargs)


def resource(emulator, uuid):
    return api(emulator, 'GET', 'marketplace-provider-resources/%s/' % uuid, 'sp-owner').json()


# ---------------------------------------------------------------- 8.x behaviour

def test_approve_by_provider_returns_detail_in_8x(emu8):
    response = api(emu8, 'POST', 'marketplace-orders/%s/approve_by_provider/' % ALLOC_4_ORDER, 'sp-owner')
    assert response.status_code == 200
    assert response.json() == {'detail': 'Order has been approved and is being processed.'}
    order = api(emu8, 'GET', 'marketplace-orders/%s/' % ALLOC_4_ORDER, 'sp-owner').json()
    assert order['state'] == 'executing'
    assert order['provider_reviewed_by_username'] == 'sp-owner'


def test_set_state_ok_200_then_409_from_ok(emu8):
    path = 'marketplace-provider-resources/%s/set_state_ok/' % ALLOC_2
    response = api(emu8, 'POST', path, 'sp-owner')
    assert (response.status_code, response.json()) == (200, {'status': 'Resource state has been set to OK.'})
    assert resource(emu8, ALLOC_2)['state'] == 'OK'
    order = api(emu8, 'GET', 'marketplace-orders/?resource_uuid=%s' % ALLOC_2, 'sp-owner').json()[0]
    assert order['state'] == 'executing'  # orders are not touched
    response = api(emu8, 'POST', path, 'sp-owner')
    assert response.status_code == 409
    assert response.json() == {'detail': 'Valid states for operation: Erred, Creating, Updating, Terminating.'}


def test_set_as_ok_is_idempotent_and_clears_errors(emu8):
    path = 'marketplace-provider-resources/%s/set_as_ok/' % ALLOC_1
    for _attempt in range(2):
        response = api(emu8, 'POST', path, 'sp-owner')
        assert (response.status_code, response.content) == (200, b'')
    api(emu8, 'POST', 'marketplace-provider-resources/%s/set_as_erred/' % ALLOC_1, 'sp-owner',
        json={'error_message': 'sync failed', 'error_traceback': 'tb'})
    assert resource(emu8, ALLOC_1)['error_message'] == 'sync failed'
    assert api(emu8, 'POST', path, 'sp-owner').status_code == 200
    data = resource(emu8, ALLOC_1)
    assert (data['state'], data['error_message'], data['error_traceback']) == ('OK', '', '')


@pytest.mark.parametrize('user', ['sp-owner', 'sp-manager', 'offering-manager'])
def test_set_as_erred_allowed_for_provider_roles(emu8, user):
    response = api(emu8, 'POST', 'marketplace-provider-resources/%s/set_as_erred/' % VM_1, user, json={'error_message': 'boom'})
    assert (response.status_code, response.content) == (200, b'')
    data = resource(emu8, VM_1)
    assert (data['state'], data['error_message']) == ('Erred', 'boom')


@pytest.mark.parametrize('user', ['consumer-owner', 'outsider'])
def test_set_as_erred_hidden_from_others(emu8, user):
    response = api(emu8, 'POST', 'marketplace-provider-resources/%s/set_as_erred/' % VM_1, user)
    assert response.status_code == 404


def test_set_usage_date_picks_the_month(emu8):
    body = {'resource': ALLOC_1, 'date': '2026-09-15T10:00:00Z', 'usages': [{'type': 'cpu_k_hours', 'amount': '7.5'}]}
    assert api(emu8, 'POST', 'marketplace-component-usages/set_usage/', 'sp-owner', json=body).status_code == 201
    body = {'resource': ALLOC_1, 'usages': [{'type': 'cpu_k_hours', 'amount': 3}]}
    assert api(emu8, 'POST', 'marketplace-component-usages/set_usage/', 'sp-owner', json=body).status_code == 201
    rows = api(emu8, 'GET', 'marketplace-component-usages/?resource_uuid=%s' % ALLOC_1, 'sp-owner').json()
    assert sorted((r['billing_period'], r['usage']) for r in rows) == [('2026-09-01', '7.50'), ('2026-11-01', '3.00')]
    rows = api(emu8, 'GET', 'marketplace-component-usages/?resource_uuid=%s&billing_period=2026-09-01' % ALLOC_1, 'sp-owner').json()
    assert [r['usage'] for r in rows] == ['7.50']


def test_offering_uuid_comma_list_only_in_8x(emu8, emu7):
    path = 'marketplace-provider-resources/?offering_uuid=%s,%s&page_size=50' % (SLURM, BASIC)
    response = api(emu8, 'GET', path, 'sp-owner')
    assert response.status_code == 200
    assert response.headers['X-Result-Count'] == '7'
    response = api(emu7, 'GET', path, 'sp-owner')
    assert (response.status_code, response.json()) == (400, {'offering_uuid': ['Enter a valid UUID.']})


def test_nested_orders_selectable_with_field_only_in_8x(emu8, emu7):
    query = '?field=uuid&field=order_in_progress&field=creation_order'
    detail = api(emu8, 'GET', 'marketplace-provider-resources/%s/%s' % (ALLOC_4, query), 'sp-owner').json()
    assert sorted(detail) == ['creation_order', 'order_in_progress', 'uuid']
    assert detail['order_in_progress']['uuid'] == ALLOC_4_ORDER
    listed = api(emu8, 'GET', 'marketplace-provider-resources/%s&name_exact=alloc-4' % query, 'sp-owner').json()
    assert listed[0]['order_in_progress']['state'] == 'pending-provider'

    detail = api(emu7, 'GET', 'marketplace-provider-resources/%s/%s' % (ALLOC_4, query), 'sp-owner').json()
    assert sorted(detail) == ['uuid']
    detail = api(emu7, 'GET', 'marketplace-provider-resources/%s/?field=order_in_progress' % ALLOC_4, 'sp-owner').json()
    assert 'name' in detail and detail['order_in_progress']['uuid'] == ALLOC_4_ORDER  # no valid field: the full object
    listed = api(emu7, 'GET', 'marketplace-provider-resources/?name_exact=alloc-4', 'sp-owner').json()
    assert 'order_in_progress' not in listed[0]


# ---------------------------------------------------------------- the 7.0.7 side of the same actions

@pytest.mark.parametrize('action', ['set_state_ok', 'set_as_ok'])
def test_707_has_no_state_ok_actions(emu7, action):
    response = api(emu7, 'POST', 'marketplace-provider-resources/%s/%s/' % (ALLOC_2, action), 'sp-owner')
    assert response.status_code == 404
    assert response.headers['Content-Type'].startswith('text/html') and NOT_FOUND_TITLE in response.text


def test_707_set_as_erred_is_staff_only(emu7):
    path = 'marketplace-provider-resources/%s/set_as_erred/' % VM_1
    response = api(emu7, 'POST', path, 'sp-owner')
    assert (response.status_code, response.json()) == (403, {'detail': 'You do not have permission to perform this action.'})
    assert api(emu7, 'POST', path, 'staff').status_code == 200


def test_707_set_usage_ignores_date(emu7):
    body = {'resource': ALLOC_1, 'date': '2026-09-15T10:00:00Z', 'usages': [{'type': 'gb_k_hours', 'amount': 1}]}
    assert api(emu7, 'POST', 'marketplace-component-usages/set_usage/', 'sp-owner', json=body).status_code == 201
    rows = api(emu7, 'GET', 'marketplace-component-usages/?resource_uuid=%s' % ALLOC_1, 'sp-owner').json()
    assert [r['billing_period'] for r in rows] == ['2026-11-01']


def test_order_list_needs_order_list_permission_in_8x(emu8, emu7):
    path = 'marketplace-orders/?provider_uuid=%s&state=pending-provider' % PROVIDER
    assert api(emu8, 'GET', path, 'sp-owner').headers['X-Result-Count'] == '2'
    assert api(emu8, 'GET', path, 'sp-manager').headers['X-Result-Count'] == '0'
    assert api(emu7, 'GET', path, 'sp-manager').headers['X-Result-Count'] == '2'


# ---------------------------------------------------------------- emulator mechanics

def test_pagination_headers_and_head(emu7):
    response = api(emu7, 'GET', 'marketplace-provider-resources/?page_size=3&page=2', 'sp-owner')
    assert response.headers['X-Result-Count'] == '7'
    assert [item['name'] for item in response.json()] == ['alloc-4', 'vm-1', 'vm-2']
    links = [part.split('; ')[1] for part in response.headers['Link'].split(', ')]
    assert links == ['rel="first"', 'rel="prev"', 'rel="next"', 'rel="last"']
    assert response.links['next']['url'] == emu7.url + 'marketplace-provider-resources/?page=3&page_size=3'
    head = api(emu7, 'HEAD', 'marketplace-provider-resources/?state=OK', 'sp-owner')
    assert (head.status_code, head.content, head.headers['X-Result-Count']) == (200, b'', '3')
    response = api(emu7, 'GET', 'marketplace-provider-resources/?page=9', 'sp-owner')
    assert (response.status_code, response.json()) == (404, {'detail': 'Invalid page.'})


def test_trailing_slash_redirect_and_unknown_route(emu7):
    for method in ('GET', 'POST'):
        response = api(emu7, method, 'marketplace-provider-resources?state=OK', 'sp-owner')
        assert response.status_code == 301
        assert response.headers['Location'] == '/api/marketplace-provider-resources/?state=OK'
    response = api(emu7, 'GET', 'no-such-endpoint/', 'sp-owner')
    assert response.status_code == 404 and NOT_FOUND_TITLE in response.text


def test_dashed_uuids_and_filters(emu7):
    dashed = '%s-%s-%s-%s-%s' % (ALLOC_1[:8], ALLOC_1[8:12], ALLOC_1[12:16], ALLOC_1[16:20], ALLOC_1[20:])
    assert api(emu7, 'GET', 'marketplace-provider-resources/%s/' % dashed, 'sp-owner').json()['uuid'] == ALLOC_1
    response = api(emu7, 'GET', 'marketplace-provider-resources/?state=OK&state=Creating&o=-name&field=name', 'sp-owner')
    assert [r['name'] for r in response.json()] == ['vm-3', 'vm-2', 'vm-1', 'alloc-4', 'alloc-3', 'alloc-2', 'alloc-1']
    response = api(emu7, 'GET', 'marketplace-provider-resources/?modified=2026-11-28T00:00:00', 'sp-owner')
    assert (response.status_code, response.json()) == (400, {'modified': ['Enter a valid date.']})


def test_request_log_reset_and_control_endpoints(emu7):
    api(emu7, 'POST', 'marketplace-provider-resources/%s/set_backend_id/' % ALLOC_1, 'sp-owner', json={'backend_id': 'acct-1'})
    log = emu7.requests
    assert log[-1] == {'method': 'POST', 'path': '/api/marketplace-provider-resources/%s/set_backend_id/' % ALLOC_1, 'query': {},
                       'status': 200, 'user': 'sp-owner'}
    over_http = requests.get(emu7.base_url + '/__emulator__/requests', timeout=10).json()
    assert over_http == log
    assert requests.post(emu7.base_url + '/__emulator__/reset', timeout=10).status_code == 200
    assert resource(emu7, ALLOC_1)['backend_id'] == ''
    assert requests.delete(emu7.base_url + '/__emulator__/requests', timeout=10).status_code == 204
    assert emu7.requests == []


def test_extra_allocations_are_deterministic_and_fast():
    started = time.time()
    emulator = make('7.0.7', extra_allocations=5000)
    try:
        url = emulator.url + 'marketplace-provider-resources/?page_size=200'
        names, session = [], requests.Session()
        while url:
            response = session.get(url, headers={'Authorization': 'Token %s' % TOKENS['sp-owner']}, timeout=30)
            names += [r['name'] for r in response.json()]
            url = response.links.get('next', {}).get('url')
        assert len(names) == 5007 and names[7] == 'alloc-bulk-00001'
        bulk = api(emulator, 'GET', 'marketplace-provider-resources/?backend_id=acct-bulk-00001', 'sp-owner').json()
        assert bulk[0]['state'] == 'OK' and bulk[0]['report']
        for state in ('Creating', 'Erred', 'Terminated'):
            count = api(emulator, 'HEAD', 'marketplace-provider-resources/?name=alloc-bulk&state=%s' % state, 'sp-owner')
            assert int(count.headers['X-Result-Count']) > 0
        pending = api(emulator, 'HEAD', 'marketplace-orders/?state=pending-provider&state=executing', 'sp-owner')
        assert int(pending.headers['X-Result-Count']) > 500
    finally:
        emulator.stop()
    assert time.time() - started < 5
