# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Replay all calls of transcript-7.0.7-lifecycle.md (RL707), in order, against one fresh 7.0.7 emulator.

Same rules as test_transcript.py (contract_transcript.check), plus the Link header and a HEAD call's Content-Type.
The recording ran on a freshly seeded database, so the replay first rebuilds that state:
- the seed's timestamps are moved to the recording's day (the seed was made at 08:55:57, RL707 #118), which the
  date filters (#122, #125) see;
- the unnumbered set-up requests of the transcript are sent (the consumer orders s1, s2, s3, su, b1, b2, the provider
  approves and finishes them; staff creates alice, bob and carol through the emulator's control call), binding each
  recorded uuid to the live one;
- seed objects the first transcript never showed appear here with their real uuids; SEED_ALIASES binds each to the
  emulator's seed object (by the recorded order: the first resource in the default order, the first Create orders).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import itertools
import os
import re
import sys

import pytest
import requests

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.exists(os.path.join(os.path.dirname(TESTS_DIR), 'pytest.ini')) and TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from emulator import TOKENS, Emulator  # noqa: E402 pylint: disable=wrong-import-position
from emulator.store import DEFAULT_SEED  # noqa: E402 pylint: disable=wrong-import-position
from contract_transcript import Matcher, check, parse_transcript, send, transcript_path  # noqa: E402 pylint: disable=wrong-import-position

TRANSCRIPT = transcript_path('transcript-7.0.7-lifecycle.md')
CALLS = parse_transcript(TRANSCRIPT)
RECORDED_BASE = 'http://127.0.0.1:8001'
SEEDED_AT = datetime.datetime(2026, 12, 1, 8, 55, 57, 500000, tzinfo=datetime.timezone.utc)
SETUP_AT = datetime.datetime(2026, 12, 1, 8, 56, 3, 500000, tzinfo=datetime.timezone.utc)
RUN = 'run1796115363'
SLURM = '589178d685345873968f291a0fe38482'
SLURM_PLAN = '83633009e1ab567c9dcd2c4130be09ae'
BASIC = 'dddc08b4d5d05f45977168ee373b71ca'
BASIC_PLAN = '94f3a42fd35858cea338a479cd993f1f'
PROJECT = 'ebeff338367754319ee6d43023243f04'
# recorded uuid -> the emulator's seed object it is (inferred from the recorded order, see the module docstring)
SEED_ALIASES = {
    '1b110eb143914d86bb7301a613de0168': '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11',  # alloc-1, first in the default order (#125)
    '4ae03438db354c2db33c08f4c2efbf28': 'a1c2e3f405164728a9b0c1d2e3f40511',  # alloc-1's Create order, first by created (#118)
    '5f169c9ef0584115a2aa912da6ad25d4': 'a1c2e3f405164728a9b0c1d2e3f40522',  # alloc-2's
    '68e816668e35432a823b4efcb1919814': 'a1c2e3f405164728a9b0c1d2e3f40533',  # alloc-3's
}
# The set-up of the recording: name -> (recorded resource uuid, recorded Create order uuid, offering, plan, limits)
SETUP_RESOURCES = (
    ('s1', 'b11dff955e4a48aeb1d5ed3e968464ae', 'c43f3bd092ac4f948ae7ff5b321033d4', SLURM, SLURM_PLAN),
    ('s2', '3a9912ed01ff49a7959c01d5554b9e64', 'd9dd71dc1496449189627ce652fc78f7', SLURM, SLURM_PLAN),
    ('s3', 'ce1b49336678401481536d1bedeb2a26', 'cfdd7aaa514e46f1833253ddf3044f95', SLURM, SLURM_PLAN),
    ('su', '96769f671ae3479580cdb5c32d2ed490', 'f77355e54f8848e4bc5b53287f235a7c', SLURM, SLURM_PLAN),
    ('b1', '520994e10adf4c97b8468d89b355138e', '27f272f19d294cb394990e230ee0abdb', BASIC, BASIC_PLAN),
    ('b2', '7659c32f2937450f980977e018d70417', 'f1ca60fb127c4d73b41244d4c6392345', BASIC, BASIC_PLAN),
)
SETUP_LIMITS = {'cpu_k_hours': 10, 'gpu_k_hours': 2}  # s1's old_limits (#2)
SETUP_USERS = (('alice', '356d48a70c214dc799f96de96d7fac8e'), ('bob', 'd0523974aaeb4cbd9ef6bf85ef66655e'),
               ('carol', '10a25d68fecd45baada5c1f50c1e1610'))

pytestmark = pytest.mark.contract


def ticking_clock():
    """The recording's set-up time, advancing 1 ms per reading (ordering by created/modified as recorded)."""
    ticks = itertools.count()
    return lambda: SETUP_AT + datetime.timedelta(milliseconds=next(ticks))


def shifted_seed(tmp_path):
    """seed.json with every timestamp moved so that the seed was made when the recorded database was seeded."""
    with open(DEFAULT_SEED) as handle:
        text = handle.read()
    stamps = re.findall(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"', text)
    first = min(datetime.datetime.fromisoformat(s.replace('Z', '+00:00')) for s in stamps)
    delta = SEEDED_AT - first

    def move(match):
        moment = datetime.datetime.fromisoformat(match.group(1).replace('Z', '+00:00')) + delta
        return '"%s"' % moment.strftime('%Y-%m-%dT%H:%M:%S.%fZ')

    path = tmp_path / 'seed.json'
    path.write_text(re.sub(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"', move, text))
    return str(path), re.findall(r'\b[0-9a-f]{32}\b', text)


def set_up(emulator, matcher):
    """The transcript's unnumbered set-up requests, binding the recorded uuids to the live ones."""
    api = emulator.url

    def call(method, path, user, body=None, expected=200):
        response = requests.request(method, api + path, json=body, timeout=10,
                                    headers={'Authorization': 'Token %s' % TOKENS[user]})
        assert response.status_code == expected, (method, path, response.status_code, response.text[:300])
        return response.json() if response.content else None

    call('POST', 'marketplace-provider-offerings/%s/update_integration/' % SLURM, 'sp-owner', {'secret_options': {}})
    for name, resource_uuid, order_uuid, offering, plan in SETUP_RESOURCES:
        body = {'offering': '%smarketplace-public-offerings/%s/' % (api, offering), 'project': '%sprojects/%s/' % (api, PROJECT),
                'plan': '%smarketplace-public-offerings/%s/plans/%s/' % (api, offering, plan),
                'attributes': {'name': '%s-%s' % (RUN, name)}, 'accepting_terms_of_service': True}
        if offering == SLURM:
            body['limits'] = SETUP_LIMITS
        order = call('POST', 'marketplace-orders/', 'consumer-owner', body, expected=201)
        matcher.mapping[resource_uuid] = order['marketplace_resource_uuid']
        matcher.mapping[order_uuid] = order['uuid']
        call('POST', 'marketplace-orders/%s/approve_by_provider/' % order['uuid'], 'sp-owner')
        if offering == SLURM:
            call('POST', 'marketplace-orders/%s/set_state_done/' % order['uuid'], 'sp-owner')
    for name, user_uuid in SETUP_USERS:
        username = '%s-%s' % (RUN, name)
        response = requests.post(emulator.base_url + '/__emulator__/users', timeout=10, json={
            'username': username, 'full_name': '%s Test' % username, 'email': '%s@example.com' % username})
        assert response.status_code == 201, response.text
        matcher.mapping[user_uuid] = response.json()['uuid']


@pytest.fixture(scope='module')
def replay(tmp_path_factory):
    """call number -> list of differences, from one ordered replay of the set-up and the whole transcript."""
    seed, seed_uuids = shifted_seed(tmp_path_factory.mktemp('lifecycle'))
    emulator = Emulator(waldur_version='7.0.7', seed=seed, now=ticking_clock())
    emulator.start()
    matcher = Matcher(set(seed_uuids) | {'0' * 32}, recorded_base=RECORDED_BASE)
    matcher.mapping.update(SEED_ALIASES)
    results = {}
    try:
        set_up(emulator, matcher)
        for call in CALLS:
            status, headers, body = send(emulator, call, matcher)
            results[call.number] = check(call, status, headers, body, matcher, emulator.base_url)
    finally:
        emulator.stop()
    return results


def test_transcript_is_complete():
    assert [c.number for c in CALLS] == list(range(1, 152)), TRANSCRIPT


def test_setup_is_what_the_transcript_says():
    """The set-up list above is the transcript's, so the replay starts where the recording did."""
    with open(TRANSCRIPT) as handle:
        text = handle.read()
    for name, resource_uuid, order_uuid, _offering, _plan in SETUP_RESOURCES:
        assert re.search(r'setup `%s-%s` .*resource `%s`, Create order `%s`' % (RUN, name, resource_uuid, order_uuid), text), name
    for name, user_uuid in SETUP_USERS:
        assert 'setup user `%s-%s`: `POST /api/users/` as $STAFF 201, uuid `%s`' % (RUN, name, user_uuid) in text, name


@pytest.mark.parametrize('call', CALLS, ids=[c.test_id for c in CALLS])
def test_call(replay, call):  # pylint: disable=redefined-outer-name
    failures = replay[call.number]
    assert not failures, 'RL707 #%d (%s):\n  %s' % (call.number, call.title, '\n  '.join(failures))
