# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""antsibull-changelog: the fragments lint, and a release made from them (in a copy of the tree) succeeds.

changelogs/changelog.yaml holds the releases, changelogs/fragments/ the changes since; CHANGELOG.rst is generated from
the yaml and must agree with it. Release procedure (README "Release"): `antsibull-changelog release --version
<galaxy.yml version>` moves the fragments into changelogs/changelog.yaml and regenerates CHANGELOG.rst (run again for
the same version, it adds fragments merged since); commit both, then `ansible-galaxy collection build`.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from helpers import REPO_ROOT
from plugin_docs import PLUGIN_TYPES, module_names, plugins_of, roles_with_argument_specs

pytestmark = pytest.mark.integration

CHANGELOGS = os.path.join(REPO_ROOT, 'changelogs')
COPY_IGNORE = shutil.ignore_patterns('.git', '.venv', 'venv', '.tox', '.pytest_cache', '.ansible', '__pycache__',
                                     'build', 'output', '*.tar.gz', '.plugin-cache.yaml')


def antsibull_changelog(*args, **kwargs):
    command = [os.path.join(os.path.dirname(sys.executable), 'antsibull-changelog')] + list(args)
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false')
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, env=env,
                          cwd=kwargs.get('cwd', REPO_ROOT))


def galaxy():
    with open(os.path.join(REPO_ROOT, 'galaxy.yml')) as handle:
        return yaml.safe_load(handle)


def fragments():
    names = sorted(os.listdir(os.path.join(CHANGELOGS, 'fragments')))
    return [n for n in names if n not in ('.keep', '.gitkeep')]


def words(text):
    """Text with RST markup and white space normalized, for comparing a fragment entry with the rendered changelog."""
    return re.sub(r'\s+', ' ', text).strip()


@pytest.fixture(scope='module')
def released(tmp_path_factory):
    """A copy of the tree laid out as ansible_collections/puhuri/core, after `antsibull-changelog release`."""
    base = tmp_path_factory.mktemp('changelog-release')
    copy = os.path.join(str(base), 'ansible_collections', 'puhuri', 'core')
    shutil.copytree(REPO_ROOT, copy, ignore=COPY_IGNORE, symlinks=True)
    result = antsibull_changelog('release', '--version', str(galaxy()['version']), '--date', '2026-12-01', cwd=copy)
    return copy, result


def test_fragments_and_changelog_yaml_lint_clean():
    result = antsibull_changelog('lint')
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
    result = antsibull_changelog('lint-changelog-yaml', os.path.join(CHANGELOGS, 'changelog.yaml'))
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_every_fragment_is_a_yaml_file_antsibull_changelog_reads():
    # config.yaml has ignore_other_fragment_extensions: true, so a fragment named *.md would be dropped silently.
    odd = [name for name in fragments() if not name.endswith(('.yml', '.yaml'))]
    assert not odd, 'changelogs/fragments/ must hold only .yml/.yaml fragments: %s' % odd


def test_a_fragment_lint_failure_is_noticed(tmp_path):
    bad = tmp_path / 'bad.yml'
    bad.write_text('minor_changes: [1, 2]\nnot_a_section:\n  - x\n')
    result = antsibull_changelog('lint', str(bad))
    assert result.returncode != 0 or result.stdout.strip()


def test_the_config_writes_an_rst_changelog_for_the_collection():
    with open(os.path.join(CHANGELOGS, 'config.yaml')) as handle:
        config = yaml.safe_load(handle)
    assert config['output'] == [{'file': 'CHANGELOG.rst', 'format': 'rst'}]
    assert config['notesdir'] == 'fragments' and config['changes_file'] == 'changelog.yaml'
    assert os.path.isfile(os.path.join(REPO_ROOT, 'CHANGELOG.rst'))


def test_a_release_from_the_fragments_succeeds_and_lists_every_change(released):
    copy, result = released
    assert result.returncode == 0, result.stdout + result.stderr
    with open(os.path.join(copy, 'CHANGELOG.rst')) as handle:
        rendered = words(handle.read())
    version = str(galaxy()['version'])
    assert 'v%s' % version in rendered
    missing = []
    for name in fragments():
        with open(os.path.join(CHANGELOGS, 'fragments', name)) as handle:
            fragment = yaml.safe_load(handle)
        for section, entries in fragment.items():
            if section == 'trivial':
                continue
            for entry in entries if isinstance(entries, list) else [entries]:
                if words(entry)[:60] not in rendered:
                    missing.append('fragment %s (%s)' % (name, section))
    # New modules, plugins and roles are listed from their version_added (for a role: on its main entry point in
    # meta/argument_specs.yml), so none may lack it.
    for kind, names in [('module', module_names()), ('role', roles_with_argument_specs())] + \
            [('%s plugin' % t, plugins_of(t)) for t in PLUGIN_TYPES]:
        missing.extend('new %s %s (does it have version_added: %s?)' % (kind, name, version)
                       for name in names if 'puhuri.core.%s - ' % name not in rendered)
    assert not missing, 'missing from the release notes: %s' % '; '.join(missing)


def test_the_release_keeps_changelog_yaml_valid(released):
    copy, result = released
    assert result.returncode == 0, result.stdout + result.stderr
    check = antsibull_changelog('lint-changelog-yaml', os.path.join(copy, 'changelogs', 'changelog.yaml'))
    assert check.returncode == 0 and not check.stdout.strip(), check.stdout + check.stderr


def version_key(version):
    return tuple(int(part) for part in re.findall(r'\d+', str(version))[:3])


def test_changelog_yaml_records_the_release_galaxy_yml_builds_or_an_earlier_one():
    with open(os.path.join(CHANGELOGS, 'changelog.yaml')) as handle:
        releases = yaml.safe_load(handle).get('releases') or {}
    assert releases, 'changelogs/changelog.yaml has no release: run antsibull-changelog release --version <version>'
    latest = max(releases, key=version_key)
    assert version_key(latest) <= version_key(galaxy()['version']), (latest, galaxy()['version'])


def test_changelog_rst_is_exactly_what_changelog_yaml_generates(tmp_path):
    """CHANGELOG.rst and changelogs/changelog.yaml agree: the rst is what `antsibull-changelog generate` writes."""
    with open(os.path.join(REPO_ROOT, 'CHANGELOG.rst')) as handle:
        committed = handle.read()
    copy = os.path.join(str(tmp_path), 'ansible_collections', 'puhuri', 'core')
    shutil.copytree(REPO_ROOT, copy, ignore=COPY_IGNORE, symlinks=True)
    result = antsibull_changelog('generate', cwd=copy)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(os.path.join(copy, 'CHANGELOG.rst')) as handle:
        assert handle.read() == committed, 'CHANGELOG.rst is stale: run antsibull-changelog generate'


def test_a_changelog_rst_edited_by_hand_is_noticed(tmp_path):
    copy = os.path.join(str(tmp_path), 'ansible_collections', 'puhuri', 'core')
    shutil.copytree(REPO_ROOT, copy, ignore=COPY_IGNORE, symlinks=True)
    with open(os.path.join(copy, 'CHANGELOG.rst'), 'a') as handle:
        handle.write('- a line nobody generated\n')
    with open(os.path.join(copy, 'CHANGELOG.rst')) as handle:
        edited = handle.read()
    antsibull_changelog('generate', cwd=copy)
    with open(os.path.join(copy, 'CHANGELOG.rst')) as handle:
        assert handle.read() != edited
