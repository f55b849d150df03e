# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""meta/awx_credential_type.yml: the AWX/AAP credential type, and the environment its injectors give a job.

No AWX runs here. `inject` renders the injectors the way AWX does for a job (awx-plugins' inject_credential): the
credential's non-empty inputs (booleans always) in a Jinja2 ImmutableSandboxedEnvironment, each `file` template
written to <private_data_dir>/env/ first and its path offered as tower.filename.<name>, then every `env` template.
The environment is then handed to ansible-runner, the engine AWX runs jobs with, to run the collection's roles
against the emulator (HTTP, and HTTPS with a private CA).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sys
import tempfile
from types import SimpleNamespace

import pytest
import yaml
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from emulator import Emulator
from helpers import REPO_ROOT, api_get, source_collections_path, writes

pytestmark = pytest.mark.integration

CREDENTIAL_TYPE = os.path.join(REPO_ROOT, 'meta', 'awx_credential_type.yml')
ALLOC_4 = 'e5fff443d2ec45aa8e7cfed9cc653497'
TLS_FAILURE = 'TLS failure: the server certificate could not be verified'


def credential_type():
    with open(CREDENTIAL_TYPE) as handle:
        return yaml.safe_load(handle)


def inject(cred_type, inputs, private_data_dir):
    """The environment variables AWX injects for a credential of `cred_type` with `inputs`."""
    sandbox = ImmutableSandboxedEnvironment()
    namespace = {key: value for key, value in inputs.items() if isinstance(value, bool) or value}
    for field in cred_type['inputs']['fields']:
        if field['type'] == 'boolean':
            namespace.setdefault(field['id'], False)
    files = {}
    env_dir = os.path.join(private_data_dir, 'env')
    os.makedirs(env_dir, exist_ok=True)
    for label, template in cred_type['injectors'].get('file', {}).items():
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, 'w') as out:
            out.write(sandbox.from_string(template).render(**namespace))
        files[label.split('.', 1)[1] if '.' in label else None] = path
    namespace['tower'] = SimpleNamespace(filename=files.pop(None, None) or SimpleNamespace(**files))
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in cred_type['injectors'].get('env', {}).items()}


def run_role_playbook(tmp_path, name, playbook, injected, extravars=None):
    """playbooks/<playbook> under ansible_runner.run(), with the injected environment, as an AWX job."""
    import ansible_runner  # imported here: only the integration tests need it

    data_dir = os.path.join(str(tmp_path), name)
    os.makedirs(os.path.join(data_dir, 'project'), exist_ok=True)
    envvars = dict(injected)
    envvars.update({
        'ANSIBLE_COLLECTIONS_PATH': source_collections_path(),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_LOCAL_TEMP': os.path.join(data_dir, 'tmp'),
        'ANSIBLE_HOME': os.path.join(data_dir, 'ansible-home'),
        'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
    })
    runner = ansible_runner.run(
        private_data_dir=data_dir,
        playbook=os.path.join(REPO_ROOT, 'playbooks', playbook),
        inventory='localhost ansible_connection=local ansible_python_interpreter=%s' % sys.executable,
        extravars=extravars or {},
        envvars=envvars,
        quiet=True,
        timeout=120,
    )
    return runner, list(runner.events), runner.stdout.read()


def failures(events):
    return [e['event_data']['res'].get('msg', '') for e in events if e.get('event') == 'runner_on_failed']


def test_the_credential_type_is_an_awx_credential_type_with_a_secret_token():
    cred = credential_type()
    assert set(cred) == {'name', 'description', 'kind', 'inputs', 'injectors'} and cred['kind'] == 'cloud'
    fields = {field['id']: field for field in cred['inputs']['fields']}
    assert set(fields) == {'api_url', 'api_token', 'ca_cert'}
    assert all(field['type'] in ('string', 'boolean') and field.get('label') for field in fields.values())
    assert fields['api_token'].get('secret') is True and not fields['api_url'].get('secret')
    assert fields['ca_cert'].get('multiline') is True
    assert cred['inputs']['required'] == ['api_url', 'api_token']
    assert set(cred['injectors']) <= {'env', 'file', 'extra_vars'}
    assert {'PUHURI_API_URL', 'PUHURI_API_TOKEN', 'REQUESTS_CA_BUNDLE'} <= set(cred['injectors']['env'])


def test_the_injector_templates_use_only_the_credential_inputs():
    cred = credential_type()
    sandbox = ImmutableSandboxedEnvironment()
    known = {field['id'] for field in cred['inputs']['fields']} | {'tower'}
    templates = list(cred['injectors']['env'].values()) + list(cred['injectors'].get('file', {}).values())
    for template in templates:
        assert meta.find_undeclared_variables(sandbox.parse(template)) <= known, template


def test_the_injected_environment_drives_the_provision_role_under_ansible_runner(emulator, tmp_path):
    token = emulator.TOKENS['sp-owner']
    injected = inject(credential_type(), {'api_url': emulator.url, 'api_token': token}, str(tmp_path / 'job'))
    assert injected == {'PUHURI_API_URL': emulator.url, 'PUHURI_API_TOKEN': token, 'REQUESTS_CA_BUNDLE': ''}
    # The job template's extra vars: only the declaration, no connection variables.
    declared = {'puhuri_allocations': [{'uuid': ALLOC_4, 'state': 'ok', 'backend_id': 'acct4',
                                        'report': [{'header': 'Login', 'body': 'ssh acct4@hpc.example.org'}]}]}
    runner, events, stdout = run_role_playbook(tmp_path, 'first', 'provision.yml', injected, declared)
    assert runner.status == 'successful', stdout[-4000:]
    resource = api_get(emulator, 'marketplace-provider-resources/%s/' % ALLOC_4, emulator.TOKENS['staff'])
    assert (resource['state'], resource['backend_id']) == ('OK', 'acct4')
    assert token not in stdout and token not in json.dumps([e.get('stdout', '') for e in events])

    emulator.clear_requests()
    runner, events, stdout = run_role_playbook(tmp_path, 'again', 'provision.yml', injected, declared)
    assert runner.status == 'successful' and writes(emulator.requests) == [], stdout[-4000:]


@pytest.fixture
def tls_emulator():
    emu = Emulator(tls=True)
    emu.start()
    yield emu
    emu.stop()


def test_the_ca_certificate_input_lets_the_team_role_verify_a_private_ca_portal(tls_emulator, tmp_path):
    emu = tls_emulator
    with open(emu.ca_path) as handle:
        ca_pem = handle.read()
    inputs = {'api_url': emu.url, 'api_token': emu.TOKENS['sp-owner']}
    team_json = str(tmp_path / 'team.json')

    # Without the CA the job fails on the certificate, and says so.
    injected = inject(credential_type(), inputs, str(tmp_path / 'job-without-ca'))
    runner, events, stdout = run_role_playbook(tmp_path, 'without-ca', 'team.yml', injected,
                                               {'puhuri_team_json': team_json})
    assert runner.status == 'failed' and any(TLS_FAILURE in msg for msg in failures(events)), stdout[-4000:]

    injected = inject(credential_type(), dict(inputs, ca_cert=ca_pem), str(tmp_path / 'job'))
    bundle = injected['REQUESTS_CA_BUNDLE']
    assert bundle.startswith(str(tmp_path / 'job' / 'env')) and open(bundle).read() == ca_pem
    runner, events, stdout = run_role_playbook(tmp_path, 'with-ca', 'team.yml', injected,
                                               {'puhuri_team_json': team_json})
    assert runner.status == 'successful', stdout[-4000:]
    with open(team_json) as handle:
        team = json.load(handle)
    ok = [r['uuid'] for r in api_get_tls(emu, ca_pem_path=emu.ca_path)]
    assert sorted(a['uuid'] for a in team['allocations']) == sorted(ok) and team['members']


def api_get_tls(emu, ca_pem_path):
    """The provider's OK allocations, read independently over HTTPS."""
    import requests
    response = requests.get(emu.url + 'marketplace-provider-resources/', params={'state': 'OK', 'page_size': 200},
                            headers={'Authorization': 'Token %s' % emu.TOKENS['staff']}, verify=ca_pem_path, timeout=10)
    response.raise_for_status()
    return response.json()
