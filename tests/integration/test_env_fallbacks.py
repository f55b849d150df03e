# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Connection from the environment, as AWX/AAP credentials inject it: PUHURI_API_* first, then WALDUR_API_*.

Modules (env_fallback) and the inventory plugin (config `env:` entries) must agree on the names and on which wins.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from helpers import api_get, source_collections_path

pytestmark = pytest.mark.integration

PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'
BAD_TOKEN = '0' * 40


def wrong_url(emulator):
    """A URL that answers at once (404), unlike a closed port that clients retry."""
    return emulator.url.replace('/api/', '/not-the-api/')


def test_modules_prefer_puhuri_names_over_waldur_names(emulator, run_play):
    env = {'PUHURI_API_URL': emulator.url, 'PUHURI_API_TOKEN': emulator.TOKENS['sp-owner'],
           'WALDUR_API_URL': wrong_url(emulator), 'WALDUR_API_TOKEN': BAD_TOKEN}
    result = run_play([{'name': 'list', 'puhuri.core.puhuri_resource_info': {'provider_uuid': PROVIDER}}], envvars=env)
    assert result.rc == 0, result
    assert result['list']['count'] > 0


def test_an_explicit_option_beats_the_environment(emulator, run_play):
    env = {'PUHURI_API_URL': wrong_url(emulator), 'PUHURI_API_TOKEN': BAD_TOKEN}
    task = {'name': 'list', 'puhuri.core.puhuri_resource_info': {
        'provider_uuid': PROVIDER, 'api_url': emulator.url, 'access_token': emulator.TOKENS['sp-owner']}}
    result = run_play([task], envvars=env)
    assert result.rc == 0, result
    assert result['list']['count'] > 0


# --- inventory plugin ------------------------------------------------------------------------------------------------

def inventory(tmp_path, env, config=None):
    """`ansible-inventory --list` of a puhuri.yml; (rc, parsed JSON or None, stderr)."""
    path = tmp_path / 'puhuri.yml'
    path.write_text(config or 'plugin: puhuri.core.allocations\nprovider_uuid: %s\n' % PROVIDER)
    full_env = {
        'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
        'HOME': str(tmp_path),
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
        'ANSIBLE_COLLECTIONS_PATH': source_collections_path(),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true',
        'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true',
        'ANSIBLE_NOCOLOR': '1',
    }
    full_env.update(env)
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-inventory'), '-i', str(path), '--list'],
                            env=full_env, capture_output=True, text=True, timeout=60, check=False)
    parsed = json.loads(result.stdout) if result.returncode == 0 else None
    return result.returncode, parsed, result.stderr


def expected_uuids(emulator):
    listed = api_get(emulator, 'marketplace-provider-resources/', emulator.TOKENS['staff'],
                     params={'provider_uuid': PROVIDER, 'page_size': 200})
    return sorted(r['uuid'] for r in listed if r['state'] != 'Terminated')


def unwrap(value):
    """ansible-inventory --list shows values marked unsafe as {"__ansible_unsafe": value}."""
    if isinstance(value, dict) and set(value) == {'__ansible_unsafe'}:
        return value['__ansible_unsafe']
    return value


def host_uuids(parsed):
    hostvars = parsed['_meta']['hostvars']
    return sorted(unwrap(v['puhuri_uuid']) for v in hostvars.values())


@pytest.mark.parametrize('prefix', ['PUHURI', 'WALDUR'])
def test_the_inventory_reads_its_connection_from_the_environment(emulator, tmp_path, prefix):
    env = {prefix + '_API_URL': emulator.url, prefix + '_API_TOKEN': emulator.TOKENS['sp-owner']}
    rc, parsed, stderr = inventory(tmp_path, env)
    assert rc == 0, stderr
    assert host_uuids(parsed) == expected_uuids(emulator)
    assert emulator.TOKENS['sp-owner'] not in json.dumps(parsed)


def test_the_inventory_prefers_puhuri_names_over_waldur_names_like_the_modules(emulator, tmp_path):
    env = {'PUHURI_API_URL': emulator.url, 'PUHURI_API_TOKEN': emulator.TOKENS['sp-owner'],
           'WALDUR_API_URL': wrong_url(emulator), 'WALDUR_API_TOKEN': BAD_TOKEN}
    rc, parsed, stderr = inventory(tmp_path, env)
    assert rc == 0, 'WALDUR_API_* won over PUHURI_API_* (with `env:` entries the last one set wins):\n' + stderr
    assert host_uuids(parsed) == expected_uuids(emulator)


def test_the_inventory_file_beats_the_environment(emulator, tmp_path):
    config = 'plugin: puhuri.core.allocations\nprovider_uuid: %s\napi_url: %s\napi_token: %s\n' % (
        PROVIDER, emulator.url, emulator.TOKENS['sp-owner'])
    rc, parsed, stderr = inventory(tmp_path, {'PUHURI_API_URL': wrong_url(emulator), 'PUHURI_API_TOKEN': BAD_TOKEN},
                                   config=config)
    assert rc == 0, stderr
    assert host_uuids(parsed) == expected_uuids(emulator)


def test_the_inventory_names_the_missing_connection_settings(tmp_path):
    rc, _parsed, stderr = inventory(tmp_path, {})
    assert rc != 0
    assert 'api_url is required' in stderr and 'PUHURI_API_URL' in stderr
