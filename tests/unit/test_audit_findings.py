# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""_audit.findings on plain data: what Terminated allocations count for, and the display sections."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.puhuri.core.plugins.module_utils._audit import SECTIONS, findings, sections

pytestmark = pytest.mark.unit


def resource(uuid, state, backend_id='', offering='off-1'):
    return {'uuid': uuid, 'name': 'res-' + uuid, 'state': state, 'backend_id': backend_id, 'offering_uuid': offering,
            'offering_name': 'Offering ' + offering, 'project_name': 'P', 'error_message': ''}


def site(resources, usages=(), teams=None):
    offerings = []
    for r in resources:
        if r['offering_uuid'] not in [o['uuid'] for o in offerings]:
            offerings.append({'uuid': r['offering_uuid'], 'name': r['offering_name']})
    return {'resources': resources, 'orders': [], 'usages': list(usages), 'offerings': offerings, 'teams': teams,
            'now': '2026-11-30T00:00:00Z', 'now_source': 'server', 'period': '2026-11'}


def test_terminated_allocations_neither_duplicate_nor_own_an_account():
    report = findings(site([resource('a', 'OK', 'acct'), resource('b', 'Terminated', 'acct'), resource('c', 'Terminated', 'old')],
                           usages=[{'resource_uuid': 'a', 'type': 'cpu', 'usage': '1.00'}]),
                      local_accounts=['acct', 'old', ' ', 'new'])
    assert report['findings']['duplicate_backend_ids'] == []
    assert report['findings']['accounts_without_allocation'] == [{'account': 'new'}, {'account': 'old'}]
    assert report['findings']['ok_without_usage'] == []
    assert report['usage_by_offering'] == [{'offering_uuid': 'off-1', 'offering_name': 'Offering off-1',
                                            'components': [{'type': 'cpu', 'total': '1'}], 'ok_allocations': 1,
                                            'ok_allocations_reporting': 1}]


def test_new_allocations_are_not_team_changes_and_sections_follow_the_findings():
    teams = {'a': [{'username': 'u1', 'role': 'admin'}], 'b': [{'username': 'u2', 'role': 'member'}]}
    report = findings(site([resource('a', 'OK', 'x'), resource('b', 'OK', 'y')], teams=teams),
                      previous={'teams': {'a': [{'username': 'u1', 'role': 'admin'}]}})
    assert report['findings']['team_changes'] == []
    assert report['checks']['team_changes'].startswith('compared')
    shown = sections(report)
    assert [s['key'] for s in shown] == [key for key, _t, _d, _c in SECTIONS]
    [rows] = [s['rows'] for s in shown if s['key'] == 'ok_without_usage']
    assert rows == [['res-a', 'a', 'x', 'Offering off-1'], ['res-b', 'b', 'y', 'Offering off-1']]
