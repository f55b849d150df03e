# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""puhuri.core.puhuri_offering_user run by ansible-playbook against the emulator over HTTP.

Each path three ways: check mode (zero writes), apply (checked by an independent read with the staff token),
re-run (zero writes).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest
import requests

from helpers import api_get, writes

pytestmark = pytest.mark.integration

SLURM_OFFERING = '589178d685345873968f291a0fe38482'   # gate on
BASIC_OFFERING = 'dddc08b4d5d05f45977168ee373b71ca'   # gate off
ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'          # Slurm, OK
PROJECT_MEMBER = 'e9e57f50524058bfbe4b48b4544699d1'
CONSUMER_OWNER = 'db40a63c046153f29e9ac9fd3315f792'
OFFERING_USERS = '/api/marketplace-offering-users/'


def task(emulator, name, user='sp-owner', ignore_errors=False, **options):
    options.update(api_url=emulator.url, api_token=emulator.TOKENS[user])
    result = {'name': name, 'puhuri.core.puhuri_offering_user': options}
    if ignore_errors:
        result['ignore_errors'] = True
    return result


def usernames(emulator, offering):
    """{user uuid: username} of the offering's offering users, read independently."""
    rows = api_get(emulator, 'marketplace-offering-users/', emulator.TOKENS['staff'], params={'offering_uuid': offering})
    return dict((row['user_uuid'], row['username']) for row in rows)


def join_project(emulator, username):
    """A new user joins alloc-1's project (consumer side): Waldur creates their offering user with username ""."""
    created = requests.post(emulator.base_url + '/__emulator__/users', json={
        'username': username, 'full_name': username.title(), 'email': '%s@example.com' % username, 'password': 'x'},
        timeout=10)
    assert created.status_code == 201, created.text
    project = api_get(emulator, 'marketplace-provider-resources/%s/' % ALLOC_1, emulator.TOKENS['staff'])['project_uuid']
    added = requests.post(emulator.url + 'projects/%s/add_user/' % project, json={
        'user': created.json()['uuid'], 'role': 'PROJECT.MEMBER'},
        headers={'Authorization': 'Token ' + emulator.TOKENS['consumer-owner']}, timeout=10)
    assert added.status_code == 201, added.text
    return created.json()['uuid']


def offering_user_writes(emulator):
    return [(c['method'], c['path'].startswith(OFFERING_USERS)) for c in writes(emulator.requests)]


def test_creates_when_none_exists_check_apply_re_run(emulator, run_play):
    declare = task(emulator, 'declare', offering_uuid=SLURM_OFFERING, user_uuid=PROJECT_MEMBER, username='pmember')
    assert PROJECT_MEMBER not in usernames(emulator, SLURM_OFFERING)
    check = run_play([declare], check=True, diff=True)
    assert check.rc == 0 and check['declare']['changed'], check
    assert check['declare']['before'] is None and check['declare']['after'] == 'pmember'
    assert check['declare']['diff'] == [{'before_header': PROJECT_MEMBER, 'after_header': PROJECT_MEMBER,
                                         'before': {'username': None}, 'after': {'username': 'pmember'}}]
    assert writes(emulator.requests) == []

    applied = run_play([declare])
    assert applied.rc == 0 and applied['declare']['changed'], applied
    assert offering_user_writes(emulator) == [('POST', True)]
    assert usernames(emulator, SLURM_OFFERING)[PROJECT_MEMBER] == 'pmember'

    emulator.clear_requests()
    again = run_play([declare])
    assert again.rc == 0 and not again['declare']['changed'] and again['declare']['results'][0]['msg'] == 'unchanged'
    assert writes(emulator.requests) == []


def test_patches_the_offering_user_waldur_created_with_an_empty_username(emulator, run_play):
    newcomer = join_project(emulator, 'newcomer')
    assert usernames(emulator, SLURM_OFFERING)[newcomer] == ''
    emulator.clear_requests()
    declare = task(emulator, 'declare', offering_uuid=SLURM_OFFERING, offering_users=[
        {'user_uuid': newcomer, 'username': 'newbie'}, {'user_uuid': PROJECT_MEMBER, 'username': 'pmember'}])
    check = run_play([declare], check=True)
    assert check.rc == 0 and [r['msg'] for r in check['declare']['results']] == [
        'would be set (check mode)', 'would be created (check mode)']
    assert writes(emulator.requests) == []

    applied = run_play([declare])
    assert applied.rc == 0, applied
    assert [c['method'] for c in writes(emulator.requests)] == ['PATCH', 'POST']
    held = usernames(emulator, SLURM_OFFERING)
    assert held[newcomer] == 'newbie' and held[PROJECT_MEMBER] == 'pmember'
    assert len([u for u in held if u == newcomer]) == 1

    emulator.clear_requests()
    again = run_play([declare])
    assert again.rc == 0 and not again['declare']['changed'] and writes(emulator.requests) == []


def test_duplicates_are_refused_before_sending_unless_allowed(emulator, run_play):
    run_play([task(emulator, 'first', offering_uuid=SLURM_OFFERING, user_uuid=PROJECT_MEMBER, username='shared')])
    emulator.clear_requests()
    result = run_play([
        task(emulator, 'taken', ignore_errors=True, offering_uuid=SLURM_OFFERING, user_uuid=CONSUMER_OWNER, username='shared'),
        task(emulator, 'twice in the input', ignore_errors=True, offering_uuid=SLURM_OFFERING, offering_users=[
            {'user_uuid': CONSUMER_OWNER, 'username': 'x'}, {'user_uuid': PROJECT_MEMBER, 'username': 'x'}]),
    ])
    assert result['taken']['failed'] and 'already the username of user(s) %s' % PROJECT_MEMBER in result['taken']['msg']
    assert result['twice in the input']['failed'] and 'allow_duplicates' in result['twice in the input']['msg']
    assert writes(emulator.requests) == []

    allowed = run_play([task(emulator, 'allowed', offering_uuid=SLURM_OFFERING, user_uuid=CONSUMER_OWNER,
                             username='shared', allow_duplicates=True)])
    assert allowed.rc == 0 and allowed['allowed']['changed']
    assert usernames(emulator, SLURM_OFFERING)[CONSUMER_OWNER] == 'shared'


def test_the_gate_off_is_a_clear_error_and_nothing_is_sent(emulator, run_play):
    result = run_play([task(emulator, 'gated', ignore_errors=True, offering_uuid=BASIC_OFFERING,
                            user_uuid=PROJECT_MEMBER, username='pmember')])
    res = result['gated']
    assert res['failed'] and not res['changed']
    assert 'service_provider_can_create_offering_user is off' in res['msg'] and 'nothing was sent' in res['msg']
    assert writes(emulator.requests) == []
    offering = api_get(emulator, 'marketplace-provider-offerings/%s/' % BASIC_OFFERING, emulator.TOKENS['sp-owner'])
    assert not (offering.get('secret_options') or {}).get('service_provider_can_create_offering_user')


def test_bad_input_fails_before_any_request(emulator, run_play):
    result = run_play([
        task(emulator, 'no offering', ignore_errors=True, user_uuid=PROJECT_MEMBER, username='x'),
        task(emulator, 'bad uuid', ignore_errors=True, offering_uuid='nope', user_uuid=PROJECT_MEMBER, username='x'),
        task(emulator, 'empty username', ignore_errors=True, offering_uuid=SLURM_OFFERING, user_uuid=PROJECT_MEMBER,
             username='  '),
    ])
    assert 'offering_uuid is required' in result['no offering']['msg']
    assert "offering_uuid must be a UUID" in result['bad uuid']['msg']
    assert 'username must be a non-empty string' in result['empty username']['msg']
    assert emulator.requests == []


def test_8x_returns_the_offering_user_state(emulator_8x, run_play):
    newcomer = join_project(emulator_8x, 'newcomer')
    before = api_get(emulator_8x, 'marketplace-offering-users/', emulator_8x.TOKENS['staff'],
                     params={'user_uuid': newcomer})
    assert [row['state'] for row in before] == ['Requested']
    result = run_play([task(emulator_8x, 'declare', offering_uuid=SLURM_OFFERING, user_uuid=newcomer, username='newbie')])
    assert result.rc == 0 and result['declare']['state'] == 'OK', result
    again = run_play([task(emulator_8x, 'declare', offering_uuid=SLURM_OFFERING, user_uuid=newcomer, username='newbie')])
    assert not again['declare']['changed'] and again['declare']['state'] == 'OK'
