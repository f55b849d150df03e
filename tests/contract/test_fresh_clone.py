# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The contract tests pass in a plain clone of the repository, with no `shared/` beside it (issue 11, item 7).

The committed HEAD is cloned into an empty temporary folder and `pytest tests/contract` runs there. A test that
read the project workspace's `../shared/api/` (as the contract tests once did) fails here with FileNotFoundError.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import re
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INSIDE_CLONE = 'PUHURI_FRESH_CLONE_RUN'  # set for the inner run, so the clone does not clone itself again

pytestmark = [pytest.mark.contract, pytest.mark.slow]


def git(*args, **kwargs):
    return subprocess.run(('git',) + args, check=True, capture_output=True, text=True, timeout=120, **kwargs).stdout.strip()


@pytest.mark.skipif(bool(os.environ.get(INSIDE_CLONE)), reason='this is the inner run inside the fresh clone')
def test_contract_tests_pass_in_a_fresh_clone(tmp_path):
    try:
        head = git('-C', REPO_ROOT, 'rev-parse', 'HEAD')
    except (OSError, subprocess.CalledProcessError):
        pytest.skip('%s is not a git checkout' % REPO_ROOT)
    clone = tmp_path / 'puhuri-core'
    git('clone', '--quiet', '--no-checkout', REPO_ROOT, str(clone))
    git('-C', str(clone), 'checkout', '--quiet', '--detach', head)
    assert not (tmp_path / 'shared').exists()
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('PUHURI_', 'PYTEST_')) and k != 'PYTHONPATH')
    env[INSIDE_CLONE] = '1'
    result = subprocess.run([sys.executable, '-m', 'pytest', '-p', 'no:xdist', '-p', 'no:cacheprovider', '-q', 'tests/contract'],
                            cwd=str(clone), env=env, capture_output=True, text=True, timeout=600, check=False)
    summary = result.stdout.strip().splitlines()[-1:] or ['(no output)']
    assert result.returncode == 0, 'pytest tests/contract in a fresh clone of %s failed:\n%s\n%s' % (
        head, result.stdout[-4000:], result.stderr[-2000:])
    assert re.search(r'\b\d+ passed', summary[0]) and not re.search(r'\b\d+ (failed|error)', summary[0]), summary
