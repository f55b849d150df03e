# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`molecule test` of extensions/molecule/default: the roles converge against the emulator, idempotently, and verify.

This is how tests/run-all (and so .ci/run) runs molecule.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import subprocess
import sys

import pytest

from helpers import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_molecule_default_scenario_converges_is_idempotent_and_verifies(tmp_path, collections_path):
    env = dict(os.environ)
    for name in ('PUHURI_API_URL', 'PUHURI_API_TOKEN', 'WALDUR_API_URL', 'WALDUR_API_TOKEN'):
        env.pop(name, None)
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': collections_path,
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_HOME': str(tmp_path / 'ansible-home'),
        'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
        'ANSIBLE_NOCOLOR': '1',
        'NO_COLOR': '1',
        'PATH': os.path.dirname(sys.executable) + os.pathsep + env.get('PATH', ''),
    })
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'molecule'), 'test', '-s', 'default'],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    for step in ('create', 'converge', 'idempotence', 'verify', 'destroy'):
        assert re.search(r'%s: Executed: Successful' % step, output), '%s did not succeed:\n%s' % (step, output[-8000:])
