# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the allocation lifecycle planning without HTTP: which provider actions, in which order, where to."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import itertools

import pytest

from ansible_collections.puhuri.core.plugins.module_utils._lifecycle import (
    BASIC, CANCELLED, SLURM, TERMINATION_CANCELLED, declaration_problems, declared_values, describe, domain_view, plan,
    situation,
)

pytestmark = pytest.mark.unit

UUID = 'e5fff443d2ec45aa8e7cfed9cc653497'
ORDER = '46efd621a362409aaa94397b09206fde'
ERRED_ORDER = '56709d5e732d497ab96922f16dd2de23'


def current(state, offering_type=SLURM, order=None, erred=False, backend_id='', report=None):
    """A situation() as the server shows it: order is (type, state) of the open order."""
    resource = {'uuid': UUID, 'state': state, 'offering_type': offering_type, 'backend_id': backend_id, 'report': report}
    open_order = {'uuid': ORDER, 'type': order[0], 'state': order[1]} if order else None
    erred_order = {'uuid': ERRED_ORDER, 'type': 'Create', 'state': 'erred'} if erred else None
    return situation(resource, open_order, erred_order)


def declared(state=None, **values):
    item = dict(uuid=UUID, state=state, backend_id=None, report=None, error_message=None, error_traceback=None)
    item.update(values)
    assert declaration_problems(item) == []
    return declared_values(item)


def actions(result):
    return [step.action for step in result.steps]


PENDING = ('Create', 'pending-provider')
EXECUTING = ('Create', 'executing')


@pytest.mark.parametrize('now,target,expected,end', [
    # Creating, waiting for the provider
    (current('Creating', SLURM, PENDING), 'ok', ['approve_by_provider', 'set_state_done'], 'OK'),
    (current('Creating', BASIC, PENDING), 'ok', ['approve_by_provider'], 'OK'),
    (current('Creating', SLURM, PENDING), 'erred', ['approve_by_provider', 'set_state_erred'], 'Erred'),
    (current('Creating', BASIC, PENDING), 'erred', ['approve_by_provider', 'set_as_erred'], 'Erred'),
    (current('Creating', SLURM, PENDING), 'terminated', ['reject_by_provider'], 'Terminated'),
    (current('Creating', BASIC, PENDING), 'terminated', ['reject_by_provider'], 'Terminated'),
    # Creating, approved and not finished (Slurm)
    (current('Creating', SLURM, EXECUTING), 'ok', ['set_state_done'], 'OK'),
    (current('Creating', SLURM, EXECUTING), 'erred', ['set_state_erred'], 'Erred'),
    (current('Creating', SLURM, EXECUTING), 'terminated',
     ['set_state_erred', 'terminate', 'approve_by_provider', 'set_state_done'], 'Terminated'),
    # Active allocations
    (current('OK', SLURM), 'terminated', ['terminate', 'approve_by_provider', 'set_state_done'], 'Terminated'),
    (current('OK', BASIC), 'terminated', ['terminate', 'approve_by_provider'], 'Terminated'),
    (current('Erred', SLURM), 'terminated', ['terminate', 'approve_by_provider', 'set_state_done'], 'Terminated'),
    (current('OK', SLURM), 'erred', ['set_as_erred'], 'Erred'),
    (current('Erred', SLURM, erred=True), 'ok', ['set_state_executing', 'set_state_done'], 'OK'),
    (current('Erred', SLURM), 'ok', ['set_as_ok'], 'OK'),
    (current('Erred', BASIC, erred=True), 'ok', ['set_as_ok'], 'OK'),  # only Slurm orders can run again
    # A termination the consumer asked for: approved when declared terminated, rejected otherwise
    (current('OK', SLURM, ('Terminate', 'pending-provider')), 'terminated', ['approve_by_provider', 'set_state_done'], 'Terminated'),
    (current('OK', SLURM, ('Terminate', 'pending-provider')), 'ok', ['reject_by_provider'], 'OK'),
    (current('Erred', BASIC, ('Terminate', 'pending-provider')), 'ok', ['reject_by_provider', 'set_as_ok'], 'OK'),
    (current('OK', SLURM, ('Terminate', 'pending-provider')), 'erred', ['reject_by_provider', 'set_as_erred'], 'Erred'),
    (current('Terminating', SLURM, ('Terminate', 'executing')), 'terminated', ['set_state_done'], 'Terminated'),
    (current('Terminating', SLURM, ('Terminate', 'executing')), 'ok', ['set_state_erred'], 'OK'),
    # The pending trap (set_state_erred on a pending order): the order is still pending-provider
    (current('Erred', SLURM, PENDING), 'ok', ['approve_by_provider', 'set_state_done'], 'OK'),
    (current('Erred', SLURM, PENDING), 'terminated', ['reject_by_provider'], 'Terminated'),
    # Updates
    (current('Updating', SLURM, ('Update', 'pending-provider')), 'ok', ['approve_by_provider', 'set_state_done'], 'OK'),
    (current('Updating', SLURM, ('Update', 'executing')), 'erred', ['set_state_erred'], 'Erred'),
    # Already there
    (current('OK', BASIC), 'ok', [], 'OK'),
    (current('Erred', SLURM), 'erred', [], 'Erred'),
    (current('Terminated', SLURM), 'terminated', [], 'Terminated'),
])
def test_state_transitions(now, target, expected, end):
    result = plan(now, declared(target))
    assert result.problem is None
    assert actions(result) == expected
    assert result.predicted['state'] == end
    if end in ('OK', 'Erred', 'Terminated') and expected and expected[-1] != 'reject_by_provider':
        assert result.predicted['order'] is None or result.predicted['order']['type'] == 'Terminate'


def test_the_provider_order_approve_backend_id_report_done():
    report = [{'header': 'Access', 'body': 'ssh acct@login'}, {'header': 'Support', 'body': 'help@example.org'}]
    result = plan(current('Creating', SLURM, PENDING), declared('ok', backend_id='acct', report=report))
    assert actions(result) == ['approve_by_provider', 'set_backend_id', 'submit_report', 'set_state_done']
    assert [step.order and step.order['uuid'] for step in result.steps] == [ORDER, None, None, ORDER]
    assert result.steps[1].body == {'backend_id': 'acct'}
    assert result.steps[2].body == {'report': report}
    assert result.steps[0].body is None and result.steps[3].body is None
    assert result.predicted['backend_id'] == 'acct'
    assert result.predicted['report'] == [('Access', 'ssh acct@login'), ('Support', 'help@example.org')]


def test_account_details_before_a_termination_and_after_a_basic_approval():
    result = plan(current('OK', SLURM), declared('terminated', backend_id='gone'))
    assert actions(result) == ['set_backend_id', 'terminate', 'approve_by_provider', 'set_state_done']
    # The Terminate order does not exist yet: its uuid comes from terminate's answer.
    assert result.steps[2].order == {'uuid': None, 'type': 'Terminate', 'state': 'pending-provider'}
    result = plan(current('Creating', BASIC, PENDING), declared('ok', backend_id='vm'))
    assert actions(result) == ['approve_by_provider', 'set_backend_id']


@pytest.mark.parametrize('values,expected', [
    ({}, {'error_message': CANCELLED, 'error_traceback': ''}),
    ({'error_message': 'no account', 'error_traceback': 'sacctmgr: error'},
     {'error_message': 'no account', 'error_traceback': 'sacctmgr: error'}),
])
def test_set_state_erred_always_sends_both_keys(values, expected):
    result = plan(current('Creating', SLURM, EXECUTING), declared('terminated', **values))
    assert result.steps[0].action == 'set_state_erred' and result.steps[0].body == expected
    result = plan(current('Creating', SLURM, EXECUTING), declared('erred', **values))
    assert result.steps[0].body == dict(expected, error_message=values.get('error_message', ''))
    result = plan(current('Terminating', SLURM, ('Terminate', 'executing')), declared('ok'))
    assert result.steps[0].body == {'error_message': TERMINATION_CANCELLED, 'error_traceback': ''}


@pytest.mark.parametrize('now,target,needle', [
    (current('Terminated', SLURM), 'ok', 'Terminated is final'),
    (current('Terminated', BASIC), 'erred', 'Terminated is final'),
    (current('Creating', SLURM), 'ok', 'only the provider organisation\'s owner may list orders'),
    (current('Creating', SLURM, ('Create', 'pending-consumer')), 'ok', 'this one is pending-consumer'),
    (current('Creating', BASIC, EXECUTING), 'erred', 'only Marketplace.Slurm orders can be failed'),
    (current('Creating', BASIC, EXECUTING), 'terminated', 'only Marketplace.Slurm orders can be failed'),
])
def test_no_path_is_a_problem_and_nothing_is_sent(now, target, needle):
    result = plan(now, declared(target, backend_id='would-be-set'))
    assert needle in result.problem
    assert result.steps == [] and result.predicted == now


def test_account_details_alone_are_compared_as_the_server_stores_them():
    stored = [{'header': 'Access', 'body': 'ssh acct@login'}]
    now = current('OK', BASIC, backend_id='acct', report=stored)
    # The server strips white space (a YAML block scalar ends with a newline): equal, nothing to send.
    assert actions(plan(now, declared(backend_id=' acct ', report=[{'header': 'Access ', 'body': 'ssh acct@login\n'}]))) == []
    assert actions(plan(now, declared(backend_id='acct2'))) == ['set_backend_id']
    assert actions(plan(now, declared(backend_id=''))) == ['set_backend_id']
    assert actions(plan(now, declared(report=[{'header': 'Access', 'body': 'ssh other@login'}]))) == ['submit_report']
    # Order matters: the same sections in another order are another report.
    two = [{'header': 'A', 'body': '1'}, {'header': 'B', 'body': '2'}]
    now = current('OK', BASIC, report=two)
    assert actions(plan(now, declared(report=list(reversed(two))))) == ['submit_report']
    assert actions(plan(current('OK', BASIC), declared(report=two))) == ['submit_report']  # nothing stored (null)


ORDERS = [None, ('Create', 'pending-provider'), ('Create', 'executing'), ('Create', 'pending-consumer'),
          ('Update', 'pending-provider'), ('Update', 'executing'), ('Terminate', 'pending-provider'),
          ('Terminate', 'executing')]
STATES = ['Creating', 'OK', 'Erred', 'Updating', 'Terminating', 'Terminated']


@pytest.mark.parametrize('offering_type', [SLURM, BASIC])
def test_every_situation_gets_a_valid_path_or_a_reason(offering_type):
    """For every state, open order and target: the steps are each allowed in the state they meet, and lead to the
    target; otherwise a reason and no steps. The server's rules (waldur-api.md 4.3, 9.3, 9.4) are checked per step."""
    for state, order, erred, target in itertools.product(STATES, ORDERS, [False, True], ['ok', 'erred', 'terminated']):
        now = current(state, offering_type, order, erred)
        result = plan(now, declared(target))
        if result.problem:
            assert result.steps == []
            continue
        tracked = now['order']  # the open order as the server would have it before each step
        for step in result.steps:
            action = step.action
            if action in ('approve_by_provider', 'reject_by_provider'):
                assert tracked and tracked['state'] == 'pending-provider', (now, target, result.steps)
            elif action in ('set_state_done', 'set_state_erred'):
                assert tracked and tracked['state'] == 'executing', (now, target, result.steps)  # never the pending trap
                assert action == 'set_state_done' or offering_type == SLURM
            elif action == 'set_state_executing':
                assert tracked is None and offering_type == SLURM and step.order['uuid'] == ERRED_ORDER
            else:  # terminate, set_as_ok, set_as_erred, set_backend_id, submit_report
                assert tracked is None, (now, target, result.steps)
            if step.order is not None and action != 'set_state_executing':
                assert step.order['type'] == tracked['type']
            if action == 'approve_by_provider' and offering_type == SLURM:
                tracked = dict(tracked, state='executing')
            elif action == 'set_state_executing':
                tracked = {'type': 'Create', 'state': 'executing'}
            elif action == 'terminate':
                tracked = {'type': 'Terminate', 'state': 'pending-provider'}
            elif step.order is not None:
                tracked = None
        assert result.predicted['state'] == {'ok': 'OK', 'erred': 'Erred', 'terminated': 'Terminated'}[target]
        assert len(result.steps) <= 4


@pytest.mark.parametrize('item,needle', [
    ({'uuid': 'xyz'}, "uuid must be a UUID (32 hex characters, dashes allowed), got 'xyz'"),
    ({'report': []}, 'report must have at least one section'),
    ({'report': [{'header': ' ', 'body': 'b'}]}, 'report[0].header must not be empty or only white space'),
    ({'report': [{'header': 'h', 'body': 'b'}, {'header': 'h', 'body': None}]}, 'report[1].body must not be empty'),
    ({'backend_id': 'x' * 256}, 'backend_id must have at most 255 characters, got 256'),
    ({'backend_id': {'name': 'acct'}}, 'backend_id must be a string, got dict'),
    ({'backend_id': True}, 'backend_id must be a string, got bool'),
    ({'report': [{'header': 'h', 'body': 'x' * 65537}]}, 'report[0].body must have at most 65536 characters, got 65537'),
    ({'state': 'ok', 'error_message': 'boom'}, 'error_message and error_traceback go with state erred'),
    ({'error_traceback': 'boom'}, 'go with state erred'),
])
def test_declaration_problems_name_the_field(item, needle):
    full = dict(uuid=UUID, state=None, backend_id=None, report=None, error_message=None, error_traceback=None)
    full.update(item)
    problems = declaration_problems(full, 'allocations[2]')
    assert len(problems) == 1 and needle in problems[0] and problems[0].startswith('allocations[2].')


def test_a_numeric_backend_id_is_its_text():
    item = dict(uuid=UUID, state=None, backend_id=12345, report=None, error_message=None, error_traceback=None)
    assert declaration_problems(item) == []
    assert declared_values(item)['backend_id'] == '12345'


def test_domain_view_and_description_never_hold_report_bodies():
    now = current('Creating', SLURM, PENDING, backend_id='acct', report=[{'header': 'Access', 'body': 'S3CRET'}])
    view = domain_view(now)
    assert view == {'state': 'Creating', 'order_type': 'Create', 'order_state': 'pending-provider', 'backend_id': 'acct',
                    'report_headers': ['Access'], 'limits': {}, 'requested_limits': None, 'previous_limits': None}
    assert 'S3CRET' not in repr(view) and 'S3CRET' not in describe(now)
    assert describe(now) == 'Creating (its Create order is pending-provider)'
    assert describe(current('OK')) == 'OK (no open order)'
    assert domain_view(current('OK'))['report_headers'] is None


def test_situation_keeps_open_orders_and_failed_create_orders_only():
    resource = {'uuid': UUID, 'state': 'OK', 'offering_type': SLURM, 'backend_id': None, 'report': None}
    done = {'uuid': ORDER, 'type': 'Create', 'state': 'done'}
    assert situation(resource, done, done)['order'] is None
    assert situation(resource, done, done)['erred_order'] is None
    assert situation(resource, None, {'uuid': ORDER, 'type': 'Update', 'state': 'erred'})['erred_order'] is None
    assert situation(resource)['backend_id'] == ''
    dashed = {'uuid': '46efd621-a362-409a-aa94-397b09206fde', 'type': 'Create', 'state': 'pending-provider'}
    assert situation(resource, dashed)['order']['uuid'] == ORDER


# ---------------------------------------------------------------------------------------------- Update orders (limits)

def updating(order_state='pending-provider', requested=None, offering_type=SLURM, agent_state='OK', state='OK'):
    """An allocation with limits cpu 10 gpu 2 and an Update order asking for `requested` (cpu 20 by default)."""
    resource = {'uuid': UUID, 'state': state, 'offering_type': offering_type, 'backend_id': '', 'report': None,
                'limits': {'cpu_k_hours': 10, 'gpu_k_hours': 2}}
    order = {'uuid': ORDER, 'type': 'Update', 'state': order_state, 'limits': requested or {'cpu_k_hours': 20},
             'attributes': {'old_limits': {'cpu_k_hours': 10, 'gpu_k_hours': 2}}}
    return situation(resource, order, None, agent_state)


@pytest.mark.parametrize('now, target, limits, expected, end_limits', [
    # the requested limits, completed by the current ones, equal the declared ones: approved (and finished with ok)
    (updating(), 'ok', {'cpu_k_hours': 20}, ['approve_by_provider', 'set_state_done'], {'cpu_k_hours': 20, 'gpu_k_hours': 2}),
    (updating(), 'ok', {'cpu_k_hours': 20, 'gpu_k_hours': 2}, ['approve_by_provider', 'set_state_done'],
     {'cpu_k_hours': 20, 'gpu_k_hours': 2}),
    (updating(), None, {'cpu_k_hours': 20}, ['approve_by_provider'], {'cpu_k_hours': 10, 'gpu_k_hours': 2}),
    (updating(offering_type=BASIC), None, {'cpu_k_hours': 20}, ['approve_by_provider'], {'cpu_k_hours': 20, 'gpu_k_hours': 2}),
    # the schedule_updating trap: agent side not OK -> set it OK first; unknown (not read) -> nothing extra
    (updating(agent_state='Update Scheduled'), 'ok', {'cpu_k_hours': 20},
     ['set_slurm_state_ok', 'approve_by_provider', 'set_state_done'], {'cpu_k_hours': 20, 'gpu_k_hours': 2}),
    (updating(agent_state='Creation Scheduled'), 'erred', None, ['set_slurm_state_ok', 'approve_by_provider', 'set_state_erred'],
     {'cpu_k_hours': 10, 'gpu_k_hours': 2}),
    (updating(agent_state=None), 'ok', {'cpu_k_hours': 20}, ['approve_by_provider', 'set_state_done'],
     {'cpu_k_hours': 20, 'gpu_k_hours': 2}),
    # other limits: rejected
    (updating(requested={'cpu_k_hours': 500}), 'ok', {'cpu_k_hours': 10}, ['reject_by_provider'], {'cpu_k_hours': 10, 'gpu_k_hours': 2}),
    (updating(requested={'cpu_k_hours': 500}), None, {'cpu_k_hours': 10}, ['reject_by_provider'], {'cpu_k_hours': 10, 'gpu_k_hours': 2}),
    # undeclared limits leave a pending Update alone (the role's policy decides); executing and matching: finished
    (updating(), 'ok', None, [], {'cpu_k_hours': 10, 'gpu_k_hours': 2}),
    (updating('executing', state='Updating'), 'ok', {'cpu_k_hours': 20}, ['set_state_done'], {'cpu_k_hours': 20, 'gpu_k_hours': 2}),
    (updating('executing', state='Updating'), None, {'cpu_k_hours': 20}, [], {'cpu_k_hours': 10, 'gpu_k_hours': 2}),
    # limits do not matter for a termination
    (updating(), 'terminated', {'cpu_k_hours': 99}, ['reject_by_provider', 'terminate', 'approve_by_provider', 'set_state_done'],
     {'cpu_k_hours': 10, 'gpu_k_hours': 2}),
])
def test_update_orders(now, target, limits, expected, end_limits):
    result = plan(now, declared(target, limits=limits))
    assert result.problem is None
    assert actions(result) == expected
    assert result.predicted['limits'] == end_limits


def test_the_rejection_says_why_and_the_view_shows_both_limits():
    result = plan(updating(requested={'cpu_k_hours': 500}), declared(None, limits={'cpu_k_hours': 10}))
    assert result.steps[0].body == {'provider_rejection_comment': 'Requested limits {cpu_k_hours: 500} differ from the '
                                                                  'limits the provider grants: {cpu_k_hours: 10}'}
    view = domain_view(updating())
    assert (view['limits'], view['requested_limits'], view['previous_limits']) == (
        {'cpu_k_hours': 10, 'gpu_k_hours': 2}, {'cpu_k_hours': 20}, {'cpu_k_hours': 10, 'gpu_k_hours': 2})


def test_limits_with_no_order_or_a_running_order_for_others_have_no_path():
    resource = {'uuid': UUID, 'state': 'OK', 'offering_type': SLURM, 'limits': {'cpu_k_hours': 10}}
    result = plan(situation(resource), declared('ok', limits={'cpu_k_hours': 99}))
    assert result.steps == [] and 'no Update order asks for them' in result.problem and 'set_limits' in result.problem
    assert plan(situation(resource), declared('ok', limits={'cpu_k_hours': 10})).steps == []
    running = plan(updating('executing', state='Updating'), declared('ok', limits={'cpu_k_hours': 30}))
    assert running.steps == [] and 'asks for limits {cpu_k_hours: 20}, not the declared {cpu_k_hours: 30}' in running.problem


@pytest.mark.parametrize('limits, needle', [
    ({}, 'limits must be a non-empty dict'),
    ('cpu=1', 'limits must be a non-empty dict'),
    ({'cpu_k_hours': -1}, 'limits.cpu_k_hours must be a whole number of at least 0, got -1'),
    ({'cpu_k_hours': 2.5}, 'limits.cpu_k_hours must be a whole number'),
    ({'cpu_k_hours': True}, 'limits.cpu_k_hours must be a whole number'),
    ({'cpu_k_hours': 'lots'}, 'limits.cpu_k_hours must be a whole number'),
])
def test_bad_limits_are_refused(limits, needle):
    problems = declaration_problems({'uuid': UUID, 'limits': limits}, 'allocations[0]')
    assert any(('allocations[0].' + needle) in p for p in problems), problems


def test_limits_given_as_text_or_float_are_whole_numbers():
    assert declared(None, limits={'cpu_k_hours': '200', 'gpu_k_hours': 4.0})['limits'] == {'cpu_k_hours': 200, 'gpu_k_hours': 4}
