# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/build.sh builds the HTML docs site from the collection's own documentation, offline and without warnings."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import subprocess
import sys

import pytest

from helpers import REPO_ROOT
from plugin_docs import module_names

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_the_docs_site_builds_with_a_page_per_module(tmp_path):
    dest = tmp_path / 'site'
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''),
               TMPDIR=str(tmp_path))
    env.pop('PUHURI_DOCS_INTERSPHINX', None)
    result = subprocess.run(['bash', os.path.join(REPO_ROOT, 'docs', 'build.sh'), str(dest)], env=env,
                            capture_output=True, text=True, timeout=110, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert 'WARNING' not in output and 'ERROR' not in output, output[-6000:]
    index = (dest / 'index.html').read_text()
    for module in module_names():
        page = '%s_module.html' % module
        assert (dest / page).is_file(), '%s is missing from the docs site' % page
        assert 'href="%s"' % page in index
    assert 'puhuri.core.puhuri_resource_info' in (dest / 'puhuri_resource_info_module.html').read_text()
    assert (dest / 'docsite' / 'guide_getting_started.html').is_file()
    # The lifecycle page shows the state diagram drawn at build time from docs/docsite/lifecycle.dot.
    lifecycle = (dest / 'docsite' / 'guide_lifecycle.html').read_text()
    assert 'src="../_images/lifecycle.svg"' in lifecycle
    svg = (dest / '_images' / 'lifecycle.svg').read_text()
    assert svg.lstrip().startswith('<?xml') and '<svg' in svg
    for state in ('Creating', 'OK', 'Erred', 'Updating', 'Terminating', 'Terminated',
                  'pending&#45;provider', 'executing', 'done', 'erred', 'rejected'):
        assert '>%s</text>' % state in svg, state
    for action in ('approve_by_provider', 'reject_by_provider', 'set_state_done', 'set_state_erred', 'set_as_erred'):
        assert action in svg, action
