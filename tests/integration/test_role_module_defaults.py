# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles take their connection from the play's module_defaults (group/puhuri.core.puhuri), from their puhuri_*
variables (which win), and pass every connection option (retries, timeout, ...) to their modules."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from helpers import api_get, writes

pytestmark = pytest.mark.integration

# Nothing answers here: a request sent to it fails the play.
NOWHERE = 'http://127.0.0.1:9/api/'
BAD_TOKEN = 'f' * 40
TASK = 'Bring the allocations to their declared state'


def named(emulator, name):
    listing = api_get(emulator, 'marketplace-provider-resources/', emulator.TOKENS['staff'], params={'name': name})
    return [r for r in listing if r['name'] == name][0]


def provision_play(run_play, emulator, defaults, role_vars):
    declared = [{'uuid': named(emulator, 'alloc-1')['uuid'], 'backend_id': 'from_module_defaults'}]
    role = dict(role='puhuri.core.provision', puhuri_allocations=declared, **role_vars)
    # The environment points nowhere: only module_defaults or the role variables can reach the emulator.
    env = {'PUHURI_API_URL': NOWHERE, 'PUHURI_API_TOKEN': BAD_TOKEN, 'WALDUR_API_URL': NOWHERE, 'WALDUR_API_TOKEN': BAD_TOKEN}
    return run_play([], envvars=env, play_extra={'module_defaults': {'group/puhuri.core.puhuri': defaults}, 'roles': [role]})


def test_provision_runs_on_the_plays_module_defaults_alone(emulator, run_play):
    defaults = {'api_url': emulator.url, 'api_token': emulator.TOKENS['sp-owner']}
    result = provision_play(run_play, emulator, defaults, {})
    assert result.rc == 0, result
    assert named(emulator, 'alloc-1')['backend_id'] == 'from_module_defaults'
    assert result[TASK]['changed'] is True

    emulator.clear_requests()
    again = provision_play(run_play, emulator, defaults, {})
    assert again.rc == 0, again
    assert again[TASK]['changed'] is False and not writes(emulator.requests)
    assert emulator.requests  # it did read, from the emulator


def test_role_variables_win_over_module_defaults_and_carry_every_connection_option(emulator, run_play):
    defaults = {'api_url': NOWHERE, 'api_token': BAD_TOKEN, 'retries': 0}
    role_vars = {'puhuri_api_url': emulator.url, 'puhuri_api_token': emulator.TOKENS['sp-owner'], 'puhuri_retries': 5,
                 'puhuri_timeout': 7, 'puhuri_retry_budget': 9, 'puhuri_retry_delay': 0.5, 'puhuri_validate_certs': False}
    result = provision_play(run_play, emulator, defaults, role_vars)
    assert result.rc == 0, result
    assert named(emulator, 'alloc-1')['backend_id'] == 'from_module_defaults'
    # ansible-core 2.21 no longer returns the invocation; where it does, it shows every option the module got.
    if 'invocation' in result[TASK]:
        args = result[TASK]['invocation']['module_args']
        assert (args['api_url'], args['retries'], args['timeout'], args['retry_budget'], args['retry_delay'],
                args['validate_certs']) == (emulator.url, 5, 7.0, 9.0, 0.5, False)


def test_every_connection_variable_reaches_the_modules(emulator, run_play):
    """Out-of-range values, refused by the module itself, show that each variable got there (on every version)."""
    defaults = {'api_url': emulator.url, 'api_token': emulator.TOKENS['sp-owner']}
    role_vars = {'puhuri_retries': 25, 'puhuri_timeout': -1, 'puhuri_retry_budget': -1, 'puhuri_retry_delay': -1}
    result = provision_play(run_play, emulator, defaults, role_vars)
    assert result.rc != 0
    message = result[TASK]['msg']
    for needle in ['retries must be a whole number from 0 to 20, got 25', 'timeout must be a number of seconds greater than 0',
                   'retry_budget must be a number of seconds, 0 or more, got -1.0',
                   'retry_delay must be a number of seconds, 0 or more, got -1.0']:
        assert needle in message
    assert not [c for c in emulator.requests if c['user'] != 'staff']  # only this test's own staff read
