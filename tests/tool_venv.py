# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A tool whose pinned dependencies conflict with requirements-dev.txt, in its own virtual environment.

The venv is made once per requirements file content (and Python version) under $PUHURI_TOOL_CACHE (default
~/.cache/puhuri-core) and reused after that; a half-made one (an interrupted install) is never used.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys

from helpers import REPO_ROOT


def cache_root():
    return os.environ.get('PUHURI_TOOL_CACHE') or os.path.join(os.path.expanduser('~'), '.cache', 'puhuri-core')


def tool_venv(requirements, timeout=900):
    """The bin/ directory of a venv with `requirements` (a path relative to the repo) installed."""
    path = os.path.join(REPO_ROOT, requirements)
    with open(path, 'rb') as handle:
        digest = hashlib.sha256(handle.read() + sys.version.encode()).hexdigest()[:16]
    name = os.path.splitext(os.path.basename(path))[0]
    venv = os.path.join(cache_root(), '%s-%s' % (name, digest))
    done = os.path.join(venv, '.installed')
    os.makedirs(cache_root(), exist_ok=True)
    with open(os.path.join(cache_root(), name + '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one install at a time, also across pytest workers
        if not os.path.isfile(done):
            shutil.rmtree(venv, ignore_errors=True)
            for command in ([sys.executable, '-m', 'venv', venv],
                            [os.path.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '--quiet',
                             '--disable-pip-version-check', '-r', path]):
                result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False,
                                        env=dict(os.environ, PIP_PROGRESS_BAR='off'))
                if result.returncode != 0:
                    raise RuntimeError('making the %s venv failed: %s\n%s' % (name, ' '.join(command),
                                                                              (result.stdout + result.stderr)[-4000:]))
            with open(done, 'w') as handle:
                handle.write(requirements + '\n')
    return os.path.join(venv, 'bin')
