# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the usage logic without HTTP: amounts as decimals, periods, planning one set_usage call."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
from decimal import Decimal

import pytest

from ansible_collections.puhuri.core.plugins.module_utils._usage import (
    allowed_types, format_amount, parse_amount, parse_period, parse_usages, period_date, plan_usage, recorded_usages,
    server_time,
)

pytestmark = pytest.mark.unit

ACCEPTED = ['cpu_k_hours', 'gb_k_hours', 'gpu_k_hours']


def rec(**values):
    """Recorded usages {type: {amount, description}} from type=amount or type=(amount, description)."""
    result = {}
    for ctype, value in values.items():
        amount, description = value if isinstance(value, tuple) else (value, '')
        result[ctype] = {'amount': Decimal(amount), 'description': description}
    return result


def declared(value, description=None):
    usages, problems = parse_usages(value, description)
    assert problems == []
    return usages


@pytest.mark.parametrize('value,expected', [
    (12, '12.00'), (0, '0.00'), (12.5, '12.50'), (0.1, '0.10'), ('13', '13.00'), (' 13.0 ', '13.00'),
    ('1e3', '1000.00'), ('0.25', '0.25'), ('1.500', '1.50'), ('999999999999999999.99', '999999999999999999.99'),
])
def test_valid_amounts_become_decimals_with_two_places(value, expected):
    amount, problem = parse_amount(value)
    assert problem is None
    assert format_amount(amount) == expected


@pytest.mark.parametrize('value,needle', [
    (-1, 'must not be negative'), ('-0.5', 'must not be negative'), (12.345, 'at most 2 decimals'),
    (0.1 + 0.2, 'at most 2 decimals'), ('lots', 'must be a number'), ('NaN', 'must be a number'),
    (float('inf'), 'must be a number'), ('1_000', 'must be a number'), (True, 'must be a number, got bool'),
    (None, 'must be a number, got NoneType'), ([1], 'must be a number, got list'),
    ('1000000000000000000', 'below 10^18'), (1e20, 'below 10^18'),
])
def test_invalid_amounts_say_what_is_wrong(value, needle):
    amount, problem = parse_amount(value)
    assert amount is None and needle in problem


def test_usages_as_dict_or_list_and_description_precedence():
    assert declared({'cpu_k_hours': 1, 'gb_k_hours': '2.5'}, 'Nov') == {
        'cpu_k_hours': {'amount': Decimal('1.00'), 'description': 'Nov'},
        'gb_k_hours': {'amount': Decimal('2.50'), 'description': 'Nov'}}
    usages = declared([{'type': 'cpu_k_hours', 'amount': 1, 'description': 'own'}, {'type': 'gb_k_hours', 'amount': 2}])
    assert usages['cpu_k_hours']['description'] == 'own' and usages['gb_k_hours']['description'] is None


@pytest.mark.parametrize('value,needle', [
    ('cpu=1', 'usages must be a dict (component type: amount) or a list'),
    ([], 'usages is empty'),
    ({}, 'usages is empty'),
    ([{'type': 'cpu_k_hours', 'amount': 1}, {'type': 'cpu_k_hours', 'amount': 2}], 'component cpu_k_hours is given twice'),
    ([{'type': 'cpu_k_hours', 'amount': 1, 'unit': 'h'}], 'usages[0] has unknown key(s) unit; allowed: type, amount, description'),
    ([{'amount': 1}], 'usages[0] needs a component type'),
    ([{'type': 'cpu_k_hours'}], 'component cpu_k_hours has no amount'),
    (['cpu_k_hours'], 'usages[0] must be a dict'),
    ({'cpu_k_hours': 'x', 'gb_k_hours': -2}, 'amount of cpu_k_hours must be a number'),
])
def test_bad_usages_are_named(value, needle):
    usages, problems = parse_usages(value)
    assert any(needle in p for p in problems), problems


def test_every_bad_amount_is_reported_at_once():
    usages, problems = parse_usages({'cpu_k_hours': 'x', 'gb_k_hours': -2, 'gpu_k_hours': 1})
    assert len(problems) == 2 and 'gpu_k_hours' in usages


@pytest.mark.parametrize('text,expected', [('2026-11', (2026, 11)), ('2026-01', (2026, 1)), ('2026-13', None),
                                           ('2026-00', None), ('2026-1', None), ('11/2026', None), ('2026-11-01', None)])
def test_periods(text, expected):
    assert parse_period(text) == expected


def test_past_month_date_is_inside_the_month_in_any_time_zone():
    assert period_date((2026, 10)) == '2026-10-15T12:00:00Z'


def test_server_time_from_the_date_header():
    moment = server_time({'Date': 'Mon, 30 Nov 2026 23:59:59 GMT'})
    assert moment == datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=datetime.timezone.utc)
    assert server_time({}) is None and server_time({'Date': 'yesterday'}) is None


def test_only_usage_and_limit_components_are_accepted():
    components = [{'type': 'cpu_k_hours', 'billing_type': 'limit'}, {'type': 'gb_k_hours', 'billing_type': 'usage'},
                  {'type': 'node', 'billing_type': 'fixed'}, {'type': 'setup', 'billing_type': 'one'}]
    assert allowed_types(components) == ['cpu_k_hours', 'gb_k_hours']


def test_recorded_rows_latest_report_wins_and_uuids_are_normalised():
    rows = [
        {'resource_uuid': 'AA-BB', 'type': 'cpu_k_hours', 'usage': '3.00', 'date': '2026-11-02T00:00:00Z', 'description': 'old plan'},
        {'resource_uuid': 'aabb', 'type': 'cpu_k_hours', 'usage': '13.00', 'date': '2026-11-20T00:00:00Z', 'description': ''},
        {'resource_uuid': 'aabb', 'type': 'gb_k_hours', 'usage': 5, 'date': '2026-11-03T00:00:00Z', 'description': None},
    ]
    assert recorded_usages(rows) == {'aabb': {'cpu_k_hours': {'amount': Decimal('13.00'), 'description': ''},
                                              'gb_k_hours': {'amount': Decimal('5'), 'description': ''}}}


def test_first_report_sends_everything_declared():
    plan = plan_usage(declared({'cpu_k_hours': 12.5, 'gb_k_hours': 3}, 'Nov'), {}, ACCEPTED)
    assert plan.changed and plan.problems == []
    assert plan.before == {} and plan.after == {'cpu_k_hours': '12.50', 'gb_k_hours': '3.00'}
    assert plan.diff == {'cpu_k_hours': {'before': None, 'after': '12.50'}, 'gb_k_hours': {'before': None, 'after': '3.00'}}
    assert plan.body_usages == [{'type': 'cpu_k_hours', 'amount': '12.50', 'description': 'Nov'},
                                {'type': 'gb_k_hours', 'amount': '3.00', 'description': 'Nov'}]


def test_same_values_compared_as_decimals_send_nothing():
    plan = plan_usage(declared({'cpu_k_hours': '13', 'gb_k_hours': 3.0}), rec(cpu_k_hours='13.00', gb_k_hours='3.00'), ACCEPTED)
    assert not plan.changed and plan.body_usages is None and plan.diff == {}
    assert plan.before == plan.after == {'cpu_k_hours': '13.00', 'gb_k_hours': '3.00'}


def test_a_partial_report_carries_the_other_recorded_components_and_their_descriptions():
    recorded = rec(cpu_k_hours=('4.00', 'from slurm'), gb_k_hours=('0.25', 'quota'))
    plan = plan_usage(declared({'cpu_k_hours': 6.5}), recorded, ACCEPTED)
    assert plan.diff == {'cpu_k_hours': {'before': '4.00', 'after': '6.50'}}
    assert plan.body_usages == [{'type': 'cpu_k_hours', 'amount': '6.50', 'description': 'from slurm'},
                                {'type': 'gb_k_hours', 'amount': '0.25', 'description': 'quota'}]
    assert plan.after == {'cpu_k_hours': '6.50', 'gb_k_hours': '0.25'}


def test_a_recorded_component_the_offering_no_longer_accepts_is_not_sent():
    plan = plan_usage(declared({'cpu_k_hours': 5}), rec(cpu_k_hours='4', ram_gb='1'), ACCEPTED)
    assert [u['type'] for u in plan.body_usages] == ['cpu_k_hours']
    assert plan.after == {'cpu_k_hours': '5.00', 'ram_gb': '1.00'}


def test_lowering_is_refused_unless_allowed():
    recorded = rec(cpu_k_hours='13.00', gb_k_hours='3.00')
    refused = plan_usage(declared({'cpu_k_hours': 12, 'gb_k_hours': 4}), recorded, ACCEPTED)
    assert refused.body_usages is None and not refused.changed
    assert refused.problems == ['would lower the recorded month-to-date total of cpu_k_hours 13.00 -> 12.00; '
                                'set allow_decrease: true to lower it']
    assert refused.after == refused.before
    allowed = plan_usage(declared({'cpu_k_hours': 12}), recorded, ACCEPTED, allow_decrease=True)
    assert allowed.diff == {'cpu_k_hours': {'before': '13.00', 'after': '12.00'}}
    assert allowed.body_usages == [{'type': 'cpu_k_hours', 'amount': '12.00', 'description': ''},
                                   {'type': 'gb_k_hours', 'amount': '3.00', 'description': ''}]


def test_unknown_components_name_the_allowed_ones():
    plan = plan_usage(declared({'ram_gb': 1, 'cpu_k_hours': 1}), {}, ACCEPTED)
    assert plan.problems == ['unknown component type(s) ram_gb; the offering accepts: cpu_k_hours, gb_k_hours, gpu_k_hours']
    assert plan.body_usages is None


def test_a_new_description_alone_is_a_change_and_no_description_keeps_the_recorded_one():
    recorded = rec(cpu_k_hours=('13.00', 'Nov'))
    assert not plan_usage(declared({'cpu_k_hours': 13}), recorded, ACCEPTED).changed
    plan = plan_usage(declared({'cpu_k_hours': 13}, 'Nov, corrected'), recorded, ACCEPTED)
    assert plan.diff == {'cpu_k_hours': {'description': {'before': 'Nov', 'after': 'Nov, corrected'}}}
    assert plan.body_usages == [{'type': 'cpu_k_hours', 'amount': '13.00', 'description': 'Nov, corrected'}]


def test_a_recorded_negative_value_can_be_raised_and_is_carried_as_it_is():
    plan = plan_usage(declared({'cpu_k_hours': 0}), rec(cpu_k_hours='-1.00', gb_k_hours='-2.00'), ACCEPTED)
    assert plan.diff == {'cpu_k_hours': {'before': '-1.00', 'after': '0.00'}}
    assert {'type': 'gb_k_hours', 'amount': '-2.00', 'description': ''} in plan.body_usages


def test_per_user_usages_are_checked_against_the_declared_totals():
    from ansible_collections.puhuri.core.plugins.module_utils._usage import parse_user_usages, plan_user_usages
    totals = declared({'cpu_k_hours': 10, 'gb_k_hours': 1})
    users, problems = parse_user_usages({'alice': {'cpu_k_hours': 2.5}, ' bob ': {'cpu_k_hours': '7.5', 'gb_k_hours': 1}}, totals)
    assert problems == [] and users == {'alice': {'cpu_k_hours': Decimal('2.50')},
                                        'bob': {'cpu_k_hours': Decimal('7.50'), 'gb_k_hours': Decimal('1.00')}}
    assert plan_user_usages(users, {('cpu_k_hours', 'alice'): Decimal('2.5'), ('cpu_k_hours', 'bob'): Decimal('7')}) == [
        ('cpu_k_hours', 'bob', Decimal('7.50')), ('gb_k_hours', 'bob', Decimal('1.00'))]
    _users, problems = parse_user_usages({'alice': {'cpu_k_hours': 6}, 'bob': {'cpu_k_hours': 4.01, 'gpu_k_hours': 1}}, totals)
    assert problems == ["users.bob.gpu_k_hours: the allocation has no declared total of gpu_k_hours in usages (give it "
                        "there; the users' usage is part of it)",
                        "the users' usage of cpu_k_hours adds up to 10.01, more than the allocation's total 10.00"]
    assert parse_user_usages({}, totals)[1] and parse_user_usages({'': {'cpu_k_hours': 1}}, totals)[1]
    assert parse_user_usages({'alice': {'cpu_k_hours': 1.234}}, totals)[1] == [
        'users.alice.cpu_k_hours must have at most 2 decimals, got 1.234']
