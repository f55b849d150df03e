# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The planning filters of the roles: provision_plan, usage_rows, usage_allocations."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.puhuri.core.plugins.filter.provision_plan import provision_plan
from ansible_collections.puhuri.core.plugins.filter.usage_allocations import usage_allocations
from ansible_collections.puhuri.core.plugins.filter.usage_problems import usage_problems
from ansible_collections.puhuri.core.plugins.filter.usage_rows import usage_rows
from ansible_collections.puhuri.core.plugins.module_utils._usage_rows import UsageRowsError, group_rows, parse_rows

pytestmark = pytest.mark.unit

A, B, C = 'a' * 32, 'b' * 32, 'c' * 32
LISTED = [dict(uuid=A, name='alloc-a', state='Creating'), dict(uuid=B, name='alloc-b', state='Creating'),
          dict(uuid=C, name='alloc-c', state='OK')]


@pytest.mark.parametrize('policy,approved,extra', [
    ('leave', ['alloc-a'], []),
    ('approve', ['alloc-a', 'alloc-b'], [dict(uuid=B, state='ok')]),
    ('reject', ['alloc-a'], [dict(uuid=B, state='terminated')]),
])
def test_plan_approves_declared_ok_and_applies_the_policy_only_to_undeclared_creating(policy, approved, extra):
    declared = [dict(uuid=A.upper(), state='ok'), dict(uuid=C, state='terminated')]
    plan = provision_plan(declared, LISTED, policy)
    assert [a['name'] for a in plan['approve']] == approved
    assert plan['approve'][0]['declared'] == dict(uuid=A, state='ok')
    assert plan['undeclared'] == [dict(uuid=B, name='alloc-b')]
    assert plan['allocations'] == [dict(uuid=A, state='ok'), dict(uuid=C, state='terminated')] + extra


def test_hook_results_fill_in_and_declared_values_win():
    declared = [dict(uuid=A, state='ok', report=[dict(header='h', body='declared')])]
    hook = {A: dict(backend_id='acct_a', report=[dict(header='h', body='hook')]), B: dict(backend_id=None, report=None)}
    plan = provision_plan(declared, LISTED, 'approve', hook)
    assert plan['allocations'] == [dict(uuid=A, state='ok', report=[dict(header='h', body='declared')], backend_id='acct_a'),
                                   dict(uuid=B, state='ok')]


def test_every_declaration_problem_at_once():
    declared = [dict(uuid='x', state='approved', backendid='y'), 'text', dict(uuid=A, report=[dict(header='h')])]
    with pytest.raises(AnsibleFilterError) as error:
        provision_plan(declared, [], 'leave')
    message = str(error.value)
    for needle in ["puhuri_allocations[0] has unknown key(s) backendid", "puhuri_allocations[0].uuid must be a UUID",
                   "puhuri_allocations[0].state must be one of ok, erred, terminated, got 'approved'",
                   'puhuri_allocations[1] must be a dict',
                   'puhuri_allocations[2].report must be a non-empty list of dicts with exactly the keys header and body']:
        assert needle in message


def test_usage_rows_csv_and_json_with_sources():
    rows = usage_rows('# c\n\nUUID | Component|amount|extra\n%s|cpu_k_hours| 1.5 |x\n' % A, 'csv', '|', 'f.csv')
    assert rows == [dict(uuid=A, component='cpu_k_hours', amount='1.5', source='f.csv line 4')]
    assert usage_rows('[{"backend_id": "x", "component": "c", "amount": 1}]', source='cmd') == [
        dict(backend_id='x', component='c', amount=1, source='cmd item 1')]
    with pytest.raises(AnsibleFilterError, match=r"f.csv: the CSV header \(line 1\) must name the columns"):
        usage_rows('account,cpu\nx,1\n', source='f.csv')
    with pytest.raises(AnsibleFilterError, match='cmd is not valid JSON'):
        usage_rows('[{', 'json', source='cmd')


def test_the_row_code_of_module_utils_raises_its_own_error_which_the_filter_translates():
    # module_utils cannot import ansible.errors: puhuri_usage turns UsageRowsError into fail_json, the filter into
    # AnsibleFilterError.
    assert not issubclass(UsageRowsError, AnsibleFilterError)
    with pytest.raises(UsageRowsError, match=r"f.csv: the CSV delimiter must be one character, got ';;'"):
        parse_rows('backend_id;;component;;amount\n', 'csv', ';;', 'f.csv')
    with pytest.raises(AnsibleFilterError, match='format must be one of auto, csv, json'):
        usage_rows('', 'xml')
    assert group_rows([dict(component='c', amount=1)], name='rows') == (None, ['rows[0]: needs exactly one of backend_id and uuid'])


def test_usage_allocations_sums_rounds_and_maps_backend_ids():
    resources = [dict(uuid=A, backend_id='acct_a'), dict(uuid=B, backend_id='')]
    rows = [dict(backend_id='acct_a', component='cpu_k_hours', amount='1.004'),
            dict(backend_id='acct_a', component='cpu_k_hours', amount=2.001, description='sacct'),
            dict(uuid=B.upper(), component='gb_k_hours', amount=0),
            dict(backend_id='local', component='cpu_k_hours', amount=1, source='f line 9')]
    result = usage_allocations(rows, resources, 'skip')
    assert result['allocations'] == [
        dict(resource_uuid=A, usages=[dict(type='cpu_k_hours', amount='3.01', description='sacct')],
             row_sums={'cpu_k_hours': '3.005'}),
        dict(resource_uuid=B, usages=[dict(type='gb_k_hours', amount='0.00')])]
    assert result['skipped'] == [rows[3]]


def test_usage_allocations_reports_every_bad_row():
    resources = [dict(uuid=A, backend_id='dup'), dict(uuid=B, backend_id='dup')]
    rows = [dict(backend_id='dup', component='c', amount=1), dict(component='c', amount=-1, source='s'),
            dict(backend_id='x', uuid=A, component='', amount=True), dict(backend_id='nope', component='c', amount='1')]
    with pytest.raises(AnsibleFilterError) as error:
        usage_allocations(rows, resources)
    message = str(error.value)
    for needle in ["puhuri_usage_rows[0]: backend_id 'dup' belongs to several allocations",
                   's: needs exactly one of backend_id and uuid; amount must be a number of at least 0, got -1',
                   'puhuri_usage_rows[2]: needs exactly one of backend_id and uuid; needs a component',
                   "puhuri_usage_rows[3]: backend_id 'nope' is not one of the allocations usage can be reported for"]:
        assert needle in message


def test_usage_allocations_per_user_rows_give_the_users_and_their_sum_as_the_total():
    rows = [dict(backend_id='acct_a', user='alice', component='cpu_k_hours', amount='1.005'),
            dict(backend_id='acct_a', user='bob', component='cpu_k_hours', amount='2'),
            dict(backend_id='acct_a', user='alice', component='cpu_k_hours', amount='0.5'),
            dict(backend_id='acct_a', component='gb_k_hours', amount='3')]
    result = usage_allocations(rows)
    assert result['allocations'] == [dict(
        backend_id='acct_a', usages=[dict(type='cpu_k_hours', amount='3.51'), dict(type='gb_k_hours', amount='3.00')],
        row_sums={'cpu_k_hours': '3.505'}, users={'alice': {'cpu_k_hours': '1.51'}, 'bob': {'cpu_k_hours': '2.00'}})]


def test_usage_allocations_refuses_a_total_row_and_per_user_rows_of_one_account_and_component():
    rows = [dict(backend_id='acct_a', component='cpu_k_hours', amount='3', source='u.csv line 2'),
            dict(backend_id='acct_a', user='alice', component='cpu_k_hours', amount='1', source='u.csv line 3'),
            dict(backend_id='acct_a', user='alice', component='gb_k_hours', amount='1', source='u.csv line 4')]
    problems = usage_problems(rows)
    assert len(problems) == 1 and 'cpu_k_hours' in problems[0], problems
    assert 'u.csv line 2' in problems[0] and 'u.csv line 3' in problems[0] and 'u.csv line 4' not in problems[0]
    with pytest.raises(AnsibleFilterError):
        usage_allocations(rows)


def test_usage_rows_reads_the_user_column():
    text = 'backend_id,user,component,amount\nacct_a,alice,cpu_k_hours,1.5\n'
    assert usage_rows(text, 'csv', ',', 'u.csv') == [
        dict(backend_id='acct_a', user='alice', component='cpu_k_hours', amount='1.5', source='u.csv line 2')]


def test_team_usernames_mapping_wins_over_the_pattern_and_bad_patterns_name_the_fields():
    from ansible_collections.puhuri.core.plugins.filter.team_usernames import team_usernames
    team = [dict(uuid='u1', username='pm', email='p.m@example.com'), dict(uuid='u2', username='x y', email='')]
    allocations = [dict(offering_uuid='O1', team=team), dict(offering_uuid='o1', team=team), dict(offering_uuid='o2', team=team)]
    assert team_usernames(allocations, {'pm': 'pmember'}, 'hpc_{username}', ['o1']) == [
        dict(offering_uuid='o1', user_uuid='u1', username='pmember'),
        dict(offering_uuid='o1', user_uuid='u2', username='hpc_x_y')]
    assert team_usernames(allocations, {}, '{email_local}', ['o2'])[0]['username'] == 'p.m'
    assert team_usernames(allocations, {'pm': 'pmember'}) == [
        dict(offering_uuid='o1', user_uuid='u1', username='pmember'), dict(offering_uuid='o2', user_uuid='u1', username='pmember')]
    with pytest.raises(AnsibleFilterError, match=r'unknown: login'):
        team_usernames(allocations, {}, 'hpc_{login}')
    with pytest.raises(AnsibleFilterError, match=r'at least one'):
        team_usernames(allocations, {}, 'fixed')
