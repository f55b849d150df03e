# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shipped CI pipelines (playbooks/examples/ci): they parse, and the commands their jobs run pass against the emulator.

The commands are read from the GitLab CI file and the GitHub Actions workflow and run exactly as written, with the
job's environment from the file, in a copy of the example repository (inventory + group_vars), against the emulator:
the merge-request plan writes nothing, publishes the plan and a JUnit report; the main branch applies (and a second
apply writes nothing); the monthly job reports usage. Only the setup commands (pip, and ansible-galaxy installing
puhuri.core from Galaxy, which tests cannot reach) are checked, not run: the source tree is put on the collections
path instead.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import yaml

from helpers import REPO_ROOT, api_get, source_collections_path, writes

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CI_DIR = os.path.join(REPO_ROOT, 'playbooks', 'examples', 'ci')
ALLOC_1 = '2f6a8c1e4b7d4e9a8f3c5b1d7e9a0c11'
ALLOC_4 = 'e5fff443d2ec45aa8e7cfed9cc653497'
VM_3 = '9c7a876e120b494b982bb53f15965f38'
REPORT_BODY = 'ssh hpc_alloc4@login.hpc.example.org'
SETUP_COMMANDS = ['python -m pip install --quiet "ansible-core>=2.16" requests',
                  'ansible-galaxy collection install -r requirements.yml']


def load(name):
    with open(os.path.join(CI_DIR, name)) as handle:
        return yaml.safe_load(handle)


@pytest.fixture
def checkout(tmp_path):
    """The operator's repository as a CI job sees it: a fresh copy of the example repository."""
    path = str(tmp_path / 'repo')
    shutil.copytree(CI_DIR, path)
    return path


class Job(object):
    """Runs a CI job's shell lines in the checkout with the environment its CI file gives it."""

    def __init__(self, checkout, emulator, file_env, shell):
        self.checkout = checkout
        self.shell = shell
        self.env = dict(os.environ)
        self.env.update(file_env)
        self.env.update({
            'PUHURI_API_URL': emulator.url,
            'PUHURI_API_TOKEN': emulator.TOKENS['sp-owner'],
            'ANSIBLE_COLLECTIONS_PATH': source_collections_path(),
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_HOME': os.path.join(checkout, '.ansible-home'),
            'ANSIBLE_LOCAL_TEMP': os.path.join(checkout, '.ansible-tmp'),
            'GITHUB_STEP_SUMMARY': os.path.join(checkout, '.step-summary.md'),
            'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
        })

    def __call__(self, script, succeeds=True):
        result = subprocess.run(self.shell + [script], cwd=self.checkout, env=self.env, capture_output=True, text=True,
                                timeout=300, check=False)
        output = (result.stdout + result.stderr)[-6000:]
        assert (result.returncode == 0) == succeeds, 'job exit code %s:\n%s\n%s' % (result.returncode, script, output)
        return result.stdout

    def junit(self):
        """The JUnit reports the job wrote (ansible.builtin.junit), parsed; then removed for the next job."""
        paths = glob.glob(os.path.join(self.checkout, 'junit', '*.xml'))
        reports = []
        for path in paths:
            with open(path) as handle:
                text = handle.read()
            reports.append((text, ET.fromstring(text)))
            os.remove(path)
        return reports


def recap(output):
    """{'ok': n, 'changed': n, 'failed': n, ...} of localhost from the PLAY RECAP."""
    match = re.search(r'^localhost\s+:\s+(.*)$', output, re.M)
    assert match, output[-3000:]
    return {key: int(value) for key, value in re.findall(r'(\w+)=(\d+)', match.group(1))}


def check_junit(reports, secrets):
    assert len(reports) == 1, 'one JUnit report per ansible-playbook run'
    text, tree = reports[0]
    cases = tree.findall('.//testcase')
    assert cases, text[:2000]
    assert not tree.findall('.//failure') and not tree.findall('.//error'), text[:4000]
    assert not [s for s in secrets if s in text], 'a secret is in the JUnit report'
    return cases


def run_pipeline(emulator, checkout, job, plan, apply, usage):
    """The three jobs in a provider's order (merge request, merge, monthly), each checked by an independent read."""
    token = emulator.TOKENS['staff']  # independent reads
    secrets = [emulator.TOKENS['sp-owner'], REPORT_BODY]

    emulator.clear_requests()
    output = job(plan)
    assert writes(emulator.requests) == [], 'the plan wrote to the portal'
    assert recap(output)['changed'] >= 1 and recap(output)['failed'] == 0, output[-3000:]
    with open(os.path.join(checkout, 'plan.txt')) as handle:
        plan_text = handle.read()
    assert 'PLAY RECAP' in plan_text and 'hpc_alloc4' in plan_text, plan_text[-3000:]
    with open(os.path.join(checkout, 'plan.json')) as handle:
        record = json.load(handle)
    assert record['mode'] == 'check' and ALLOC_4 in [entry['uuid'] for entry in record['allocations']], record
    assert not [s for s in secrets if s in plan_text + output + json.dumps(record)], 'a secret is in the published plan'
    check_junit(job.junit(), secrets)
    assert api_get(emulator, 'marketplace-provider-resources/%s/' % ALLOC_4, token)['state'] == 'Creating'

    emulator.clear_requests()
    output = job(apply)
    assert recap(output)['changed'] >= 1 and writes(emulator.requests), output[-3000:]
    check_junit(job.junit(), secrets)
    alloc_4 = api_get(emulator, 'marketplace-provider-resources/%s/' % ALLOC_4, token)
    assert (alloc_4['state'], alloc_4['backend_id']) == ('OK', 'hpc_alloc4')
    assert api_get(emulator, 'marketplace-provider-resources/%s/' % ALLOC_1, token)['backend_id'] == 'hpc_alloc1'
    orders = api_get(emulator, 'marketplace-orders/', token, {'resource_uuid': VM_3})
    assert [o['state'] for o in orders] == ['rejected'], orders

    emulator.clear_requests()
    output = job(apply)
    assert writes(emulator.requests) == [] and recap(output)['changed'] == 0, 'a second apply changed something'
    job.junit()

    emulator.clear_requests()
    output = job(usage)
    sent = [r for r in writes(emulator.requests) if r['path'].endswith('/set_usage/')]
    assert len(sent) == 2, [r['path'] for r in writes(emulator.requests)]
    check_junit(job.junit(), secrets)
    for uuid, expected in [(ALLOC_1, {'cpu_k_hours': 12.5, 'gb_k_hours': 3.0}), (ALLOC_4, {'cpu_k_hours': 4.0})]:
        usages = api_get(emulator, 'marketplace-component-usages/', token, {'resource_uuid': uuid})
        assert {u['type']: float(u['usage']) for u in usages} == expected, usages

    emulator.clear_requests()
    output = job(usage)
    assert writes(emulator.requests) == [] and recap(output)['changed'] == 0, 'a second usage report changed something'


# --- GitLab CI ---------------------------------------------------------------------------------------------------------

def gitlab_jobs():
    ci = load('gitlab-ci.yml')
    return ci, {name: job for name, job in ci.items() if isinstance(job, dict) and 'script' in job}


def test_the_gitlab_file_has_a_plan_an_apply_and_a_monthly_job_on_stock_images():
    ci, jobs = gitlab_jobs()
    assert set(jobs) == {'plan', 'apply', 'usage'}
    assert ci['default']['image'].startswith('python:') and ci['default']['before_script'] == SETUP_COMMANDS
    rules = {name: ' '.join(rule['if'] for rule in job['rules']) for name, job in jobs.items()}
    assert 'merge_request_event' in rules['plan'] and '$CI_DEFAULT_BRANCH' in rules['apply']
    assert 'schedule' in rules['usage']
    assert '--check --diff' in ' '.join(jobs['plan']['script']) and 'plan.txt' in jobs['plan']['artifacts']['paths']
    assert all(job['artifacts']['reports']['junit'] == 'junit/*.xml' for job in jobs.values())
    assert ci['variables']['ANSIBLE_CALLBACKS_ENABLED'] == 'ansible.builtin.junit'


def test_the_gitlab_jobs_commands_plan_apply_and_report_against_the_emulator(emulator, checkout):
    ci, jobs = gitlab_jobs()
    # GitLab's shell executor runs a job's lines in one bash with errexit.
    job = Job(checkout, emulator, {k: str(v) for k, v in ci['variables'].items()}, ['bash', '-e', '-c'])
    script = {name: '\n'.join(job_spec['script']) for name, job_spec in jobs.items()}
    run_pipeline(emulator, checkout, job, script['plan'], script['apply'], script['usage'])


def test_a_failing_plan_fails_the_job_and_is_a_junit_failure_naming_the_call(emulator, checkout):
    """`| tee plan.txt` keeps ansible-playbook's failure (pipefail), and the JUnit report shows what failed."""
    ci, jobs = gitlab_jobs()
    job = Job(checkout, emulator, {k: str(v) for k, v in ci['variables'].items()}, ['bash', '-e', '-c'])
    wrong_token = 'f' * 40
    job.env['PUHURI_API_TOKEN'] = wrong_token
    job('\n'.join(jobs['plan']['script']), succeeds=False)
    (text, tree), = job.junit()
    # ansible-core 2.19 reports a failed module as <error>, other failed tasks as <failure>.
    messages = [problem.get('message') for problem in tree.findall('.//failure') + tree.findall('.//error')]
    assert any('HTTP 401' in message and '/api/marketplace-provider-resources/' in message for message in messages), \
        text[-4000:]
    assert wrong_token not in text and writes(emulator.requests) == []


# --- GitHub Actions ----------------------------------------------------------------------------------------------------

GITHUB_EXPRESSION = re.compile(r'\$\{\{\s*(vars|secrets)\.(\w+)\s*\}\}')


def github_steps():
    workflow = load('github-workflow.yml')
    steps = workflow['jobs']['puhuri']['steps']
    return workflow, {step['name']: step for step in steps if 'name' in step}, steps


def test_the_github_workflow_runs_plan_apply_and_usage_on_the_right_events_with_stock_actions():
    workflow, named, steps = github_steps()
    assert set(workflow['on']) >= {'pull_request', 'push', 'schedule'}
    assert workflow['on']['push']['branches'] == ['main'] and workflow['on']['schedule'][0]['cron'].split()[2] != '*'
    assert all(step['uses'].startswith('actions/') for step in steps if 'uses' in step)
    assert named['Install']['run'].strip().splitlines() == SETUP_COMMANDS
    assert "'pull_request'" in named['Plan']['if'] and '--check --diff' in named['Plan']['run']
    assert "'push'" in named['Apply']['if'] and "'schedule'" in named['Report usage']['if']
    assert workflow['defaults']['run']['shell'] == 'bash'  # bash -eo pipefail: `| tee` keeps a failure
    assert workflow['permissions'] == {'contents': 'read'}


def test_the_github_steps_commands_plan_apply_and_report_against_the_emulator(emulator, checkout):
    workflow, named = github_steps()[:2]
    env = {}
    for key, value in workflow['env'].items():
        # vars.* / secrets.* come from the repository settings: here, the emulator (set by Job).
        if not GITHUB_EXPRESSION.fullmatch(str(value)):
            env[key] = str(value)
    # `shell: bash` is `bash --noprofile --norc -eo pipefail {0}` on GitHub's runners.
    job = Job(checkout, emulator, env, ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c'])
    run_pipeline(emulator, checkout, job, named['Plan']['run'], named['Apply']['run'], named['Report usage']['run'])
    with open(job.env['GITHUB_STEP_SUMMARY']) as handle:
        summary = handle.read()
    assert summary.startswith('### puhuri.core.provision: plan (check mode)\n') and '`%s`' % ALLOC_4 in summary, summary[:2000]
    assert emulator.TOKENS['sp-owner'] not in summary and REPORT_BODY not in summary


def test_the_example_repository_declares_what_the_jobs_read():
    with open(os.path.join(CI_DIR, 'requirements.yml')) as handle:
        assert [c['name'] for c in yaml.safe_load(handle)['collections']] == ['puhuri.core']
    hosts = load(os.path.join('inventory', 'hosts.yml'))['all']['hosts']
    assert hosts['localhost']['ansible_connection'] == 'local'
    declared = load(os.path.join('inventory', 'group_vars', 'all', 'allocations.yml'))['puhuri_allocations']
    assert {item['uuid'] for item in declared} == {ALLOC_1, ALLOC_4, VM_3}
    assert 'PUHURI_API_TOKEN' not in json.dumps(load(os.path.join('inventory', 'group_vars', 'all', 'puhuri.yml')))
