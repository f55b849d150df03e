# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The inventory plugin takes the modules' whole connection, retry options included, from the file or the
environment (doc fragment puhuri.core.connection.plugins)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from test_inventory import cli, connection_env, write_config

pytestmark = pytest.mark.integration

# Only this plugin: with the auto plugin in front, ansible-core 2.16 shows its errors only with -vvv.
ONLY_THIS_PLUGIN = {'ANSIBLE_INVENTORY_ENABLED': 'puhuri.core.allocations'}


@pytest.mark.parametrize('options,env,needle', [
    ({'retries': 25}, {}, 'retries must be a whole number from 0 to 20, got 25'),
    ({}, {'PUHURI_RETRY_BUDGET': '-1'}, 'retry_budget must be a number of seconds, 0 or more, got -1.0'),
    ({'retry_delay': -2}, {}, 'retry_delay must be a number of seconds, 0 or more, got -2.0'),
    ({}, {'PUHURI_TIMEOUT': '0'}, 'timeout must be a number of seconds greater than 0'),
])
def test_the_retry_options_reach_the_client(emulator, tmp_path, collections_path, options, env, needle):
    config = write_config(tmp_path, **options)
    full_env = dict(connection_env(emulator), **dict(ONLY_THIS_PLUGIN, **env))
    rc, out, err = cli(tmp_path, collections_path, ['ansible-inventory', '-i', config, '--list'], full_env)
    assert rc != 0 and needle in ' '.join((out + err).split())  # 2.16 wraps warnings at 80 columns
    assert emulator.requests == []


def test_retries_ride_out_a_fault(emulator, tmp_path, collections_path):
    config = write_config(tmp_path, retries=2, retry_delay=0)
    emulator.faults.configure(rates={'error': 1.0}, limit=1, match='marketplace-provider-resources')
    rc, out, err = cli(tmp_path, collections_path, ['ansible-inventory', '-i', config, '--list'],
                       dict(connection_env(emulator), **ONLY_THIS_PLUGIN))
    assert rc == 0, err
    assert len(emulator.faults.injected) == 1 and 'retry 1/2 of GET' in err
    assert len(emulator.requests) == 2


def test_without_retries_the_fault_fails_the_inventory(emulator, tmp_path, collections_path):
    config = write_config(tmp_path, retries=0)
    emulator.faults.configure(rates={'error': 1.0}, limit=1, match='marketplace-provider-resources')
    rc, out, err = cli(tmp_path, collections_path, ['ansible-inventory', '-i', config, '--list'],
                       dict(connection_env(emulator), **ONLY_THIS_PLUGIN))
    assert rc != 0 and 'failed (HTTP 50' in ' '.join((out + err).split())
