# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input, and bad answers from the server: every case fails with a clear error naming the field (or, for a bad
answer, the call), without a traceback, and the emulator's request log shows that no write was sent.

The cases of one module or role run as the tasks of one play (ignore_errors, or block/rescue for roles), which keeps
this file fast; each case is still its own test. Bad server answers are switched on just before their task through
the emulator's control endpoint (/__emulator__/faults) and off right after it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from emulator import Emulator
from helpers import PlayRunner, writes

pytestmark = pytest.mark.integration

ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'   # Slurm, OK
ALLOC_4 = 'e5fff443d2ec45aa8e7cfed9cc653497'   # Slurm, Creating, pending-provider
VM_1 = '3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12'      # Basic, OK
PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'
NO_ENV = {'PUHURI_API_URL': '', 'WALDUR_API_URL': '', 'PUHURI_API_TOKEN': '', 'WALDUR_API_TOKEN': ''}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Bad answers of the server, as fault plans for the control endpoint (see tests/emulator/faults.py).
HTML_200 = {'rates': {'html': 1.0}}
NOT_JSON_200 = {'rates': {'not_json': 1.0}}
EMPTY_200 = {'rates': {'empty': 1.0}}
GATEWAY_HTML = {'rates': {'error': 1.0}}


def case(target, case_id, args, names, server=None, connection=True):
    """One bad-input case: `names` must all appear in the error; `server` is a fault plan for the task's run."""
    return pytest.param(target, case_id, args, names, server, connection, id='%s-%s' % (target, case_id))


CASES = [
    # ------------------------------------------------------------------ connection options (any module)
    case('puhuri_resource_info', 'missing-api-url', {'api_token': 'TOKEN'}, ['api_url', 'PUHURI_API_URL'], connection=False),
    case('puhuri_resource_info', 'api-url-without-scheme', {'api_url': 'puhuri.example.org/api/', 'api_token': 'TOKEN'},
         ['api_url', 'https://'], connection=False),
    case('puhuri_resource_info', 'api-url-other-scheme', {'api_url': 'ftp://puhuri.example.org/api/', 'api_token': 'TOKEN'},
         ['api_url'], connection=False),
    case('puhuri_resource_info', 'missing-token', {'api_url': 'URL'}, ['api_token', 'PUHURI_API_TOKEN'], connection=False),
    case('puhuri_resource_info', 'token-with-keyword', {'api_url': 'URL', 'api_token': 'Token TOKEN'}, ['api_token'],
         connection=False),
    case('puhuri_resource_info', 'timeout-zero', {'timeout': 0}, ['timeout']),
    case('puhuri_resource_info', 'retries-negative', {'retries': -1}, ['retries']),
    case('puhuri_resource_info', 'retries-wrong-type', {'retries': 'many'}, ['retries']),
    case('puhuri_resource_info', 'parallel-zero', {'parallel': 0, 'include': ['team']}, ['parallel', '1', '32']),
    case('puhuri_resource_state', 'parallel-too-many', {'allocations': [{'uuid': ALLOC_4, 'state': 'ok'}], 'parallel': 33},
         ['parallel', '32']),
    case('puhuri_usage', 'parallel-negative', {'allocations': [{'resource_uuid': ALLOC_1, 'usages': {'cpu_k_hours': 1}}],
                                               'parallel': -1}, ['parallel', '1']),
    case('puhuri_resource_info', 'retry-budget-nan', {'retry_budget': 'nan'}, ['retry_budget']),
    case('puhuri_resource_info', 'retry-delay-negative', {'retry_delay': -0.5}, ['retry_delay']),
    case('puhuri_resource_info', 'validate-certs-wrong-type', {'validate_certs': 'maybe'}, ['validate_certs']),
    # ------------------------------------------------------------------ puhuri_resource_info
    case('puhuri_resource_info', 'uuid-malformed', {'uuid': 'not-a-uuid'}, ['uuid', 'not-a-uuid']),
    case('puhuri_resource_info', 'provider-uuid-short', {'provider_uuid': PROVIDER[:-1]}, ['provider_uuid']),
    case('puhuri_resource_info', 'offering-uuid-wrong-type', {'offering_uuid': ['a', 'b']}, ['offering_uuid']),
    case('puhuri_resource_info', 'state-unknown', {'state': ['Running']}, ['state', 'Running', 'Creating']),
    case('puhuri_resource_info', 'fields-wrong-type', {'fields': {'uuid': True}}, ['fields']),
    case('puhuri_resource_info', 'server-html-page', {'state': ['OK']},
         ['GET /api/marketplace-provider-resources/', 'HTML page'], server=HTML_200),
    case('puhuri_resource_info', 'server-non-json-200', {'state': ['OK']},
         ['GET /api/marketplace-provider-resources/', 'expected a JSON body'], server=NOT_JSON_200),
    case('puhuri_resource_info', 'server-empty-list-body', {'state': ['OK']},
         ['GET /api/marketplace-provider-resources/', 'expected a JSON list'], server=EMPTY_200),
    case('puhuri_resource_info', 'server-gateway-error-page', {'uuid': ALLOC_1, 'retries': 0},
         ['GET /api/marketplace-provider-resources/%s/' % ALLOC_1, 'HTML page: 50'], server=GATEWAY_HTML),
    # ------------------------------------------------------------------ puhuri_usage
    case('puhuri_usage', 'resource-uuid-malformed', {'resource_uuid': 'alloc-1', 'usages': {'cpu_k_hours': 1}},
         ['resource_uuid', 'alloc-1']),
    case('puhuri_usage', 'unknown-component', {'resource_uuid': VM_1, 'usages': {'ram_gb': 1}}, ['ram_gb']),
    case('puhuri_usage', 'amount-negative', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': -1}}, ['cpu_k_hours', '-1']),
    case('puhuri_usage', 'amount-nan', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 'NaN'}}, ['cpu_k_hours', 'NaN']),
    case('puhuri_usage', 'amount-infinite', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 'inf'}}, ['cpu_k_hours']),
    case('puhuri_usage', 'amount-huge', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1e30}}, ['cpu_k_hours']),
    case('puhuri_usage', 'amount-three-decimals', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': '1.234'}},
         ['cpu_k_hours', '1.234']),
    case('puhuri_usage', 'amount-not-a-number', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 'twelve'}},
         ['cpu_k_hours', 'twelve']),
    case('puhuri_usage', 'amount-boolean', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': True}}, ['cpu_k_hours']),
    case('puhuri_usage', 'usages-wrong-type', {'resource_uuid': VM_1, 'usages': 'cpu_k_hours=1'}, ['usages']),
    case('puhuri_usage', 'usages-empty', {'resource_uuid': VM_1, 'usages': {}}, ['usages']),
    case('puhuri_usage', 'usage-item-without-type', {'resource_uuid': VM_1, 'usages': [{'amount': 1}]}, ['type']),
    case('puhuri_usage', 'period-future', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}, 'period': '2999-01'},
         ['period', '2999-01', 'future']),
    case('puhuri_usage', 'period-month-13', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}, 'period': '2026-13'},
         ['period', 'YYYY-MM']),
    case('puhuri_usage', 'period-wrong-format', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}, 'period': '11/2026'},
         ['period', 'YYYY-MM']),
    case('puhuri_usage', 'single-and-bulk', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1},
                                             'allocations': [{'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}}]},
         ['resource_uuid', 'allocations']),
    case('puhuri_usage', 'bulk-item-without-uuid', {'allocations': [{'usages': {'cpu_k_hours': 1}}]}, ['resource_uuid']),
    case('puhuri_usage', 'bulk-item-malformed-uuid', {'allocations': [{'resource_uuid': 'xyz', 'usages': {'cpu_k_hours': 1}}]},
         ['resource_uuid', 'xyz']),
    case('puhuri_usage', 'bulk-empty', {'allocations': []}, ['allocations']),
    case('puhuri_usage', 'bulk-wrong-type', {'allocations': 'alloc-1'}, ['allocations']),
    case('puhuri_usage', 'bulk-item-not-a-dict', {'allocations': [VM_1, {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}}]},
         ['allocations']),
    case('puhuri_usage', 'bulk-duplicate', {'allocations': [{'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}},
                                                            {'resource_uuid': VM_1, 'usages': {'gb_k_hours': 1}}]},
         ['allocations', VM_1]),
    case('puhuri_usage', 'allow-decrease-wrong-type', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1},
                                                       'allow_decrease': 'perhaps'}, ['allow_decrease']),
    case('puhuri_usage', 'server-offering-html-page', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}},
         ['marketplace-provider-offerings', 'JSON'], server=dict(HTML_200, match='offerings')),
    case('puhuri_usage', 'server-usage-list-empty-body', {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}},
         ['marketplace-component-usages', 'expected a JSON list'], server=dict(EMPTY_200, match='component-usages')),
    case('puhuri_usage', 'server-listing-non-json', {'allocations': [{'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}}]},
         ['GET /api/marketplace-provider-resources/', 'expected a JSON body'], server=NOT_JSON_200),
    # ------------------------------------------------------------------ puhuri_resource_state
    case('puhuri_resource_state', 'uuid-malformed', {'uuid': 'alloc-4', 'state': 'ok'}, ['uuid', 'alloc-4']),
    case('puhuri_resource_state', 'uuid-wrong-type', {'uuid': ['a'], 'state': 'ok'}, ['uuid']),
    case('puhuri_resource_state', 'state-unknown', {'uuid': ALLOC_4, 'state': 'approved'}, ['state', 'approved', 'ok']),
    case('puhuri_resource_state', 'report-empty', {'uuid': ALLOC_1, 'report': []}, ['report']),
    case('puhuri_resource_state', 'report-section-without-body', {'uuid': ALLOC_1, 'report': [{'header': 'Access'}]},
         ['body']),
    case('puhuri_resource_state', 'report-section-blank-header', {'uuid': ALLOC_1, 'report': [{'header': ' ', 'body': 'x'}]},
         ['report[0].header']),
    case('puhuri_resource_state', 'report-section-huge', {'uuid': ALLOC_1, 'report': [{'header': 'Access',
                                                                                       'body': 'x' * 300000}]},
         ['report[0].body']),
    case('puhuri_resource_state', 'report-wrong-type', {'uuid': ALLOC_1, 'report': 'ssh login'}, ['report']),
    case('puhuri_resource_state', 'backend-id-too-long', {'uuid': ALLOC_1, 'backend_id': 'a' * 256}, ['backend_id', '255']),
    case('puhuri_resource_state', 'backend-id-wrong-type', {'uuid': ALLOC_1, 'backend_id': {'name': 'acct'}}, ['backend_id']),
    case('puhuri_resource_state', 'error-message-without-erred', {'uuid': ALLOC_4, 'state': 'ok', 'error_message': 'x'},
         ['error_message', 'erred']),
    case('puhuri_resource_state', 'single-and-bulk', {'uuid': ALLOC_1, 'allocations': [{'uuid': ALLOC_4, 'state': 'ok'}]},
         ['uuid', 'allocations']),
    case('puhuri_resource_state', 'bulk-empty', {'allocations': []}, ['allocations']),
    case('puhuri_resource_state', 'bulk-wrong-type', {'allocations': 'alloc-1'}, ['allocations']),
    case('puhuri_resource_state', 'bulk-item-without-uuid', {'allocations': [{'state': 'ok'}]}, ['uuid']),
    case('puhuri_resource_state', 'bulk-item-malformed-uuid', {'allocations': [{'uuid': '12345', 'state': 'ok'}]},
         ['allocations[0].uuid', '12345']),
    case('puhuri_resource_state', 'bulk-item-unknown-state', {'allocations': [{'uuid': ALLOC_4, 'state': 'done'}]},
         ['state', 'done']),
    case('puhuri_resource_state', 'bulk-duplicate',
         {'allocations': [{'uuid': ALLOC_4, 'state': 'ok'}, {'uuid': ALLOC_4, 'backend_id': 'x'}]}, ['allocations', ALLOC_4]),
    case('puhuri_resource_state', 'bulk-provider-uuid-malformed', {'allocations': [{'uuid': ALLOC_4, 'state': 'ok'}],
                                                                   'provider_uuid': 'provider-org'}, ['provider_uuid']),
    case('puhuri_resource_state', 'server-detail-non-json', {'uuid': ALLOC_4, 'state': 'ok'},
         ['GET /api/marketplace-provider-resources/%s/' % ALLOC_4, 'expected a JSON body'], server=NOT_JSON_200),
    case('puhuri_resource_state', 'server-orders-empty-body', {'allocations': [{'uuid': ALLOC_4, 'state': 'ok'}]},
         ['GET /api/marketplace-orders/', 'expected a JSON list'], server=dict(EMPTY_200, match='marketplace-orders')),
    case('puhuri_resource_state', 'server-html-page', {'allocations': [{'uuid': ALLOC_4, 'state': 'ok'}]},
         ['GET /api/marketplace-provider-resources/', 'HTML page'], server=HTML_200),
    # ------------------------------------------------------------------ roles (their argument specs and filters)
    case('provision', 'allocations-wrong-type', {'puhuri_allocations': 'alloc-4'}, ['puhuri_allocations']),
    case('provision', 'state-unknown', {'puhuri_allocations': [{'uuid': ALLOC_4, 'state': 'approve'}]}, ['state', 'approve']),
    case('provision', 'uuid-malformed', {'puhuri_allocations': [{'uuid': 'alloc-4', 'state': 'ok'}]}, ['uuid', 'alloc-4']),
    case('provision', 'unknown-key', {'puhuri_allocations': [{'uuid': ALLOC_4, 'state': 'ok', 'backendid': 'x'}]},
         ['backendid']),
    case('provision', 'policy-unknown', {'puhuri_undeclared_policy': 'delete'}, ['puhuri_undeclared_policy', 'delete']),
    case('report_usage', 'rows-wrong-type', {'puhuri_usage_rows': 'acct-1 cpu 5'}, ['puhuri_usage_rows']),
    case('report_usage', 'row-negative-amount', {'puhuri_usage_rows': [{'backend_id': 'acct-bulk-00001',
                                                                        'component': 'cpu_k_hours', 'amount': -5}]},
         ['amount', '-5']),
    case('report_usage', 'row-without-component', {'puhuri_usage_rows': [{'backend_id': 'acct-bulk-00001', 'amount': 5}]},
         ['component']),
    case('report_usage', 'format-unknown', {'puhuri_usage_rows': [{'uuid': VM_1, 'component': 'cpu_k_hours', 'amount': 1}],
                                            'puhuri_usage_format': 'xml'}, ['puhuri_usage_format', 'xml']),
    case('report_usage', 'period-future', {'puhuri_usage_rows': [{'uuid': VM_1, 'component': 'cpu_k_hours', 'amount': 1}],
                                           'puhuri_usage_period': '2999-12'}, ['period', '2999-12']),
    case('team', 'provider-uuid-malformed', {'puhuri_provider_uuid': 'provider-org'}, ['provider_uuid', 'provider-org']),
]
ROLES = ('provision', 'report_usage', 'team')


def task_for(emu, target, case_id, args, server, connection):
    options = dict(args)
    if connection:
        options.setdefault('api_url', emu.url)
        options.setdefault('api_token', emu.TOKENS['sp-owner'])
    for key, value in list(options.items()):
        options[key] = {'URL': emu.url, 'TOKEN': emu.TOKENS['sp-owner'], 'Token TOKEN': 'Token ' + emu.TOKENS['sp-owner']}.get(
            value, value) if isinstance(value, str) else value
    # A marker call before each case splits the request log by case (configuration/ is public and only reads; a
    # lookup runs on the controller without a module, so it is cheap).
    tasks = [{'name': 'marker %s' % case_id, 'ansible.builtin.set_fact': {
        'marker': "{{ lookup('ansible.builtin.url', '%sconfiguration/?case=%s') }}" % (emu.url, case_id)}}]
    control = emu.base_url + '/__emulator__/faults'
    if server:
        tasks.append({'name': 'faults on for %s' % case_id, 'ansible.builtin.uri': {
            'url': control, 'method': 'PUT', 'body_format': 'json', 'body': dict(server, match=server.get('match', ''))}})
    if target in ROLES:
        # A role stops at its first failing task; the rescue keeps that task's result under the case's name.
        options = dict((key, value) for key, value in options.items() if key not in ('api_url', 'api_token'))
        options.update(puhuri_api_url=emu.url, puhuri_api_token=emu.TOKENS['sp-owner'])
        tasks.append({'name': 'role %s' % case_id, 'block': [
            {'name': 'include %s' % case_id, 'ansible.builtin.include_role': {'name': 'puhuri.core.%s' % target},
             'vars': options}],
            'rescue': [{'name': case_id, 'ansible.builtin.set_fact': {'caught': '{{ ansible_failed_result }}'}}]})
    else:
        tasks.append({'name': case_id, 'puhuri.core.%s' % target: options, 'ignore_errors': True})
    if server:
        tasks.append({'name': 'faults off after %s' % case_id, 'ansible.builtin.uri': {'url': control, 'method': 'DELETE'}})
    return tasks


@pytest.fixture(scope='module')
def bad_input(tmp_path_factory, collections_path):
    """run(target) -> (PlayResult, request log) of the play holding all of target's cases; run once per target."""
    emu = Emulator(waldur_version='7.0.7')
    emu.start()
    runner = PlayRunner(tmp_path_factory.mktemp('bad-input'), collections_path)
    plays = {}

    def run(target):
        if target not in plays:
            emu.clear_requests()
            tasks = []
            for param in CASES:
                case_target, case_id, args, dummy, server, connection = param.values
                if case_target == target:
                    tasks.extend(task_for(emu, target, case_id, args, server, connection))
            result = runner(tasks, envvars=NO_ENV)
            calls_by_case, case_id = {}, None
            for call in emu.requests:
                if call['path'] == '/api/configuration/' and 'case' in call['query']:
                    case_id = call['query']['case'][0]
                calls_by_case.setdefault(case_id, []).append(call)
            plays[target] = (result, calls_by_case)
        return plays[target]
    yield emu, run
    emu.stop()


@pytest.mark.parametrize('target,case_id,args,names,server,connection', CASES)
def test_bad_input_fails_naming_the_field_before_any_write(bad_input, target, case_id, args, names, server, connection):
    emu, run = bad_input
    result, calls_by_case = run(target)
    log = calls_by_case.get(case_id)
    assert log, 'the case did not run: %r' % result
    res = result[case_id]
    if target in ROLES:
        res = res['ansible_facts']['caught']
    assert res['failed'], res
    message = res['msg']
    for name in names:
        assert name in message, 'the error does not name %r: %s' % (name, message)
    assert 'Traceback (most recent call last)' not in str(res), res  # ansible-core 2.19 adds exception: (traceback unavailable)
    assert emu.TOKENS['sp-owner'] not in str(res)
    assert not writes(log), 'writes were sent: %s' % [(c['method'], c['path']) for c in writes(log)]
