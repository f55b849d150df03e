# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TLS: certificates are verified by default; a self-signed portal needs its CA in ca_path (or validate_certs: false).

The emulator runs in TLS mode (a CA and a server certificate for 127.0.0.1 made at start).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

import requests

from emulator import Emulator
from emulator.tls import make_certificates

pytestmark = pytest.mark.integration

LIST = 'GET /api/marketplace-provider-resources/ failed (no HTTP answer): TLS failure: the server certificate could not be verified'


@pytest.fixture
def tls_emulator():
    emu = Emulator(tls=True)
    emu.start()
    yield emu
    emu.stop()


def info(emu, name, **options):
    options.update(api_url=emu.url, api_token=emu.TOKENS['sp-owner'], fields=['uuid'], retry_delay=0.01)
    return {'name': name, 'puhuri.core.puhuri_resource_info': options, 'ignore_errors': True}


def test_a_self_signed_portal_is_refused_unless_its_ca_is_named_or_checks_are_off(tls_emulator, run_play, tmp_path):
    emu = tls_emulator
    assert emu.url.startswith('https://')
    other_ca = make_certificates(str(tmp_path), common_name='Some other CA')['ca.pem']
    result = run_play([
        info(emu, 'default'),
        info(emu, 'explicitly on', validate_certs=True),
        info(emu, 'another CA', ca_path=other_ca),
        info(emu, 'its CA', ca_path=emu.ca_path),
        info(emu, 'checks off', validate_certs=False),
        info(emu, 'checks off wins over ca_path', validate_certs=False, ca_path=other_ca),
    ], envvars={'REQUESTS_CA_BUNDLE': '', 'CURL_CA_BUNDLE': ''})
    for refused in ('default', 'explicitly on', 'another CA'):
        res = result[refused]
        assert res['failed'], (refused, res)
        assert res['msg'].startswith(LIST), res['msg']
        assert 'set ca_path to the PEM file of the CA that signed it, or validate_certs: false' in res['msg']
        assert res['status'] is None
        assert not res.get('warnings'), 'a TLS failure is not retried'
        assert 'Traceback' not in res['msg'] and emu.TOKENS['sp-owner'] not in str(res)
    expected = [r['uuid'] for r in api_get_tls(emu, 'marketplace-provider-resources/', {'page_size': 200})]
    for accepted in ('its CA', 'checks off', 'checks off wins over ca_path'):
        res = result[accepted]
        assert not res['failed'], (accepted, res)
        assert [r['uuid'] for r in res['resources']] == expected and len(expected) == 7
    # The refused runs never reached HTTP: the log holds the three accepted listings and the independent read.
    assert [r['path'] for r in emu.requests] == ['/api/marketplace-provider-resources/'] * 4


def api_get_tls(emu, path, params):
    """The independent read (plain requests) of helpers.api_get, trusting the emulator's CA."""
    response = requests.get(emu.url + path, params=params, verify=emu.ca_path, timeout=10,
                            headers={'Authorization': 'Token %s' % emu.TOKENS['staff']})
    response.raise_for_status()
    return response.json()


def test_environment_ca_bundles_and_netrc_do_not_override_the_options(tls_emulator, run_play, tmp_path):
    """Execution environments often set REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, and a ~/.netrc entry for the portal's
    host makes requests send Basic auth. Neither may replace what the options say."""
    emu = tls_emulator
    other_ca = make_certificates(str(tmp_path), common_name='Some other CA')['ca.pem']
    netrc = tmp_path / 'netrc'
    netrc.write_text('machine 127.0.0.1 login intruder password not-the-token\n')
    netrc.chmod(0o600)
    result = run_play([
        info(emu, 'its CA', ca_path=emu.ca_path),
        info(emu, 'checks off', validate_certs=False),
        info(emu, 'default'),
    ], envvars={'REQUESTS_CA_BUNDLE': other_ca, 'CURL_CA_BUNDLE': other_ca, 'NETRC': str(netrc)})
    for accepted in ('its CA', 'checks off'):
        res = result[accepted]
        assert not res['failed'], (accepted, res)
        assert len(res['resources']) == 7, 'listed as sp-owner: the token was sent, not the netrc login'
    # With no option, the environment's bundle is the trust store (requests' documented behaviour): it names
    # another CA, so the portal is refused.
    assert result['default']['failed'] and result['default']['status'] is None
    assert [r['path'] for r in emu.requests] == ['/api/marketplace-provider-resources/'] * 2
    assert all(r['user'] == 'sp-owner' for r in emu.requests), emu.requests
