# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secrets never reach a log: every module and role at -vvvv with --diff, successes, failures and retries included.

The token (a recognisable 40-hex key) and the report bodies (recognisable strings) must appear nowhere in what
ansible-playbook prints (stdout and stderr), in any task's returned values (diff, msg, warnings, results), nor in
ansible-runner's artifacts (the job events and stdout it keeps on disk).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

import pytest

from emulator import Emulator
from helpers import api_get

pytestmark = pytest.mark.integration

ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'   # Slurm, OK
ALLOC_2 = 'd1ef749f4116433ba14ff9268c6382cf'   # Slurm, Creating, executing
ALLOC_4 = 'e5fff443d2ec45aa8e7cfed9cc653497'   # Slurm, Creating, pending-provider
VM_1 = '3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12'      # Basic, OK
VM_3 = '9c7a876e120b494b982bb53f15965f38'      # Basic, Creating, pending-provider
PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'
BODY = 'S3CRET-report-body-pw=Hunter2-7f3a'
BODY_2 = 'S3CRET-second-body-key=9c1d'
BODY_ROLE = 'S3CRET-role-body-otp=55aa'
BODIES = [BODY, BODY_2, BODY_ROLE]


def report(body):
    return [{'header': 'Access', 'body': body}, {'header': 'Password', 'body': body + '-pw'}]


@pytest.fixture
def emu():
    emulator = Emulator(extra_allocations=20)
    emulator.start()
    yield emulator
    emulator.stop()


def tasks_for(emu, token):
    control = emu.base_url + '/__emulator__/faults'
    state = 'puhuri.core.puhuri_resource_state'
    return [
        {'name': 'info', 'puhuri.core.puhuri_resource_info': {'provider_uuid': PROVIDER}},
        {'name': 'info with the token from the environment', 'puhuri.core.puhuri_resource_info': {
            'uuid': ALLOC_1, 'api_token': '{{ omit }}'}},
        # Retries and uncertain outcomes make messages of their own.
        {'name': 'faults on', 'ansible.builtin.uri': {'url': control, 'method': 'PUT', 'body_format': 'json',
                                                      'body': {'rates': {'drop_after': 0.3, 'error': 0.2}, 'seed': 5}}},
        {'name': 'approve with a report',
         state: {'uuid': ALLOC_4, 'state': 'ok', 'backend_id': 'acct-4', 'report': report(BODY)}},
        {'name': 'faults off', 'ansible.builtin.uri': {'url': control, 'method': 'DELETE'}},
        {'name': 'same again', state: {'uuid': ALLOC_4, 'state': 'ok', 'backend_id': 'acct-4', 'report': report(BODY)}},
        {'name': 'new report', state: {'uuid': ALLOC_4, 'report': report(BODY_2)}},
        # After a report was submitted: the info module returns the allocation with its report, bodies left out.
        {'name': 'info after the report', 'puhuri.core.puhuri_resource_info': {'uuid': ALLOC_4}},
        {'name': 'list after the report',
         'puhuri.core.puhuri_resource_info': {'provider_uuid': PROVIDER, 'fields': ['uuid', 'report']}},
        {'name': 'bulk with reports', state: {'allocations': [
            {'uuid': VM_3, 'state': 'ok', 'backend_id': 'vm-3', 'report': report(BODY)},
            {'uuid': 'b01c%028x' % 2, 'report': report(BODY_2)},
            {'uuid': 'b01c%028x' % 13, 'state': 'ok', 'report': report(BODY)},
            {'uuid': 'b01c%028x' % 18, 'state': 'ok', 'report': report(BODY)},  # Terminated: fails
        ]}, 'ignore_errors': True},
        {'name': 'refused report (service-provider manager may not approve)', state: {
            'uuid': 'b01c%028x' % 14, 'state': 'ok', 'report': report(BODY), 'api_token': emu.TOKENS['sp-manager']},
         'ignore_errors': True},
        {'name': 'report to a terminated allocation', state: {'uuid': 'b01c%028x' % 18, 'report': report(BODY_2)},
         'ignore_errors': True},
        {'name': 'faults on the report', 'ansible.builtin.uri': {
            'url': control, 'method': 'PUT', 'body_format': 'json',
            'body': {'rates': {'error': 1.0}, 'match': 'submit_report'}}},
        {'name': 'report through failing gateway', state: {'uuid': ALLOC_4, 'report': report(BODY)}, 'ignore_errors': True},
        {'name': 'faults off again', 'ansible.builtin.uri': {'url': control, 'method': 'DELETE'}},
        # A string where a list of dicts belongs stops ansible-core's no_log scan: the token and the bodies given
        # alongside must still not be echoed.
        {'name': 'malformed bulk', state: {'allocations': ['alloc-1', {'uuid': ALLOC_4, 'report': report(BODY)}]},
         'ignore_errors': True},
        {'name': 'malformed usage bulk', 'puhuri.core.puhuri_usage': {'allocations': 'alloc-1'}, 'ignore_errors': True},
        {'name': 'usage', 'puhuri.core.puhuri_usage': {'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 1}}},
        {'name': 'usage refused', 'puhuri.core.puhuri_usage': {
            'resource_uuid': VM_1, 'usages': {'cpu_k_hours': 2}, 'api_token': emu.TOKENS['sp-manager']}, 'ignore_errors': True},
        {'name': 'bad token', 'puhuri.core.puhuri_resource_info': {'api_token': token[::-1]}, 'ignore_errors': True},
        {'name': 'token with keyword', 'puhuri.core.puhuri_resource_info': {'api_token': 'Token ' + token},
         'ignore_errors': True},
        {'name': 'role provision', 'ansible.builtin.include_role': {'name': 'puhuri.core.provision'}, 'vars': {
            'puhuri_api_token': token, 'puhuri_provider_uuid': PROVIDER, 'puhuri_allocations': [
                {'uuid': ALLOC_2, 'state': 'ok', 'backend_id': 'acct-2', 'report': report(BODY_ROLE)}]}},
        {'name': 'role report_usage', 'ansible.builtin.include_role': {'name': 'puhuri.core.report_usage'}, 'vars': {
            'puhuri_api_token': token,
            'puhuri_usage_rows': [{'backend_id': 'acct-bulk-00003', 'component': 'cpu_k_hours', 'amount': 3}]}},
        {'name': 'role team', 'ansible.builtin.include_role': {'name': 'puhuri.core.team'}, 'vars': {
            'puhuri_api_token': token, 'puhuri_provider_uuid': PROVIDER}},
    ]


def test_no_token_and_no_report_body_anywhere_at_vvvv(emu, run_play, tmp_path):
    token = emu.TOKENS['sp-owner']
    play_extra = {'module_defaults': {'group/puhuri.core.puhuri': {
        'api_url': emu.url, 'api_token': token, 'retry_delay': 0.01}}}
    result = run_play(tasks_for(emu, token), diff=True, verbosity=4, play_extra=play_extra,
                      envvars={'PUHURI_API_TOKEN': token, 'PUHURI_API_URL': emu.url})
    assert result.rc == 0, result  # the failures above are expected and ignored; the play itself completes

    # The play did what it should, so the secrets were really sent (and could have leaked).
    assert result['approve with a report']['changed'] and result['new report']['changed']
    assert result['report through failing gateway']['failed']
    info_report = result['info after the report']['resources'][0]['report']
    assert [item['header'] for item in info_report] == ['Access', 'Password']
    assert set(item['body'] for item in info_report) == {'(hidden; set include_report_bodies to return it)'}
    listed = dict((r['uuid'], r) for r in result['list after the report']['resources'])
    assert listed[ALLOC_4]['report'][0]['header'] == 'Access'
    assert "option 'allocations'" in result['malformed bulk']['msg'], result['malformed bulk']
    assert "option 'allocations'" in result['malformed usage bulk']['msg'], result['malformed usage bulk']
    staff = emu.TOKENS['staff']
    assert api_get(emu, 'marketplace-provider-resources/%s/' % ALLOC_4, staff)['report'][0]['body'] == BODY_2
    assert api_get(emu, 'marketplace-provider-resources/%s/' % ALLOC_2, staff)['report'][0]['body'] == BODY_ROLE
    assert result.stdout.count('VALUE_SPECIFIED_IN_NO_LOG_PARAMETER') > 5
    assert [w for res in result.results.values() for w in res.get('warnings', []) if w.startswith('retry ')]
    secrets = [token, token[::-1]] + BODIES

    def leaks(text):
        return [s for s in secrets if s in text]

    assert not leaks(result.stdout), [line for line in result.stdout.splitlines() if leaks(line)][:5]
    for task, res in result.results.items():
        assert not leaks(json.dumps(res)), (task, leaks(json.dumps(res)))
        assert not leaks(json.dumps(res.get('diff'))), task
        assert not leaks(str(res.get('msg'))), task
    assert not leaks(json.dumps(result.events))
    # What ansible-runner keeps of the run: job events, stdout, stderr. (Its `command` file and env/ hold the
    # environment and variables it was given, inputs rather than logs, so the token passed in is there by design.)
    artifacts = [os.path.join(root, name) for root, _dirs, names in os.walk(str(tmp_path)) for name in names
                 if '%sartifacts%s' % (os.sep, os.sep) in os.path.join(root, name) and name != 'command']
    assert len(artifacts) > 20
    for path in artifacts:
        with open(path, errors='replace') as handle:
            assert not leaks(handle.read()), path
