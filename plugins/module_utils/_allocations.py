# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reading a provider's allocations, with their teams on request: the states users may name, and the reads.

Shared by the module puhuri_resource_info and the inventory plugin puhuri.core.allocations; imports nothing from
ansible.module_utils.basic. Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

from ansible_collections.puhuri.core.plugins.module_utils._client import PuhuriApiError
from ansible_collections.puhuri.core.plugins.module_utils._uuids import normalize_uuid
from ansible_collections.puhuri.core.plugins.module_utils._team import members, read_teams

RESOURCE_STATES = ['Creating', 'OK', 'Erred', 'Updating', 'Terminating', 'Terminated']
RESOURCES = 'marketplace-provider-resources/'
ORDERS = 'marketplace-orders/'
# Open orders; 8.x adds pending-start-date, which the 7.0.7 order filter refuses (HTTP 400).
OPEN_ORDER_STATES = ['pending-consumer', 'pending-provider', 'pending-project', 'executing']
START_DATE_STATE = 'pending-start-date'
OPEN_ORDER_FIELDS = ['uuid', 'type', 'state', 'created', 'marketplace_resource_uuid', 'limits', 'attributes']


def server_states(requested, option='state'):
    """(states, problem): states in any case mapped to the server's case-sensitive names; unknown names are a problem."""
    by_lower = dict((state.lower(), state) for state in RESOURCE_STATES)
    states, unknown = [], []
    for value in requested or []:
        state = by_lower.get(str(value).strip().lower())
        if state is None:
            unknown.append(value)
        elif state not in states:
            states.append(state)
    problem = None
    if unknown:
        problem = option + ' has unknown value(s) %s; allowed: %s (any case)' % (
            ', '.join(repr(v) for v in unknown), ', '.join(RESOURCE_STATES))
    return states, problem


def with_teams(client, allocations, team_states, parallel=1):
    """Adds `team` to each allocation in team_states (one read each, `parallel` at a time) and returns the members."""
    teams = read_teams(client, allocations, team_states, parallel)
    for allocation in allocations:
        if allocation['uuid'] in teams:
            allocation['team'] = teams[allocation['uuid']]
    return members(allocations, teams)


def list_allocations(client, filters, fields, parallel=1):
    """One paginated listing of the provider's allocations matching filters (`parallel` pages at a time)."""
    return client.list(RESOURCES, params=filters, fields=fields, parallel=parallel)


def read_allocation(client, uuid, fields):
    """One allocation's detail, narrowed to fields (all when empty)."""
    return client.get(RESOURCES + uuid + '/', params=[('field', f) for f in fields])


def with_open_orders(client, allocations, filters, now=None, parallel=1):
    """Adds `open_orders` to each allocation: its orders waiting for someone (type, state, created, age in seconds
    from this host's clock, and of an Update order the requested `limits` and `old_limits`), read from one listing of
    marketplace-orders/ (never from the allocation's nested copies, which 7.0.7 serves stale), `parallel` pages at a time."""
    params = dict(filters, o='created')
    try:
        orders = client.list(ORDERS, params=dict(params, state=OPEN_ORDER_STATES + [START_DATE_STATE]), fields=OPEN_ORDER_FIELDS,
                             parallel=parallel)
    except PuhuriApiError as error:
        if error.status != 400:
            raise
        orders = client.list(ORDERS, params=dict(params, state=OPEN_ORDER_STATES), fields=OPEN_ORDER_FIELDS,
                             parallel=parallel)
    now = now or datetime.datetime.utcnow()
    by_resource = {}
    for order in orders:
        if not isinstance(order, dict) or 'uuid' not in order:
            raise PuhuriApiError('GET', client.url_path(ORDERS), 200, 'unexpected answer: an order that is not a JSON '
                                 'object with uuid')
        attributes = order.get('attributes') if isinstance(order.get('attributes'), dict) else {}
        summary = {'uuid': normalize_uuid(order['uuid']), 'type': order.get('type'), 'state': order.get('state'),
                   'created': order.get('created'), 'age_seconds': age_seconds(order.get('created'), now)}
        if order.get('type') == 'Update':
            summary.update(limits=order.get('limits'), old_limits=attributes.get('old_limits'))
        by_resource.setdefault(normalize_uuid(order.get('marketplace_resource_uuid') or ''), []).append(summary)
    for allocation in allocations:
        allocation['open_orders'] = by_resource.get(normalize_uuid(allocation.get('uuid') or ''), [])


def age_seconds(created, now):
    """Whole seconds since the server's `created` time ('2026-12-01T08:56:11.632741Z'), or None if unreadable."""
    text = str(created or '').replace('Z', '')
    for pattern in ('%Y-%m-%dT%H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S'):
        try:
            return int((now - datetime.datetime.strptime(text[:26], pattern)).total_seconds())
        except ValueError:
            continue
    return None
