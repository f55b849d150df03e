# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release tarball: built from the work tree, clean, installable, and usable with nothing else on the path.

Galaxy and Automation Hub run galaxy-importer on every upload: it must accept the tarball without an error or a
warning (ansible-lint on; ansible-test off, as it needs a container runtime).

Also the execution environment: `ansible-builder create` on a definition that installs the tarball, then the build's
galaxy and introspection stages replayed locally (no container engine needed), which must yield `requests`.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

from helpers import REPO_ROOT, PlayRunner
from tool_venv import tool_venv

pytestmark = pytest.mark.integration

FORBIDDEN = ['__pycache__', '.venv', 'venv', '.pytest_cache', '.ansible', '.tox', 'tests/output', 'build', '.git',
             '.plugin-cache.yaml']
FORBIDDEN_FILES = ['*.tar.gz', '*.pyc', '*.retry']
PROVIDER = '9fc511a42dda5ab5beae89e750ad1483'


def tool(name):
    return os.path.join(os.path.dirname(sys.executable), name)


def run(command, cwd=None, env=None, timeout=60):
    full_env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false')
    full_env.update(env or {})
    return subprocess.run(command, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout, check=False)


def galaxy():
    with open(os.path.join(REPO_ROOT, 'galaxy.yml')) as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp('dist')
    result = run([tool('ansible-galaxy'), 'collection', 'build', '--output-path', str(out), REPO_ROOT])
    assert result.returncode == 0, result.stdout + result.stderr
    meta = galaxy()
    path = os.path.join(str(out), '%s-%s-%s.tar.gz' % (meta['namespace'], meta['name'], meta['version']))
    assert os.path.isfile(path), result.stdout
    return path


@pytest.fixture(scope='module')
def installed(tarball, tmp_path_factory):
    """The tarball installed with ansible-galaxy into an empty collections path."""
    path = str(tmp_path_factory.mktemp('installed'))
    result = run([tool('ansible-galaxy'), 'collection', 'install', tarball, '-p', path],
                 env={'ANSIBLE_HOME': os.path.join(path, '.ansible-home')})
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def members(tarball):
    with tarfile.open(tarball) as archive:
        return [m.name.lstrip('./') for m in archive.getmembers()]


def test_the_tarball_holds_no_caches_venvs_or_build_output(tarball):
    names = members(tarball)
    bad = []
    for name in names:
        parts = name.split('/')
        if any(part in FORBIDDEN for part in parts) or any(name.startswith(p + '/') or name == p for p in FORBIDDEN):
            bad.append(name)
        elif any(fnmatch.fnmatch(parts[-1], pattern) for pattern in FORBIDDEN_FILES):
            bad.append(name)
    assert not bad, 'build_ignore in galaxy.yml lets these into the tarball: %s' % bad[:20]


def test_the_tarball_holds_what_an_operator_needs(tarball):
    names = set(members(tarball))
    for required in ['MANIFEST.json', 'FILES.json', 'README.md', 'COPYING', 'meta/runtime.yml', 'meta/execution-environment.yml',
                     'requirements.txt', 'CHANGELOG.rst', 'changelogs/changelog.yaml', 'changelogs/config.yaml',
                     'plugins/modules/puhuri_resource_info.py', 'plugins/doc_fragments/connection.py',
                     'docs/docsite/links.yml', 'docs/docsite/extra-docs.yml', 'CONTRIBUTING.md',
                     'meta/awx_credential_type.yml', 'playbooks/examples/ci/gitlab-ci.yml',
                     'playbooks/examples/ci/github-workflow.yml', 'playbooks/examples/ci/README.md'] + \
            ['roles/%s/README.md' % role for role in os.listdir(os.path.join(REPO_ROOT, 'roles'))]:
        assert required in names, '%s is missing from the tarball' % required
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile('MANIFEST.json'))['collection_info']
    meta = galaxy()
    assert (manifest['namespace'], manifest['name'], manifest['version']) == (meta['namespace'], meta['name'], meta['version'])
    assert manifest['license'] == ['GPL-3.0-or-later']


def test_the_installed_collection_verifies_against_its_manifest(installed):
    result = run([tool('ansible-galaxy'), 'collection', 'verify', '--offline', 'puhuri.core', '-p', installed],
                 env={'ANSIBLE_COLLECTIONS_PATH': installed, 'ANSIBLE_HOME': os.path.join(installed, '.ansible-home')})
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Successfully verified' in result.stdout or 'verified' in result.stdout.lower(), result.stdout


def test_a_playbook_runs_from_the_installed_tarball_alone(installed, emulator, tmp_path):
    """ANSIBLE_COLLECTIONS_PATH is only the install path: the source tree is nowhere on it."""
    collection_dir = os.path.join(installed, 'ansible_collections', 'puhuri', 'core')
    assert os.path.isdir(collection_dir) and not os.path.islink(collection_dir)
    play = PlayRunner(tmp_path, installed)
    tasks = [
        {'name': 'list', 'puhuri.core.puhuri_resource_info': {'provider_uuid': PROVIDER, 'state': ['creating'],
                                                              'fields': ['uuid', 'name', 'state']}},
        {'name': 'one', 'puhuri.core.puhuri_resource_info': {'uuid': 'd1ef749f4116433ba14ff9268c6382cf'}},
    ]
    env = {'PUHURI_API_URL': emulator.url, 'PUHURI_API_TOKEN': emulator.TOKENS['sp-owner']}
    result = play(tasks, envvars=env, play_extra={'module_defaults': {'group/puhuri.core.puhuri': {'timeout': 20}}})
    assert result.rc == 0, result
    assert result['list']['count'] == 4 and {r['state'] for r in result['list']['resources']} == {'Creating'}
    assert result['one']['resources'][0]['name'] == 'alloc-2'
    ok_events = [e for e in result.events if e.get('event') == 'runner_on_ok']
    assert {e['event_data'].get('resolved_action') for e in ok_events} == {'puhuri.core.puhuri_resource_info'}


# --- galaxy-importer ---------------------------------------------------------------------------------------------------

def galaxy_import(tarball, workdir, lint=True):
    """Run galaxy-importer (its own venv) on a tarball as Galaxy does; return (exit code, log lines, result)."""
    bindir = tool_venv('tests/requirements-galaxy-importer.txt')
    workdir = str(workdir)
    env = {
        # The importer runs ansible-doc and ansible-lint from PATH and only warns when they are missing.
        'PATH': bindir + os.pathsep + os.environ.get('PATH', ''),
        'GALAXY_IMPORTER_RUN_ANSIBLE_LINT': str(lint),
        'GALAXY_IMPORTER_RUN_ANSIBLE_TEST': 'False',
        'GALAXY_IMPORTER_CHECK_CHANGELOG': 'True',
        'GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP': os.path.join(workdir, 'ansible-tmp'),
        'GALAXY_IMPORTER_TMP_ROOT_DIR': workdir,
        'HOME': workdir,
    }
    result = run([os.path.join(bindir, 'python'), '-m', 'galaxy_importer.main', tarball], cwd=workdir, env=env,
                 timeout=400)
    lines = (result.stdout + result.stderr).splitlines()
    path = os.path.join(workdir, 'importer_result.json')
    data = None
    if os.path.isfile(path):
        with open(path) as handle:
            data = json.load(handle)
    return result.returncode, lines, data


def problems(lines):
    """The importer's warnings and errors (it logs them as `WARNING: ...` / `ERROR: ...`), and any traceback."""
    return [line for line in lines if line.startswith(('WARNING', 'ERROR', 'CRITICAL', 'Traceback'))]


def test_galaxy_importer_accepts_the_tarball_without_an_error_or_a_warning(tarball, tmp_path):
    rc, lines, data = galaxy_import(tarball, tmp_path)
    assert rc == 0 and not problems(lines), '\n'.join(lines[-80:])
    assert 'Importer processing completed successfully' in lines, '\n'.join(lines[-80:])
    # ansible-lint really ran (a missing ansible-lint is only a warning, caught above).
    assert any(line.startswith('...ansible-lint run complete') for line in lines), lines
    meta = galaxy()
    assert (data['metadata']['namespace'], data['metadata']['name']) == (meta['namespace'], meta['name'])
    contents = {(c['content_type'], c['content_name']): c for c in data['docs_blob']['contents']}
    roles = sorted(name for kind, name in contents if kind == 'role')
    assert roles == sorted(os.listdir(os.path.join(REPO_ROOT, 'roles')))
    assert all(contents[('role', name)]['readme_html'] for name in roles), 'a role README did not render'
    modules = [c for c in data['docs_blob']['contents'] if c['content_type'] == 'module']
    assert modules and all(c['doc_strings'] for c in modules), 'ansible-doc did not document every module'


def test_galaxy_importer_rejects_a_collection_with_a_role_without_readme(tmp_path):
    """The failure galaxy-importer reported before the roles had READMEs is one this test suite notices."""
    copy = os.path.join(str(tmp_path), 'tree')
    shutil.copytree(REPO_ROOT, copy, ignore=shutil.ignore_patterns('.git', '.venv', '.pytest_cache', '__pycache__',
                                                                   'build', 'output', '*.tar.gz'))
    os.remove(os.path.join(copy, 'roles', 'team', 'README.md'))
    out = tmp_path / 'dist'
    result = run([tool('ansible-galaxy'), 'collection', 'build', '--output-path', str(out), copy])
    assert result.returncode == 0, result.stdout + result.stderr
    work = tmp_path / 'import'
    work.mkdir()
    rc, lines, data = galaxy_import(str(next(out.iterdir())), work, lint=False)
    assert rc != 0 or problems(lines), lines
    assert any('No role readme found' in line for line in lines), lines


# --- execution environment (ansible-builder) -------------------------------------------------------------------------

EE_DEFINITION = {
    'version': 3,
    'images': {'base_image': {'name': 'ghcr.io/ansible-community/community-ee-minimal:latest'}},
    'dependencies': {'galaxy': {'collections': [{'name': 'collections/TARBALL', 'type': 'file'}]}},
    'additional_build_files': [{'src': 'TARBALL', 'dest': 'collections'}],
}


@pytest.fixture(scope='module')
def ee_context(tarball, tmp_path_factory):
    """`ansible-builder create` for an execution environment holding the release tarball."""
    base = str(tmp_path_factory.mktemp('ee'))
    name = os.path.basename(tarball)
    definition = json.loads(json.dumps(EE_DEFINITION).replace('TARBALL', name))
    os.symlink(tarball, os.path.join(base, name))
    with open(os.path.join(base, 'execution-environment.yml'), 'w') as handle:
        yaml.safe_dump(definition, handle)
    context = os.path.join(base, 'context')
    result = run([tool('ansible-builder'), 'create', '-f', 'execution-environment.yml', '-c', context,
                  '--output-filename', 'Containerfile'], cwd=base)
    assert result.returncode == 0, result.stdout + result.stderr
    return context


def test_ansible_builder_writes_a_context_that_installs_the_collection(ee_context, tarball):
    with open(os.path.join(ee_context, 'Containerfile')) as handle:
        containerfile = handle.read()
    assert 'ansible-galaxy collection install' in containerfile and 'introspect' in containerfile
    build = os.path.join(ee_context, '_build')
    assert os.path.isfile(os.path.join(build, 'collections', os.path.basename(tarball)))
    with open(os.path.join(build, 'requirements.yml')) as handle:
        assert yaml.safe_load(handle)['collections'] == [{'name': 'collections/' + os.path.basename(tarball), 'type': 'file'}]


def test_the_image_build_would_install_requests_for_the_collection(ee_context, tmp_path):
    """Replay the Containerfile's galaxy stage (install requirements.yml from /build) and builder stage (introspect)."""
    build = os.path.join(ee_context, '_build')
    collections = str(tmp_path / 'usr-share-ansible-collections')
    result = run([tool('ansible-galaxy'), 'collection', 'install', '-r', 'requirements.yml', '--collections-path', collections],
                 cwd=build, env={'ANSIBLE_HOME': str(tmp_path / 'ansible-home'), 'ANSIBLE_GALAXY_DISABLE_GPG_VERIFY': '1'})
    assert result.returncode == 0, result.stdout + result.stderr
    pip_file = str(tmp_path / 'requirements.txt')
    result = run([sys.executable, os.path.join(build, 'scripts', 'introspect.py'), 'introspect',
                  '--write-pip', pip_file, '--write-bindep', str(tmp_path / 'bindep.txt'), collections])
    assert result.returncode == 0, result.stdout + result.stderr
    with open(pip_file) as handle:
        requirements = [line.strip() for line in handle if line.strip() and not line.startswith('#')]
    assert any(line.startswith('requests') and 'puhuri.core' in line for line in requirements), requirements


def test_the_collection_declares_its_python_requirements_for_ansible_builder():
    with open(os.path.join(REPO_ROOT, 'meta', 'execution-environment.yml')) as handle:
        ee = yaml.safe_load(handle)
    assert ee['version'] == 1
    with open(os.path.join(REPO_ROOT, ee['dependencies']['python'])) as handle:
        assert any(line.strip().startswith('requests') for line in handle)
