# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""puhuri_resource_info include: [team]: the teams of allocations and the per-user view, against the emulator."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from helpers import api_get, writes

pytestmark = pytest.mark.integration

PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'


def info_task(emulator, name='list', **options):
    options.update(api_url=emulator.url, api_token=emulator.TOKENS['sp-owner'])
    return {'name': name, 'puhuri.core.puhuri_resource_info': options}


def staff_team(emulator, uuid):
    return api_get(emulator, 'marketplace-provider-resources/%s/team/' % uuid, emulator.TOKENS['staff'])


def expected_members(emulator, resources):
    """The per-user view, computed independently from the staff's reads."""
    members = {}
    for resource in resources:
        for user in staff_team(emulator, resource['uuid']):
            member = members.setdefault(user['username'], {
                'username': user['username'], 'uuid': user['uuid'], 'full_name': user['full_name'], 'email': user['email'],
                'allocations': []})
            member['allocations'].append({'uuid': resource['uuid'], 'name': resource['name'], 'backend_id': resource['backend_id'],
                                          'role': user['role'], 'offering_user_username': user['offering_user_username']})
    return [members[name] for name in sorted(members)]


def test_team_of_active_allocations_only_one_read_each_and_the_members_view(emulator, run_play):
    result = run_play([info_task(emulator, provider_uuid=PROVIDER, state=['OK', 'Creating'], include=['team'],
                                 fields=['uuid', 'offering_name'])], check=True)
    assert result.rc == 0, result
    res = result['list']
    resources = res['resources']
    active = [r for r in resources if r['state'] == 'OK']
    assert active and len(active) < len(resources)
    # The fields a team read needs are added to the selection.
    assert all(set(r) - {'team'} == {'uuid', 'offering_name', 'name', 'state', 'backend_id'} for r in resources)
    for resource in resources:
        if resource['state'] == 'OK':
            assert resource['team'] == staff_team(emulator, resource['uuid'])
        else:
            assert 'team' not in resource
    assert res['members'] == expected_members(emulator, active)
    assert [m['username'] for m in res['members']] == ['consumer-owner', 'project-member']

    # The listing, then one team read per active allocation; the team reads overlap (parallel), in any order.
    mine = [r for r in emulator.requests if r['user'] == 'sp-owner']
    assert mine[0]['path'] == '/api/marketplace-provider-resources/'
    assert sorted(r['path'] for r in mine[1:]) == sorted(
        '/api/marketplace-provider-resources/%s/team/' % r['uuid'] for r in active)
    assert not writes(emulator.requests)


def test_team_states_and_no_team_without_include(emulator, run_play):
    result = run_play([
        info_task(emulator, name='waiting', state=['creating'], include=['team'], team_states=['creating']),
        info_task(emulator, name='plain', state=['ok']),
    ])
    assert result.rc == 0, result
    waiting = result['waiting']['resources']
    assert waiting and all(r['team'] == staff_team(emulator, r['uuid']) for r in waiting)
    assert 'members' not in result['plain'] and all('team' not in r for r in result['plain']['resources'])


def test_one_allocation_with_its_team_on_8x_where_the_team_is_paginated(emulator_8x, run_play):
    alloc_1 = api_get(emulator_8x, 'marketplace-provider-resources/', emulator_8x.TOKENS['staff'], params={'name': 'alloc-1'})[0]
    result = run_play([info_task(emulator_8x, uuid=alloc_1['uuid'], include=['team'])])
    assert result.rc == 0, result
    [resource] = result['list']['resources']
    assert resource['team'] == staff_team(emulator_8x, alloc_1['uuid'])
    assert [m['allocations'][0]['name'] for m in result['list']['members']] == ['alloc-1', 'alloc-1']


@pytest.mark.parametrize('options,needle', [
    ({'include': ['team'], 'team_states': ['active']}, "team_states has unknown value(s) 'active'; allowed: Creating, OK"),
    ({'include': ['teams']}, 'value of include must be one or more of: team'),
])
def test_bad_team_options_fail_before_any_request(emulator, run_play, options, needle):
    result = run_play([dict(info_task(emulator, **options), ignore_errors=True)])
    assert result['list']['failed'] and needle in result['list']['msg'], result['list']['msg']
    assert emulator.requests == []
