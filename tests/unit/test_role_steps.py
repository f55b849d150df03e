# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters behind the roles' steps: connection options, checks and summaries."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.puhuri.core.plugins.filter.connection_options import connection_options
from ansible_collections.puhuri.core.plugins.filter.provision_plan import provision_plan
from ansible_collections.puhuri.core.plugins.filter.provision_problems import FilterModule as ProvisionProblems
from ansible_collections.puhuri.core.plugins.filter.provision_summary import provision_summary
from ansible_collections.puhuri.core.plugins.filter.usage_problems import usage_problems
from ansible_collections.puhuri.core.plugins.filter.usage_summary import usage_summary

pytestmark = pytest.mark.unit

A = 'a' * 32
provision_problems = ProvisionProblems().filters()['provision_problems']


def test_connection_options_keep_only_what_is_set():
    assert connection_options('https://x/api/', 'tok', None, '', None, 0, None, 0.5) == {
        'api_url': 'https://x/api/', 'api_token': 'tok', 'retries': 0, 'retry_delay': 0.5}
    assert connection_options('', '', False) == {'validate_certs': False}


def test_provision_problems_name_fields_and_never_a_report_body():
    declared = [dict(uuid=A, state='ok', report=[dict(header='h', body='  ')], error_message='x'),
                dict(uuid=A, report=[dict(header='h', body='the secret')], backend_id='b' * 300)]
    problems = provision_problems(declared, 'leave')
    assert 'puhuri_allocations[0].report[0].body must not be empty or only white space' in problems
    assert 'puhuri_allocations[1].backend_id must have at most 255 characters, got 300' in problems
    assert not any('the secret' in problem for problem in problems)
    assert provision_problems([dict(uuid=A)], 'maybe') == ["puhuri_undeclared_policy must be one of leave, approve, reject, got 'maybe'"]
    assert provision_problems('text') == ['puhuri_allocations must be a list of dicts, got str']
    assert provision_problems([dict(uuid=A), dict(uuid=A.upper())]) == ['puhuri_allocations declares %s more than once' % A]
    assert provision_problems([dict(uuid=A, state='OK')]) == []


def test_provision_summary_counts_names_and_undeclared():
    listed = [dict(uuid=A, name='a', state='Creating'), dict(uuid='b' * 32, name='b', state='Creating')]
    plan = provision_plan([dict(uuid=A, state='ok')], listed)
    result = {'results': [dict(name='a', changed=True, actions=['approve_by_provider', 'set_state_done'])]}
    assert provision_summary(result, plan, 'leave', True) == [
        '1 allocation(s) would change', 'a: approve_by_provider, set_state_done',
        '1 Creating allocation(s) not declared (policy leave): b']
    assert provision_summary({'skipped': True}, dict(undeclared=[]))[0] == '0 allocation(s) changed'


def test_usage_problems_and_summary():
    assert usage_problems([dict(backend_id='x', component='c', amount=1)]) == []
    assert usage_problems([dict(component='c', amount=-1, source='f line 2')]) == [
        'f line 2: needs exactly one of backend_id and uuid; amount must be a number of at least 0, got -1']
    grouped = dict(sources=[['f line 2'], ['f line 3', 'f line 4']], skipped=[])
    result = {'results': [dict(name='a', changed=True, skipped=False, after={'c': '1.00'}),
                          dict(name=None, changed=False, skipped=True)]}
    assert usage_summary(result, grouped) == [
        '1 allocation(s) reported, 0 unchanged, 2 row(s) skipped (unknown allocation): f line 3, f line 4',
        'a: {"c": "1.00"}']
    # The rows form of puhuri_usage: the result alone counts the unchanged allocations and names the skipped rows.
    rows_result = {'results': [dict(name='a', changed=True, skipped=False, after={'c': '1.00'}),
                               dict(backend_id='x', changed=False, skipped=True)],
                   'unchanged': 998, 'skipped_rows': ['f line 3', 'f line 4']}
    assert usage_summary(rows_result, check_mode=True) == [
        '1 allocation(s) would be reported, 998 unchanged, 2 row(s) skipped (unknown allocation): f line 3, f line 4',
        'a: {"c": "1.00"}']
    assert usage_summary({'results': [], 'unchanged': 0, 'skipped_rows': []}) == [
        '0 allocation(s) reported, 0 unchanged, 0 row(s) skipped (unknown allocation)']


# --- declarations_file: the declarations of a file, as puhuri_resource_state's src reads them -----------------------

def test_declarations_file_reads_json_yaml_and_the_role_vars_shape():
    from ansible_collections.puhuri.core.plugins.filter.declarations_file import declarations_file
    listed = [{'uuid': A, 'state': 'ok'}]
    assert declarations_file('[{"uuid": "%s", "state": "ok"}]' % A) == listed
    assert declarations_file('- uuid: %s\n  state: ok\n' % A) == listed
    assert declarations_file('puhuri_allocations:\n  - uuid: %s\n    state: ok\n' % A) == listed
    assert declarations_file('') == [] and declarations_file('# nothing declared yet\n') == []


def test_declarations_file_names_every_problem_by_item_and_never_a_body():
    from ansible.errors import AnsibleFilterError
    from ansible_collections.puhuri.core.plugins.filter.declarations_file import declarations_file
    text = '- uuid: nope\n- uuid: %s\n  state: approved\n  report: [{header: Login, body: secret-body}]\n- 7\n' % A
    problems = declarations_file(text, 'decl.yml', problems=True)
    assert [p.split(':', 1)[0] for p in problems] == ['decl.yml item 1', 'decl.yml item 2', 'decl.yml item 3']
    assert "decl.yml item 2: state must be one of ok, erred, terminated, got 'approved'" in problems
    assert not any('secret-body' in p for p in problems)
    with pytest.raises(AnsibleFilterError) as raised:
        declarations_file(text, 'decl.yml')
    assert str(raised.value).count('decl.yml item') == 3


@pytest.mark.parametrize('text,needle', [
    ('{"allocations": []}', 'must hold a list of declarations'),
    ('puhuri_allocations: []\nother: 1\n', 'must hold a list of declarations'),
    ('[{"uuid": ', 'is neither JSON nor YAML'),
    ('"just text"', 'got str'),
])
def test_declarations_file_refuses_other_shapes(text, needle):
    from ansible_collections.puhuri.core.plugins.filter.declarations_file import declarations_file
    problems = declarations_file(text, 'decl.yml', problems=True)
    assert len(problems) == 1 and problems[0].startswith('decl.yml ') and needle in problems[0], problems
