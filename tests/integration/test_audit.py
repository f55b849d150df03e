# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The site audit (role and playbook puhuri.core.audit) against the emulator: every finding, read-only, its cost.

The site is the seed, changed through the API as a provider and staff would (backend_ids, usage, an Erred
allocation), with the emulator's clock two days after the seed's open orders were created.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile

import pytest
import requests

from emulator import Emulator
from helpers import REPO_ROOT, api_get, writes

pytestmark = pytest.mark.integration

PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'
NOW = datetime.datetime(2026, 11, 30, 22, 20, 36, tzinfo=datetime.timezone.utc)
PLAYBOOK = os.path.join(REPO_ROOT, 'playbooks', 'audit.yml')
UUIDS = {'alloc-1': '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11', 'vm-1': '3a7b9d2f5c8e4f0a9b4d6c2e8f1a0b12',
         'vm-2': '4b8c0e3a6d9f4a1b0c5e7d3f9a2b1c23'}
FINDINGS = ['ok_without_backend_id', 'duplicate_backend_ids', 'erred', 'stuck_orders', 'ok_without_usage', 'usage_not_ok',
            'team_changes', 'accounts_without_allocation']


def post(emu, user, path, body):
    response = requests.post(emu.url + path, json=body, headers={'Authorization': 'Token %s' % emu.TOKENS[user]}, timeout=10)
    assert response.status_code in (200, 201), response.text


def build_site(emu):
    """alloc-1 and vm-2 share a backend_id; alloc-1 and vm-2 report usage; then vm-2 goes Erred; vm-1 has no account."""
    post(emu, 'sp-owner', 'marketplace-provider-resources/%s/set_backend_id/' % UUIDS['alloc-1'], {'backend_id': 'acct-shared'})
    post(emu, 'sp-owner', 'marketplace-provider-resources/%s/set_backend_id/' % UUIDS['vm-2'], {'backend_id': 'acct-shared'})
    post(emu, 'sp-owner', 'marketplace-component-usages/set_usage/',
         {'resource': UUIDS['alloc-1'], 'usages': [{'type': 'cpu_k_hours', 'amount': '4.50'}, {'type': 'gb_k_hours', 'amount': '9'}]})
    post(emu, 'sp-owner', 'marketplace-component-usages/set_usage/',
         {'resource': UUIDS['vm-2'], 'usages': [{'type': 'cpu_k_hours', 'amount': '2'}]})
    post(emu, 'staff', 'marketplace-provider-resources/%s/set_as_erred/' % UUIDS['vm-2'],
         {'error_message': 'Disk <quota> exceeded', 'error_traceback': ''})
    emu.clear_requests()


@pytest.fixture
def site():
    emu = Emulator(waldur_version='7.0.7', now=NOW)
    emu.start()
    build_site(emu)
    yield emu
    emu.stop()


def previous_report(tmp_path):
    """A previous run: alloc-1 had only its admin; vm-1 had project-member as admin and a user who has left."""
    path = tmp_path / 'previous.json'
    path.write_text(json.dumps({'generated_at': '2026-11-29T08:00:00Z', 'teams': {
        UUIDS['alloc-1']: [{'username': 'consumer-owner', 'role': 'admin'}],
        UUIDS['vm-1']: [{'username': 'consumer-owner', 'role': 'admin'}, {'username': 'gone-user', 'role': 'member'},
                        {'username': 'project-member', 'role': 'admin'}]}}))
    return str(path)


def audit_vars(emu, tmp_path, **extra):
    variables = {'puhuri_api_url': emu.url, 'puhuri_api_token': emu.TOKENS['sp-owner'], 'puhuri_provider_uuid': PROVIDER,
                 'puhuri_audit_dir': str(tmp_path / 'out'), 'puhuri_audit_stuck_after': '2d'}
    variables.update(extra)
    return variables


def run_full_audit(emu, run_play, tmp_path, **extra):
    accounts = tmp_path / 'accounts.txt'
    accounts.write_text('# local Slurm accounts\nacct-shared\n\n  acct-orphan  \nacct-other\n')
    result = run_play(None, playbook=PLAYBOOK, extravars=audit_vars(
        emu, tmp_path, puhuri_audit_include_teams=True, puhuri_audit_previous=previous_report(tmp_path),
        puhuri_audit_accounts_file=str(accounts), **extra))
    return result


def test_audit_reports_every_finding_read_only(site, run_play, tmp_path):
    result = run_full_audit(site, run_play, tmp_path)
    assert result.rc == 0, result
    report = json.loads((tmp_path / 'out' / 'audit.json').read_text())
    assert report == result['Read the site and compute the findings']['report']
    found = report['findings']
    assert report['generated_at'] == '2026-11-30T22:20:36Z' and report['period'] == '2026-11'
    assert report['summary']['by_state'] == {'OK': 2, 'Erred': 1, 'Creating': 4}
    assert [f['name'] for f in found['ok_without_backend_id']] == ['vm-1']
    assert found['duplicate_backend_ids'] == [{'backend_id': 'acct-shared', 'allocations': [
        {'uuid': UUIDS['alloc-1'], 'name': 'alloc-1', 'state': 'OK'}, {'uuid': UUIDS['vm-2'], 'name': 'vm-2', 'state': 'Erred'}]}]
    assert [(f['name'], f['error_message']) for f in found['erred']] == [('vm-2', 'Disk <quota> exceeded')]
    assert [(f['resource_name'], f['state'], f['age']) for f in found['stuck_orders']] == [
        ('alloc-2', 'executing', '2d 0h'), ('alloc-3', 'executing', '2d 0h'), ('alloc-4', 'pending-provider', '2d 0h'),
        ('vm-3', 'pending-provider', '2d 0h')]
    assert [f['name'] for f in found['ok_without_usage']] == ['vm-1']
    assert found['usage_not_ok'] == [{'uuid': UUIDS['vm-2'], 'name': 'vm-2', 'state': 'Erred', 'usage': {'cpu_k_hours': '2'}}]
    assert found['team_changes'] == [
        {'uuid': UUIDS['alloc-1'], 'name': 'alloc-1', 'added': ['project-member'], 'removed': [], 'role_changed': []},
        {'uuid': UUIDS['vm-1'], 'name': 'vm-1', 'added': [], 'removed': ['gone-user'],
         'role_changed': [{'username': 'project-member', 'before': 'admin', 'after': 'member'}]}]
    assert found['accounts_without_allocation'] == [{'account': 'acct-orphan'}, {'account': 'acct-other'}]
    assert report['summary']['findings'] == dict((key, len(found[key])) for key in FINDINGS)
    slurm = [o for o in report['usage_by_offering'] if o['offering_name'] == 'HPC Slurm (site agent)'][0]
    assert slurm['components'] == [{'type': 'cpu_k_hours', 'total': '4.5'}, {'type': 'gb_k_hours', 'total': '9'}]
    assert (slurm['ok_allocations'], slurm['ok_allocations_reporting']) == (1, 1)
    # The teams are kept for the next run.
    assert sorted(report['teams']) == sorted([UUIDS['alloc-1'], UUIDS['vm-1']])

    # Read-only, and a handful of listings: allocations, open orders, usage of each of the 2 offerings, 2 teams.
    assert writes(site.requests) == []
    paths = sorted(r['path'] for r in site.requests)
    assert paths == sorted(['/api/marketplace-provider-resources/', '/api/marketplace-orders/'] + ['/api/marketplace-component-usages/'] * 2
                           + ['/api/marketplace-provider-resources/%s/team/' % UUIDS[n] for n in ('alloc-1', 'vm-1')])
    assert result['Read the site and compute the findings']['requests'] == len(site.requests)

    # The Markdown summary has the counts and a table per finding.
    markdown = (tmp_path / 'out' / 'audit.md').read_text()
    assert '| [Duplicate backend_ids](#duplicate-backend-ids) | 1 |' in markdown
    assert '| acct-shared | alloc-1 (OK), vm-2 (Erred) |' in markdown
    assert '| vm-2 | %s | Erred | cpu_k_hours=2 |' % UUIDS['vm-2'] in markdown
    for path in ('audit.json', 'audit.md', 'audit.html'):
        assert oct(os.stat(str(tmp_path / 'out' / path)).st_mode & 0o777) == '0o600'


def test_audit_without_the_optional_inputs_says_what_was_not_checked(site, run_play, tmp_path):
    result = run_play(None, playbook=PLAYBOOK, extravars=audit_vars(site, tmp_path, puhuri_audit_previous=str(tmp_path / 'none.json')))
    assert result.rc == 0, result
    report = json.loads((tmp_path / 'out' / 'audit.json').read_text())
    assert report['findings']['team_changes'] == [] and report['findings']['accounts_without_allocation'] == []
    assert report['checks'] == {'team_changes': 'not checked: teams were not read (include_teams is off)',
                                'accounts_without_allocation': 'not checked: no local accounts given'}
    assert 'teams' not in report
    assert '| [Teams changed since the last run](#team-changes) | not checked |' in (tmp_path / 'out' / 'audit.md').read_text()
    assert len(site.requests) == 4 and writes(site.requests) == []


def test_audit_fails_on_the_findings_asked_for_after_writing_the_reports(site, run_play, tmp_path):
    result = run_play(None, playbook=PLAYBOOK, extravars=audit_vars(site, tmp_path, puhuri_audit_fail_on=['stuck_orders', 'erred']))
    assert result.rc != 0
    assert (tmp_path / 'out' / 'audit.html').exists()
    failed = result['Fail on the findings named in puhuri_audit_fail_on']
    refused = [item['item'] for item in failed.get('results', []) if item.get('failed') or item.get('evaluated_to') is False]
    assert failed['failed'] and refused == ['stuck_orders', 'erred'], failed


def test_audit_bad_threshold_fails_before_any_request(site, run_play, tmp_path):
    result = run_play(None, playbook=PLAYBOOK, extravars=audit_vars(site, tmp_path, puhuri_audit_stuck_after='soon'))
    assert result.rc != 0
    assert 'stuck_after must be an age' in result['Read the site and compute the findings']['msg']
    assert site.requests == []


def test_audit_cost_at_50_allocations_is_four_listings(run_play, tmp_path):
    emu = Emulator(waldur_version='7.0.7', now=NOW, extra_allocations=50)
    emu.start()
    try:
        result = run_play(None, playbook=PLAYBOOK, extravars=audit_vars(emu, tmp_path))
        assert result.rc == 0, result
        sent = emu.requests
        report = json.loads((tmp_path / 'out' / 'audit.json').read_text())
        listed = api_get(emu, 'marketplace-provider-resources/', emu.TOKENS['staff'], params={'page_size': 200, 'field': ['uuid', 'state']})
        assert report['summary']['allocations'] == len(listed) == 57
        # One page of allocations, one of open orders, one usage listing per offering (2); nothing per allocation.
        assert [(r['method'], r['path']) for r in sent] == [
            ('GET', '/api/marketplace-provider-resources/'), ('GET', '/api/marketplace-orders/'),
            ('GET', '/api/marketplace-component-usages/'), ('GET', '/api/marketplace-component-usages/')]
        erred = [r['uuid'] for r in listed if r['state'] == 'Erred']
        assert sorted(f['uuid'] for f in report['findings']['erred']) == sorted(erred) and len(erred) == 2
    finally:
        emu.stop()


# ---------------------------------------------------------------- the HTML page in a real headless Chromium

CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--enable-logging=stderr', '--v=0']


def chromium(tmp_path, *args):
    """Run Chromium headless on fresh profile; return (stdout, console messages from its log)."""
    binary = shutil.which('chromium') or shutil.which('chromium-browser')
    assert binary, 'Chromium is needed for the HTML test: apt-get install -y chromium'
    profile = tempfile.mkdtemp(prefix='profile-', dir=str(tmp_path))
    done = subprocess.run([binary] + CHROMIUM_FLAGS + ['--user-data-dir=%s' % profile] + list(args),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ':CONSOLE' in line]
    return done.stdout, console


class Page(html.parser.HTMLParser):
    """What a reader sees: the text of each section, the sections' counts, the tags used."""

    def __init__(self):
        html.parser.HTMLParser.__init__(self)
        self.sections, self.tags, self.text, self.current = {}, [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == 'section':
            self.current = attrs['id']
            self.sections[self.current] = {'count': attrs.get('data-count'), 'text': []}

    def handle_data(self, data):
        self.text.append(data)
        if self.current and data.strip():
            self.sections[self.current]['text'].append(data.strip())


def test_audit_html_renders_in_chromium_shows_the_findings_without_console_errors(site, run_play, tmp_path):
    site.store.resources[UUIDS['vm-1']].name = '<b onclick="x()">vm-1</b>'  # server text is shown as text, never as markup
    result = run_full_audit(site, run_play, tmp_path)
    assert result.rc == 0, result
    page_path = tmp_path / 'out' / 'audit.html'
    source = page_path.read_text()
    report = json.loads((tmp_path / 'out' / 'audit.json').read_text())

    # Self-contained: no script, and nothing loaded from anywhere but the page itself.
    assert '<script' not in source
    external = re.findall(r'(?:src|href)="(?!#|data:)([^"]*)"', source)
    assert external == []

    dom, console = chromium(tmp_path, '--dump-dom', page_path.as_uri())
    assert console == []
    page = Page()
    page.feed(dom)
    for key in FINDINGS:
        assert page.sections[key]['count'] == str(report['summary']['findings'][key]), key
    assert 'Disk <quota> exceeded' in page.sections['erred']['text']
    assert '<b onclick="x()">vm-1</b>' in page.sections['ok_without_backend_id']['text']
    assert not [tag for tag, attrs in page.tags if tag == 'b' or 'onclick' in attrs]
    assert 'acct-orphan' in page.sections['accounts_without_allocation']['text']
    assert 'project-member: admin -> member' in page.sections['team_changes']['text']
    bars = [attrs for tag, attrs in page.tags if tag == 'rect']
    assert len(bars) == sum(len(o['components']) for o in report['usage_by_offering']) == 3
    assert max(float(b['width']) for b in bars) == 250.0

    # The console check sees errors: the same page with an external image and a script logs both.
    broken = tmp_path / 'broken.html'
    broken.write_text(source.replace('<body>', '<body><img src="https://example.invalid/x.png"><script>nothing()</script>'))
    _dom, console = chromium(tmp_path, '--dump-dom', broken.as_uri())
    assert len(console) == 2 and 'example.invalid' in console[0]

    # A screenshot a person can look at.
    shot = tmp_path / 'audit.png'
    chromium(tmp_path, '--window-size=1280,2400', '--hide-scrollbars', '--screenshot=%s' % shot, page_path.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n'
    assert struct.unpack('>II', data[16:24]) == (1280, 2400)
    assert len(data) > 50000  # text, tables and bars, not a blank page
