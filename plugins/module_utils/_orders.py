# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Orders from /api/marketplace-orders/ with their age, and the stuck-order policy (read -> plan -> write).

Order state is always read from the orders endpoint, never from the copies nested in a resource (the 7.0.7
`creation_order` is cached per server process). Ages are measured against the server's clock (its `Date` header),
so a controller with a wrong clock does not make orders look stuck.

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import email.utils
import re

from ansible_collections.puhuri.core.plugins.module_utils._common import (
    PuhuriApiError, client_from_module, fail_api, uuid_problem,
)

ORDERS_PATH = 'marketplace-orders/'
ORDER_STATES = ['pending-consumer', 'pending-provider', 'pending-project', 'pending-start-date', 'executing', 'done',
                'erred', 'canceled', 'rejected']
# The states an order waits in for the provider: the only ones a stuck-order policy acts on.
STUCK_STATES = ['pending-provider', 'executing']
ORDER_TYPES = ['Create', 'Update', 'Terminate']
SLURM = 'Marketplace.Slurm'
# What a listing keeps of each order (the server's field= selection).
ORDER_FIELDS = ['uuid', 'type', 'state', 'created', 'modified', 'offering_uuid', 'offering_name', 'offering_type',
                'provider_uuid', 'plan_uuid', 'plan_name', 'marketplace_resource_uuid', 'resource_name', 'project_uuid',
                'project_name', 'customer_name', 'limits', 'attributes', 'error_message']
DEFAULT_FAIL_MESSAGE = 'The provider could not process this order in time; please contact the provider.'

_DURATION_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$')
_UNIT_SECONDS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
_TIMESTAMP_RE = re.compile(r'^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?\s*(Z|[+-]\d{2}:?\d{2})?$')


def parse_duration(value, option='older_than'):
    """(seconds, None) for `90`, `90s`, `30m`, `2h`, `3d`, `1w`; (None, problem naming the option) otherwise."""
    if isinstance(value, bool):
        match = None
    elif isinstance(value, (int, float)):
        match = _DURATION_RE.match(repr(value)) if value >= 0 else None
    else:
        match = _DURATION_RE.match(str(value))
    if not match:
        return None, ('%s must be an age: a number of seconds, or a number followed by s, m, h, d or w '
                      '(for example 2h or 3d), got %r' % (option, value))
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)], None


def parse_timestamp(text):
    """An aware UTC datetime from a Waldur timestamp (`2026-11-28T22:20:35.400000Z`), or None."""
    match = _TIMESTAMP_RE.match(text or '')
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    moment = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                               int((fraction or '0').ljust(6, '0')), tzinfo=datetime.timezone.utc)
    if zone and zone != 'Z':
        sign = 1 if zone[0] == '+' else -1
        digits = zone[1:].replace(':', '')
        moment -= sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment


def format_age(seconds):
    """A short human age: `2d 3h`, `5h 12m`, `4m 10s`, `8s`."""
    seconds = int(max(0, seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return '%dd %dh' % (days, hours)
    if hours:
        return '%dh %dm' % (hours, minutes)
    if minutes:
        return '%dm %ds' % (minutes, secs)
    return '%ds' % secs


class ServerClock(object):
    """The server's time, from the `Date` header of the answers the client receives."""

    def __init__(self, client):
        self.date = None
        client.session.hooks.setdefault('response', []).append(self._seen)

    def _seen(self, response, *args, **kwargs):
        value = response.headers.get('Date')
        if value:
            try:
                self.date = email.utils.parsedate_to_datetime(value).astimezone(datetime.timezone.utc)
            except (TypeError, ValueError):
                pass
        return response

    def now(self):
        """The server's time of the last answer; the controller's UTC time when the server sent no Date."""
        if self.date is not None:
            return self.date, 'server'
        return datetime.datetime.now(datetime.timezone.utc), 'controller'


def order_problems(params):
    """Problems in the order filters (type, older_than), each naming the option and what is allowed."""
    problems = []
    types = dict((t.lower(), t) for t in ORDER_TYPES)
    unknown = [t for t in params.get('type') or [] if str(t).lower() not in types]
    if unknown:
        problems.append('type has unknown value(s) %s; allowed: %s (any case)'
                        % (', '.join(repr(t) for t in unknown), ', '.join(ORDER_TYPES)))
    if params.get('older_than') is not None:
        problems.extend(p for p in [parse_duration(params['older_than'])[1]] if p)
    return problems


def read_orders(client, clock, params):
    """The orders matching the filters, oldest first, each with `age_seconds` and `age`; and the server's time.

    One listing (all pages). The server cannot filter by "created before", so `older_than` is applied here.
    """
    types = dict((t.lower(), t) for t in ORDER_TYPES)
    filters = [(name, params[name]) for name in ('provider_uuid', 'offering_uuid', 'resource_uuid') if params.get(name)]
    filters.extend(('state', state) for state in params.get('state') or [])
    filters.extend(('type', types[str(t).lower()]) for t in params.get('type') or [])
    filters.append(('o', 'created'))
    orders = client.list(ORDERS_PATH, params=filters, fields=ORDER_FIELDS)
    now, now_source = clock.now()
    minimum = parse_duration(params['older_than'])[0] if params.get('older_than') is not None else None
    kept = []
    for order in orders:
        created = parse_timestamp(order.get('created'))
        age = (now - created).total_seconds() if created else None
        order['age_seconds'] = int(age) if age is not None else None
        order['age'] = format_age(age) if age is not None else None
        if minimum is None or (age is not None and age >= minimum):
            kept.append(order)
    return kept, {'now': now.strftime('%Y-%m-%dT%H:%M:%SZ'), 'now_source': now_source}


def stuck_action(order):
    """(action, reason) the `fail` policy takes on one stuck order; action None when the server offers none."""
    if order['state'] == 'pending-provider':
        return 'reject_by_provider', None
    if order['state'] == 'executing':
        if order.get('offering_type') == SLURM:
            return 'set_state_erred', None
        return None, ('only %s orders can be failed by the provider (set_state_erred); a %s order that is still '
                      'executing must be finished or cancelled in the portal' % (SLURM, order.get('offering_type')))
    return None, 'the order is %s, not waiting for the provider' % order['state']


def _send(client, order, action, message):
    path = '%s%s/%s/' % (ORDERS_PATH, order['uuid'], action)
    if action == 'reject_by_provider':
        # 8.0.5 stores the comment; 7.0.7 answers 200 and ignores the key (RL707 #17-22).
        client.post(path, body={'provider_rejection_comment': message})
    else:
        # Both keys, or 7.0.7 answers 500 (R707 #73).
        client.post(path, body={'error_message': message, 'error_traceback': ''})


def _state_now(client, order):
    return client.get('%s%s/' % (ORDERS_PATH, order['uuid']), params=[('field', 'state')])['state']


def apply_policy(client, orders, policy, message, check_mode):
    """Plan (and unless check_mode, send) the policy's action per order.

    Returns (changed, failures, diff). Each order gets `action` (the call, or None) and `outcome`: `reported`,
    `skipped` (with `reason`), `planned` (check mode), `done`, `changed meanwhile` (someone else moved it) or `failed`.
    An action whose answer was lost or refused is never re-sent: the order is read again and judged by its state.
    """
    changed, failures, before, after = False, [], [], []
    for order in orders:
        order['action'] = None
        if policy == 'report':
            order['outcome'] = 'reported'
            continue
        action, reason = stuck_action(order)
        if action is None:
            order['outcome'], order['reason'] = 'skipped', reason
            continue
        order['action'] = action
        target = 'rejected' if action == 'reject_by_provider' else 'erred'
        if check_mode:
            order['outcome'] = 'planned'
        else:
            _act(client, order, action, target, message, failures)
        if order['outcome'] in ('planned', 'done'):
            changed = True
            before.append({'uuid': order['uuid'], 'state': order['state']})
            after.append({'uuid': order['uuid'], 'state': target})
    return changed, failures, {'before': {'orders': before}, 'after': {'orders': after}}


def _act(client, order, action, target, message, failures):
    """Send the action; when it fails, read the order again and judge by its state (never re-send)."""
    try:
        _send(client, order, action, message)
        order['outcome'] = 'done'
    except PuhuriApiError as error:
        try:
            state = _state_now(client, order)
        except PuhuriApiError as read_error:
            state, error = None, read_error
        if state == target:
            order['outcome'] = 'done'
        elif state is not None and state != order['state']:
            order['outcome'], order['reason'] = 'changed meanwhile', 'the order is now %s' % state
        else:
            order['outcome'], order['reason'] = 'failed', str(error)
            failures.append('%s (%s, %s): %s' % (order['uuid'], order.get('resource_name'), order['state'], error))


def filter_spec(states_allowed):
    """The filter options both order modules take (their documentation is in each module)."""
    return dict(
        provider_uuid=dict(type='str'),
        offering_uuid=dict(type='str'),
        resource_uuid=dict(type='str'),
        state=dict(type='list', elements='str', choices=list(states_allowed), default=list(STUCK_STATES)),
        type=dict(type='list', elements='str'),
        older_than=dict(type='raw'),
    )


def _checked_client(module):
    problems = [p for p in [uuid_problem(name, module.params[name])
                            for name in ('provider_uuid', 'offering_uuid', 'resource_uuid')] if p]
    problems.extend(order_problems(module.params))
    if problems:
        module.fail_json(msg='; '.join(problems))
    client = client_from_module(module)
    return client, ServerClock(client)


def run_order_info(module):
    """puhuri_order_info: list the orders, each with its age; never writes."""
    client, clock = _checked_client(module)
    try:
        orders, now = read_orders(client, clock, module.params)
    except PuhuriApiError as error:
        fail_api(module, error)
    module.exit_json(changed=False, orders=orders, count=len(orders), **now)


def run_stuck_orders(module):
    """puhuri_stuck_orders: the orders waiting longer than older_than, and the declared policy applied to them."""
    params = module.params
    if params['policy'] == 'fail' and not (params['fail_message'] or '').strip():
        module.fail_json(msg='fail_message must not be empty with policy fail: it is what the consumer is shown')
    client, clock = _checked_client(module)
    try:
        orders, now = read_orders(client, clock, params)
    except PuhuriApiError as error:
        fail_api(module, error)
    changed, failures, diff = apply_policy(client, orders, params['policy'], params['fail_message'], module.check_mode)
    result = dict(changed=changed, orders=orders, count=len(orders), diff=diff, **now)
    for order in orders:
        if order['outcome'] == 'skipped' and params['policy'] == 'fail':
            module.warn('order %s (%s) left as it is: %s' % (order['uuid'], order.get('resource_name'), order['reason']))
    if failures:
        module.fail_json(msg='%d of %d stuck order(s) could not be failed: %s' % (len(failures), len(orders), '; '.join(failures)),
                         **result)
    module.exit_json(**result)
