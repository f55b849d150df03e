# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lifecycle of an allocation as a provider drives it: from what the server shows and what is declared, the
provider actions to send, in order, and the state they lead to. Pure functions without HTTP (unit-tested alone).

The rules follow waldur-api.md sections 4 and 9: a Marketplace.Basic order finishes on approval, other orders wait
for set_state_done; set_state_erred is for Marketplace.Slurm orders only and must not hit a pending order (it would
stay pending); terminate needs OK or Erred and no open order; set_as_ok / set_as_erred change the resource only.

Private module (leading underscore): the API of this file may change between minor releases.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.puhuri.core.plugins.module_utils._uuids import is_uuid, normalize_uuid

BASIC = 'Marketplace.Basic'
SLURM = 'Marketplace.Slurm'
TARGET_STATES = {'ok': 'OK', 'erred': 'Erred', 'terminated': 'Terminated'}
DECLARATION_KEYS = ('uuid', 'state', 'backend_id', 'report', 'error_message', 'error_traceback', 'rejection_comment',
                    'limits')
# Open orders, in the names the order-list filter takes on every version (8.x adds pending-start-date).
OPEN_ORDER_STATES = ('pending-consumer', 'pending-provider', 'pending-project', 'executing')
PENDING_START_DATE = 'pending-start-date'  # 8.x only: the 7.0.7 order-list filter refuses it (HTTP 400)
ORDER_ACTIONS = ('approve_by_provider', 'reject_by_provider', 'set_state_done', 'set_state_erred', 'set_state_executing')
# Actions the server may lack: set_as_ok came after 7.0.7, set_state_ok with 8.0.3. Tried in this order.
RESOURCE_OK_ACTIONS = ('set_as_ok', 'set_state_ok')
MAX_BACKEND_ID = 255
# Longer report text is refused as a likely mistake (a whole file pasted into a body).
MAX_REPORT_TEXT = 65536
CANCELLED = 'Cancelled by the service provider'
# The state of a Slurm allocation's agent side (GET .../details/) from which approving an Update works (RL707 #5-16).
AGENT_OK = 'OK'
TERMINATION_CANCELLED = 'Termination cancelled by the service provider'


class Step(object):
    """One provider action: on `order` (a summary dict, uuid None for the order `terminate` creates) or on the
    resource (order None), with its JSON body (None: no body)."""

    def __init__(self, action, order=None, body=None):
        self.action = action
        self.order = order
        self.body = body

    def __repr__(self):
        return 'Step(%s%s)' % (self.action, ' on %s order' % self.order['type'] if self.order else '')


class Plan(object):
    """steps to send in order; predicted: the situation they lead to; problem: why the declared state is unreachable
    (then steps is empty: nothing is sent for an allocation that cannot get where it is declared to go)."""

    def __init__(self, steps, predicted, problem=None):
        self.steps = steps
        self.predicted = predicted
        self.problem = problem


# ---------------------------------------------------------------------------------------------- reading the server

def order_summary(order):
    """The order keys planning needs, or None. An Update order carries its requested limits (`limits`) and the
    allocation's limits when it was asked for (`attributes.old_limits`, RL707 #2)."""
    if not order:
        return None
    summary = {'uuid': normalize_uuid(order['uuid']), 'type': order.get('type'), 'state': order.get('state')}
    if summary['type'] == 'Update':
        attributes = order.get('attributes') if isinstance(order.get('attributes'), dict) else {}
        summary.update(limits=order.get('limits') or {}, old_limits=attributes.get('old_limits'))
    return summary


def report_pairs(report):
    """A stored report (null or a list of sections) as a list of (header, body), or None."""
    if report is None:
        return None
    return [(section.get('header'), section.get('body')) for section in report]


def situation(resource, open_order=None, erred_order=None, agent_state=None):
    """What planning needs of an allocation: its resource fields, its open order, its erred Create order and, for a
    Slurm allocation whose Update order waits, the state of its agent side (details/; None when not read)."""
    if open_order is not None and open_order.get('state') not in OPEN_ORDER_STATES + (PENDING_START_DATE,):
        open_order = None
    if erred_order is not None and (erred_order.get('state') != 'erred' or erred_order.get('type') != 'Create'):
        erred_order = None
    return {
        'state': resource.get('state'),
        'offering_type': resource.get('offering_type'),
        'order': order_summary(open_order),
        'erred_order': order_summary(erred_order),
        'backend_id': resource.get('backend_id') or '',
        'report': report_pairs(resource.get('report')),
        'limits': resource.get('limits') or {},
        'agent_state': agent_state,
    }


def describe(current):
    """'Creating (its Create order is pending-provider)' / 'OK (no open order)': the state and order state in words."""
    order = current['order']
    if order is None:
        return '%s (no open order)' % current['state']
    return '%s (its %s order is %s)' % (current['state'], order['type'], order['state'])


def domain_view(current):
    """The allocation in domain terms, for before/after and --diff. Never the report bodies."""
    order = current['order']
    report = current['report']
    return {
        'state': current['state'],
        'order_type': order['type'] if order else None,
        'order_state': order['state'] if order else None,
        'backend_id': current['backend_id'],
        'report_headers': [header for header, _body in report] if report is not None else None,
        'limits': current['limits'],
        'requested_limits': order['limits'] if order and order['type'] == 'Update' else None,
        'previous_limits': order['old_limits'] if order and order['type'] == 'Update' else None,
    }


# ---------------------------------------------------------------------------------------------- declarations

def declaration_problems(item, where=''):
    """Problems of one declaration (uuid and the per-allocation options of puhuri_resource_state), each naming the
    field and what is allowed. The one validator of declarations: the module and the provision role's filter use it."""
    prefix = where + '.' if where else ''
    if not isinstance(item, dict):
        return ['%s must be a dict with uuid and optionally %s' % (where or 'a declaration', ', '.join(DECLARATION_KEYS[1:]))]
    problems = []
    unknown = sorted(str(key) for key in set(item) - set(DECLARATION_KEYS))
    if unknown:
        problems.append('%s has unknown key(s) %s; allowed: %s' % (where or 'the declaration', ', '.join(unknown),
                                                                   ', '.join(DECLARATION_KEYS)))
    if not is_uuid(item.get('uuid')):
        problems.append('%suuid must be a UUID (32 hex characters, dashes allowed), got %r' % (prefix, str(item.get('uuid'))[:60]))
    state = item.get('state')
    if state is not None and declared_state(state) not in TARGET_STATES:
        problems.append('%sstate must be one of %s, got %r' % (prefix, ', '.join(TARGET_STATES), state))
    backend_id = item.get('backend_id')
    if backend_id is not None and (isinstance(backend_id, bool) or not isinstance(backend_id, (str, int, float))):
        problems.append('%sbackend_id must be a string, got %s' % (prefix, type(backend_id).__name__))
    elif backend_id is not None and len(str(backend_id).strip()) > MAX_BACKEND_ID:
        problems.append('%sbackend_id must have at most %d characters, got %d' % (prefix, MAX_BACKEND_ID, len(str(backend_id).strip())))
    report = item.get('report')
    if report is not None and not (isinstance(report, list) and all(
            isinstance(section, dict) and set(section) == {'header', 'body'} for section in report)):
        problems.append('%sreport must be a non-empty list of dicts with exactly the keys header and body' % prefix)
    elif report is not None:
        if not report:
            problems.append('%sreport must have at least one section: the server cannot store an empty report' % prefix)
        for index, section in enumerate(report):
            for key in ('header', 'body'):
                text = str(section.get(key) or '').strip()
                if not text:
                    problems.append('%sreport[%d].%s must not be empty or only white space' % (prefix, index, key))
                elif len(text) > MAX_REPORT_TEXT:
                    problems.append('%sreport[%d].%s must have at most %d characters, got %d'
                                    % (prefix, index, key, MAX_REPORT_TEXT, len(text)))
    problems.extend(limits_problems(item.get('limits'), prefix))
    comment = item.get('rejection_comment')
    if comment is not None and (not isinstance(comment, str) or not comment.strip()):
        problems.append('%srejection_comment must be a non-empty text' % prefix)
    if (item.get('error_message') is not None or item.get('error_traceback') is not None) \
            and declared_state(state) not in ('erred', 'terminated'):
        problems.append('%serror_message and error_traceback go with state erred (or terminated, when a running order '
                        'has to be failed first), got state %s' % (prefix, state))
    return problems


class DeclarationsFileError(ValueError):
    """A declarations file that cannot be read as declarations at all; the text says where and why."""


def file_declarations(text, source):
    """The declarations of a file's text (JSON, else YAML): a list of them, or a mapping whose puhuri_allocations is
    one (so a vars file of the role can be given as it is). Each item is (where, item), where being 'source item n'."""
    try:
        data = json.loads(text)
    except ValueError:
        try:  # imported only for YAML: a JSON file (what an export writes) is read without PyYAML's import time
            import yaml
        except ImportError:
            raise DeclarationsFileError('%s is not JSON, and reading YAML needs PyYAML, which this Python lacks' % source)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise DeclarationsFileError('%s is neither JSON nor YAML: %s' % (source, str(error).replace('\n', ' ')))
    if isinstance(data, dict) and set(data) == {'puhuri_allocations'}:
        data = data['puhuri_allocations']
    if data is None:
        data = []
    if not isinstance(data, list):
        raise DeclarationsFileError('%s must hold a list of declarations (or a mapping with only puhuri_allocations, a '
                                    'list of them), got %s' % (source, type(data).__name__))
    return [('%s item %d' % (source, index), item) for index, item in enumerate(data, 1)]


def limits_problems(limits, prefix=''):
    """Declared limits: a dict of component type to a whole number of at least 0 (Waldur stores integers)."""
    if limits is None:
        return []
    if not isinstance(limits, dict) or not limits:
        return ['%slimits must be a non-empty dict of component type to a whole number, e.g. {cpu_k_hours: 200}' % prefix]
    return ['%slimits.%s must be a whole number of at least 0, got %r' % (prefix, key, value)
            for key, value in sorted(limits.items()) if whole_number(value) is None]


def whole_number(value):
    """200, 200.0 and '200' -> 200; anything else (True, -1, 2.5, 'x') -> None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value) if isinstance(value, (int, float)) or str(value).strip() else None
    except ValueError:
        return None
    if number is None or number < 0 or number != int(number):
        return None
    return int(number)


def repeated(keys):
    """The keys that occur more than once, each once, in the order of their second occurrence."""
    seen, twice = set(), []
    for key in keys:
        if key in seen and key not in twice:
            twice.append(key)
        seen.add(key)
    return twice


def declared_state(state):
    """'OK' -> 'ok': the declared state as planning takes it (declarations may use any case); None stays None."""
    return str(state).strip().lower() if state is not None else None


def declared_values(item):
    """A valid declaration as planning takes it: values stripped as the server strips them, the report as pairs."""
    report = item.get('report')
    backend_id = item.get('backend_id')
    return {
        'state': declared_state(item.get('state')),
        'backend_id': str(backend_id).strip() if backend_id is not None else None,
        'report': [(s['header'].strip(), s['body'].strip()) for s in report] if report is not None else None,
        'error_message': item.get('error_message'),
        'error_traceback': item.get('error_traceback'),
        'rejection_comment': item['rejection_comment'].strip() if item.get('rejection_comment') else None,
        'limits': dict((key, whole_number(value)) for key, value in item['limits'].items()) if item.get('limits') else None,
    }


# ---------------------------------------------------------------------------------------------- planning

def plan(current, declared):
    """The Plan that brings `current` (see situation()) to `declared` (see declared_values())."""
    target = declared['state']
    limit_steps, predicted, problem = _limit_steps(current, declared)
    state_steps = []
    if problem is None and target is not None:
        state_steps, predicted, problem = _state_steps(predicted, target, declared)
    if problem:
        return Plan([], current, problem)
    state_steps = limit_steps + state_steps
    predicted = dict(predicted)
    attribute_steps = []
    if declared['backend_id'] is not None and declared['backend_id'] != current['backend_id']:
        attribute_steps.append(Step('set_backend_id', body={'backend_id': declared['backend_id']}))
        predicted['backend_id'] = declared['backend_id']
    if declared['report'] is not None and declared['report'] != current['report']:
        report = [{'header': header, 'body': body} for header, body in declared['report']]
        attribute_steps.append(Step('submit_report', body={'report': report}))
        predicted['report'] = list(declared['report'])
    # As a provider does it: approve the request, set up the account (backend_id, report), then finish the order.
    at = 1 if state_steps and state_steps[0].action == 'approve_by_provider' and state_steps[0].order['type'] != 'Terminate' else 0
    return Plan(state_steps[:at] + attribute_steps + state_steps[at:], predicted)


def limits_after(current, limits):
    """The allocation's limits once `limits` (all or some components) are applied."""
    return dict(current['limits'], **limits)


def _limit_steps(current, declared):
    """(steps, predicted, problem) for declared limits: approve the Update order that asks for exactly them, reject
    one that asks for others; with no order, limits that differ have no provider path on 7.0.7 (problem)."""
    limits = declared['limits']
    order = current['order']
    if limits is None or declared['state'] == 'terminated':
        return [], current, None
    wanted = limits_after(current, limits)
    if order is not None and order['type'] == 'Update':
        requested = limits_after(current, order['limits'])
        if order['state'] == 'pending-provider':
            if requested != wanted:
                comment = 'Requested limits %s differ from the limits the provider grants: %s' % (
                    _limits_text(order['limits']), _limits_text(limits))
                step = Step('reject_by_provider', order, {'provider_rejection_comment': declared.get('rejection_comment') or comment})
            else:
                step = _approve(current, order)
            steps, now = [], current
            while step is not None:  # set_slurm_state_ok, then the approval
                steps.append(step)
                now = _effect(step, now)
                step = _approve(now, order) if step.action == 'set_slurm_state_ok' else None
            return steps, now, None
        if requested != wanted:
            return [], current, ('its Update order asks for limits %s, not the declared %s, and is %s: declare its '
                                 'limits, or fail it (state: erred; the allocation becomes Erred)'
                                 % (_limits_text(order['limits']), _limits_text(limits), order['state']))
        return [], current, None
    if order is None and current['state'] in ('OK', 'Erred') and wanted != current['limits']:
        return [], current, ('its limits are %s, the declared %s, and no Update order asks for them: the consumer asks '
                             'for new limits in the portal (an Update order, which a later run approves); Waldur 7.0.7 '
                             'has no provider call to set them, and this module does not use the provider set_limits of '
                             'Waldur 8.x' % (_limits_text(current['limits']), _limits_text(limits)))
    return [], current, None


def _limits_text(limits):
    return '{%s}' % ', '.join('%s: %s' % item for item in sorted((limits or {}).items()))


def _approve(now, order):
    """approve_by_provider, or first set_slurm_state_ok where approving would err the order at once: an Update of a
    Slurm allocation whose agent side is not OK (the schedule_updating trap, RL707 #5-16, #23-26)."""
    if (order['type'] == 'Update' and now['offering_type'] == SLURM and now['agent_state'] is not None
            and now['agent_state'] != AGENT_OK):
        return Step('set_slurm_state_ok', body={'state': 'ok'})
    return Step('approve_by_provider', order)


def _state_steps(current, target, declared):
    """(steps, predicted situation, problem): the state actions from current to the target state, simulated."""
    now, steps = current, []
    while now['state'] != TARGET_STATES[target] or _unwanted_termination(now, target):
        step, problem = _next_step(now, target, declared)
        if problem:
            return [], current, problem
        steps.append(step)
        now = _effect(step, now)
    return steps, now, None


def _unwanted_termination(now, target):
    """A Terminate order the consumer asked for waits while the allocation stays OK (RL707 #42-44): declared ok or
    erred, it is rejected although the state already matches."""
    order = now['order']
    return target != 'terminated' and order is not None and order['type'] == 'Terminate' \
        and order['state'] == 'pending-provider'


def _error_body(declared, default):
    """set_state_erred reads both keys (without one: HTTP 500 in 7.0.7), so both are always sent."""
    message = declared['error_message'] if declared['error_message'] is not None else default
    return {'error_message': message, 'error_traceback': declared['error_traceback'] or ''}


def _next_step(now, target, declared):
    """(step, None) or (None, problem): the next action from a situation whose state is not the target."""
    state, order, erred_order, offering_type = now['state'], now['order'], now['erred_order'], now['offering_type']
    if state == 'Terminated':
        return None, 'Terminated is final, no API action brings a terminated allocation back'
    if order is not None:
        kind, order_state = order['type'], order['state']
        if order_state == 'pending-provider':
            # Approve what leads to the target (a Create/Update order to ok/erred, a Terminate order to terminated),
            # reject the rest: a rejected Create order terminates its allocation, a rejected Terminate order keeps it.
            if (kind == 'Terminate') == (target == 'terminated'):
                return _approve(now, order), None
            body = {'provider_rejection_comment': declared['rejection_comment']} if declared.get('rejection_comment') else None
            return Step('reject_by_provider', order, body), None
        if order_state != 'executing':
            return None, ('a provider can act on an order only when it is pending-provider or executing; this one is %s '
                          '(it waits for the consumer or its start date)' % order_state)
        if (kind == 'Terminate') == (target == 'terminated') and target != 'erred':
            return Step('set_state_done', order), None
        if offering_type != SLURM:
            return None, ('its %s order is executing and only Marketplace.Slurm orders can be failed (set_state_erred); '
                          'this is a %s offering: run again when Waldur has finished the order' % (kind, offering_type))
        # Failing a Create/Update order makes the allocation Erred; failing a Terminate order puts it back to OK.
        default = TERMINATION_CANCELLED if kind == 'Terminate' else CANCELLED if target == 'terminated' else ''
        return Step('set_state_erred', order, _error_body(declared, default)), None
    if state not in ('OK', 'Erred'):
        return None, ('an allocation in state %s always has an open order, but this token sees none: on Waldur 8.x only '
                      'the provider organisation\'s owner may list orders (ORDER.LIST); use the owner\'s token' % state)
    if target == 'terminated':
        return Step('terminate'), None
    if target == 'erred':
        return Step('set_as_erred', body=_error_body(declared, '')), None
    if erred_order is not None and offering_type == SLURM:
        # Retry the failed Create order (Slurm only): executing again, then done. Works on every version.
        return Step('set_state_executing', erred_order), None
    return Step(RESOURCE_OK_ACTIONS[0]), None


def _finished(now, order):
    """The situation once `order` is done: Terminated, or OK (with the limits an Update order asked for)."""
    if order['type'] == 'Terminate':
        return dict(now, state='Terminated', order=None)
    limits = limits_after(now, order['limits']) if order['type'] == 'Update' else now['limits']
    return dict(now, state='OK', order=None, limits=limits)


def _effect(step, now):
    """The situation after `step`, as the server behaves."""
    action, order = step.action, step.order
    if action == 'set_slurm_state_ok':
        return dict(now, agent_state=AGENT_OK)
    if action == 'approve_by_provider':
        if now['offering_type'] == BASIC:
            return _finished(now, order)  # Basic orders finish on approval
        running = {'Terminate': 'Terminating', 'Update': 'Updating'}.get(order['type'], now['state'])
        after = dict(now, state=running, order=dict(order, state='executing'))
        if order['type'] == 'Update':
            after['agent_state'] = 'Update Scheduled'  # so the next Update needs set_slurm_state_ok again
        return after
    if action == 'reject_by_provider':
        state = {'Create': 'Terminated', 'Update': 'OK'}.get(order['type'], now['state'])
        return dict(now, state=state, order=None)
    if action == 'set_state_done':
        return _finished(now, order)
    if action == 'set_state_erred':
        return dict(now, state='OK' if order['type'] == 'Terminate' else 'Erred', order=None)
    if action == 'set_state_executing':
        return dict(now, order=dict(now['erred_order'], state='executing'), erred_order=None)
    if action == 'terminate':
        return dict(now, order={'uuid': None, 'type': 'Terminate', 'state': 'pending-provider'})
    if action == 'set_as_erred':
        return dict(now, state='Erred')
    return dict(now, state='OK')  # set_as_ok
