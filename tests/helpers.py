# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test helpers: lay the collection on a collections path and run real playbooks against the emulator.

Playbooks run through ansible-playbook (as a subprocess, via ansible-runner, which is also how AWX runs them), so
modules are exercised exactly as an operator runs them: no stubs, real HTTP on 127.0.0.1.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import json
import os
import sys
import tempfile
import threading

import requests

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRITE_METHODS = ('POST', 'PUT', 'PATCH', 'DELETE')


def collections_root(base):
    """<base>/ansible_collections/puhuri/core -> the repository, so the source tree runs as puhuri.core."""
    namespace = os.path.join(str(base), 'ansible_collections', 'puhuri')
    os.makedirs(namespace, exist_ok=True)
    link = os.path.join(namespace, 'core')
    try:
        os.symlink(REPO_ROOT, link)
    except FileExistsError:  # another pytest worker laid it already
        pass
    return str(base)


def source_collections_path():
    """A fixed collections path outside the repository whose puhuri/core is this source tree.

    Outside, because a link to the repository inside itself sends linters and copy steps into a loop.
    """
    digest = hashlib.sha1(REPO_ROOT.encode()).hexdigest()[:10]
    return collections_root(os.path.join(tempfile.gettempdir(), 'puhuri-core-src-%s' % digest))


def writes(requests_log):
    """The write calls of an emulator request log."""
    return [r for r in requests_log if r['method'] in WRITE_METHODS]


def api_get(emulator, path, token, params=None):
    """An independent read: plain requests, not the collection's client."""
    response = requests.get(emulator.url + path.lstrip('/'), params=params,
                            headers={'Authorization': 'Token %s' % token}, timeout=10)
    response.raise_for_status()
    return response.json()


def api_count(emulator, path, token, params=None):
    """X-Result-Count of a list, read independently."""
    response = requests.head(emulator.url + path.lstrip('/'), params=params,
                             headers={'Authorization': 'Token %s' % token}, timeout=10)
    response.raise_for_status()
    return int(response.headers['X-Result-Count'])


class PlayResult(object):
    def __init__(self, rc, stdout, events):
        self.rc = rc
        self.stdout = stdout
        self.events = events
        self.results = {}
        for event in events:
            data = event.get('event_data', {})
            if event.get('event') in ('runner_on_ok', 'runner_on_failed', 'runner_on_skipped') and data.get('task'):
                res = dict(data.get('res') or {})
                res.setdefault('failed', event['event'] == 'runner_on_failed')
                self.results[data['task']] = res

    def __getitem__(self, task_name):
        return self.results[task_name]

    def __repr__(self):
        return 'PlayResult(rc=%s)\n%s' % (self.rc, self.stdout[-4000:])


class PlayRunner(object):
    def __init__(self, tmp_path, collections_path):
        self.tmp_path = str(tmp_path)
        self.collections_path = collections_path
        self.count = 0

    def __call__(self, tasks, check=False, diff=False, extravars=None, envvars=None, verbosity=0, play_extra=None,
                 playbook=None):
        """Run a play of `tasks` on localhost (or a given playbook path); return a PlayResult."""
        import ansible_runner  # imported here: only the integration tests need it

        self.count += 1
        data_dir = os.path.join(self.tmp_path, 'run%d' % self.count)
        os.makedirs(os.path.join(data_dir, 'project'))
        if playbook is None:
            play = dict(name='test play', hosts='localhost', gather_facts=False, tasks=tasks)
            play.update(play_extra or {})
            playbook = os.path.join(data_dir, 'project', 'play.yml')
            with open(playbook, 'w') as handle:
                json.dump([play], handle, indent=1)
        cmdline = []
        if check:
            cmdline.append('--check')
        if diff:
            cmdline.append('--diff')
        env = {
            'ANSIBLE_COLLECTIONS_PATH': self.collections_path,
            'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_HOST_KEY_CHECKING': 'false',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_LOCAL_TEMP': os.path.join(data_dir, 'tmp'),
            'ANSIBLE_HOME': os.path.join(data_dir, 'ansible-home'),
            # ansible-core 2.21 leaves the `invocation` key (the module's arguments, no_log values masked) out of
            # results unless asked; earlier versions always add it. Ask, so every version shows it and the tests
            # can check what it reveals (ignored by ansible-core < 2.21).
            'ANSIBLE_INJECT_INVOCATION': 'true',
            'PATH': os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
        }
        env.update(envvars or {})
        result = ansible_runner.run(
            private_data_dir=data_dir,
            playbook=playbook,
            inventory='localhost ansible_connection=local ansible_python_interpreter=%s' % sys.executable,
            extravars=extravars or {},
            cmdline=' '.join(cmdline) or None,
            envvars=env,
            verbosity=verbosity or None,
            quiet=True,
            json_mode=False,
        )
        stdout = result.stdout.read()
        return PlayResult(result.rc, stdout, list(result.events))


class AtOnce(object):
    """How many threads are inside `with at_once:` at the same time; `most` is the highest count seen."""

    def __init__(self):
        self.lock = threading.Lock()
        self.inside = self.most = 0

    def __enter__(self):
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)

    def __exit__(self, *exc_info):
        with self.lock:
            self.inside -= 1
