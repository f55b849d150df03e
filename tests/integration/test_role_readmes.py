# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every role has a README.md (Galaxy refuses a role without one), written from its meta/argument_specs.yml."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

import pytest
import yaml

from helpers import REPO_ROOT

pytestmark = pytest.mark.integration

GENERATOR = os.path.join(REPO_ROOT, 'docs', 'role_readme.py')
ROLES = sorted(os.listdir(os.path.join(REPO_ROOT, 'roles')))


def check(root):
    return subprocess.run([sys.executable, os.path.join(root, 'docs', 'role_readme.py'), '--check'],
                          capture_output=True, text=True, timeout=60, check=False)


def test_every_role_readme_is_what_its_argument_spec_writes():
    result = check(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize('role', ROLES)
def test_the_readme_documents_every_variable_of_the_argument_spec(role):
    with open(os.path.join(REPO_ROOT, 'roles', role, 'meta', 'argument_specs.yml')) as handle:
        options = yaml.safe_load(handle)['argument_specs']['main']['options']
    with open(os.path.join(REPO_ROOT, 'roles', role, 'README.md')) as handle:
        readme = handle.read()
    assert '# Role `puhuri.core.%s`' % role in readme
    assert not [name for name in options if '| `%s` |' % name not in readme]


def test_a_changed_argument_spec_makes_the_check_fail(tmp_path):
    """The consistency check notices a variable added to an argument spec without regenerating the README."""
    for part in ('docs', 'roles'):
        subprocess.run(['cp', '-a', os.path.join(REPO_ROOT, part), str(tmp_path)], check=True)
    spec_path = tmp_path / 'roles' / ROLES[0] / 'meta' / 'argument_specs.yml'
    specs = yaml.safe_load(spec_path.read_text())
    specs['argument_specs']['main']['options']['puhuri_new_variable'] = {'description': 'New.', 'type': 'str'}
    spec_path.write_text(yaml.safe_dump(specs))
    result = check(str(tmp_path))
    assert result.returncode == 1 and 'roles/%s/README.md' % ROLES[0] in result.stdout, result.stdout + result.stderr
