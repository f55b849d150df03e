# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""puhuri.core.puhuri_resource_info run by ansible-playbook against the emulator over HTTP."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math

import pytest

from helpers import api_count, api_get, writes

pytestmark = pytest.mark.integration

PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'
SLURM_OFFERING = '589178d685345873968f291a0fe38482'


def connection(emulator, user='sp-owner'):
    return {'api_url': emulator.url, 'api_token': emulator.TOKENS[user]}


def info_task(emulator, name='list', user='sp-owner', **options):
    options.update(connection(emulator, user))
    return {'name': name, 'puhuri.core.puhuri_resource_info': options}


def test_lists_creating_allocations_like_an_independent_read(emulator, run_play):
    result = run_play([info_task(emulator, provider_uuid=PROVIDER, state=['creating'])], check=True)
    assert result.rc == 0, result
    res = result['list']
    expected = api_get(emulator, 'marketplace-provider-resources/', emulator.TOKENS['staff'],
                       params={'provider_uuid': PROVIDER, 'state': 'Creating', 'page_size': 200})
    assert res['changed'] is False
    assert res['count'] == len(expected) == 4
    assert [r['uuid'] for r in res['resources']] == [r['uuid'] for r in expected]
    assert {r['state'] for r in res['resources']} == {'Creating'}
    assert not writes(emulator.requests)


def test_filters_and_fields_are_sent_as_the_server_expects(emulator, run_play):
    result = run_play([info_task(emulator, offering_uuid=SLURM_OFFERING, state=['OK', 'Creating'],
                                 fields=['uuid', 'name', 'state'])])
    assert result.rc == 0, result
    resources = result['list']['resources']
    assert resources and all(set(r) == {'uuid', 'name', 'state'} for r in resources)
    assert {r['state'] for r in resources} <= {'OK', 'Creating'}
    [call] = emulator.requests
    assert call['method'] == 'GET' and call['path'] == '/api/marketplace-provider-resources/'
    assert call['query']['state'] == ['OK', 'Creating'] and call['query']['page_size'] == ['200']
    assert call['query']['field'] == ['uuid', 'name', 'state']


def test_one_allocation_by_uuid_and_a_clear_failure_for_an_unknown_one(emulator, run_play):
    tasks = [
        info_task(emulator, name='one', uuid='d1ef749f-4116-433b-a14f-f9268c6382cf'),
        dict(info_task(emulator, name='unknown', uuid='00000000000000000000000000000000'), ignore_errors=True),
    ]
    result = run_play(tasks)
    assert result['one']['resources'][0]['name'] == 'alloc-2'
    assert result['one']['count'] == 1
    unknown = result['unknown']
    assert unknown['failed'] and 'allocation 00000000000000000000000000000000 was not found' in unknown['msg']


def test_a_consumer_token_sees_nothing_on_the_provider_endpoint(emulator, run_play):
    result = run_play([info_task(emulator, user='consumer-owner', provider_uuid=PROVIDER)])
    assert result['list']['count'] == 0


@pytest.mark.parametrize('options,needle', [
    ({'state': ['creating', 'bogus']}, "state has unknown value(s) 'bogus'; allowed: Creating, OK, Erred"),
    ({'provider_uuid': 'not-a-uuid'}, 'provider_uuid must be a UUID'),
    ({'uuid': 'xyz'}, 'uuid must be a UUID'),
    ({'offering_uuid': '589178d685345873968f291a0fe3848'}, 'offering_uuid must be a UUID'),
])
def test_bad_filter_values_fail_before_any_request(emulator, run_play, options, needle):
    result = run_play([dict(info_task(emulator, **options), ignore_errors=True)])
    assert result['list']['failed'] and needle in result['list']['msg']
    assert emulator.requests == []


def test_connection_from_environment_and_a_bad_token_gives_the_servers_401(emulator, run_play):
    env = {'PUHURI_API_URL': emulator.url.rstrip('/'), 'PUHURI_API_TOKEN': '0' * 40}
    result = run_play([{'name': 'list', 'puhuri.core.puhuri_resource_info': {}, 'ignore_errors': True}],
                      envvars=env)
    msg = result['list']['msg']
    assert msg == 'GET /api/marketplace-provider-resources/ failed (HTTP 401): Invalid token.'
    assert '0' * 40 not in result.stdout


def test_waldur_environment_names_work_too_and_module_defaults_group(emulator, run_play):
    env = {'WALDUR_API_URL': emulator.url, 'WALDUR_API_TOKEN': emulator.TOKENS['sp-owner']}
    play_extra = {'module_defaults': {'group/puhuri.core.puhuri': {'provider_uuid': PROVIDER}}}
    result = run_play([{'name': 'list', 'puhuri.core.puhuri_resource_info': {'state': ['OK']}}],
                      envvars=env, play_extra=play_extra)
    assert result.rc == 0, result
    assert result['list']['count'] == 3
    assert emulator.requests[0]['query']['provider_uuid'] == [PROVIDER]


def test_missing_connection_settings_name_the_option(emulator, run_play):
    result = run_play([{'name': 'list', 'puhuri.core.puhuri_resource_info': {'api_url': 'puhuri.example.org/api'},
                        'ignore_errors': True}])
    msg = result['list']['msg']
    assert 'api_url must be an http:// or https:// URL' in msg and 'api_token is required' in msg


def test_listing_1000_allocations_costs_exactly_ceil_n_over_page_size_requests(run_play):
    from emulator import Emulator
    emu = Emulator(extra_allocations=1000)
    emu.start()
    try:
        total = api_count(emu, 'marketplace-provider-resources/', emu.TOKENS['staff'], params={'provider_uuid': PROVIDER})
        assert total >= 1000
        emu.clear_requests()
        result = run_play([info_task(emu, provider_uuid=PROVIDER, fields=['uuid', 'state'])])
        assert result.rc == 0, result
        assert result['list']['count'] == total
        assert len({r['uuid'] for r in result['list']['resources']}) == total
        assert len(emu.requests) == math.ceil(total / 200.0)
        assert all(r['method'] == 'GET' for r in emu.requests)
    finally:
        emu.stop()


def test_report_bodies_are_left_out_unless_asked_for(emulator, run_play):
    alloc_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'
    submitted = [{'header': 'Access', 'body': 'ssh alloc1@login'}]
    result = run_play([
        {'name': 'report', 'puhuri.core.puhuri_resource_state': dict(connection(emulator), uuid=alloc_1, report=submitted)},
        info_task(emulator, 'default', uuid=alloc_1),
        info_task(emulator, 'with bodies', uuid=alloc_1, include_report_bodies=True),
    ])
    assert result.rc == 0, result
    assert result['report']['changed']
    assert result['default']['resources'][0]['report'] == [
        {'header': 'Access', 'body': '(hidden; set include_report_bodies to return it)'}]
    assert result['with bodies']['resources'][0]['report'] == submitted
