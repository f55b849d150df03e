# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The support matrix (tests/matrix.py): what it claims matches meta/runtime.yml, and a missing Python fails a cell."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import stat

import pytest
import yaml

import matrix
from helpers import REPO_ROOT

pytestmark = pytest.mark.unit


def minor(version):
    return tuple(int(part) for part in version.split('.'))


def test_requires_ansible_is_exactly_the_tested_range():
    cores = sorted((core for core, _python, _scope in matrix.CELLS), key=minor)
    first, last = minor(cores[0]), minor(cores[-1])
    # No gap: every minor release between the oldest and the newest is a cell.
    assert [minor(core) for core in cores] == [(first[0], n) for n in range(first[1], last[1] + 1)]
    with open(os.path.join(REPO_ROOT, 'meta', 'runtime.yml')) as handle:
        requires = yaml.safe_load(handle)['requires_ansible']
    assert requires == '>=%d.%d.0,<%d.%d.0' % (first + (last[0], last[1] + 1))


def test_oldest_and_newest_run_the_full_suite_the_others_the_integration_tests():
    cores = sorted(matrix.CELLS, key=lambda cell: minor(cell[0]))
    assert [scope for _core, _python, scope in cores] == ['full'] + ['integration'] * (len(cores) - 2) + ['full']


def test_a_cell_pins_its_ansible_core_and_keeps_the_companions(tmp_path):
    cell = matrix.Cell('2.16', '3.11', 'integration', str(tmp_path))
    lines = matrix.requirements_for(cell).splitlines()
    assert [line for line in lines if line.startswith('ansible-core')] == ['ansible-core==2.16.*']
    assert {'pytest>=8', 'pytest-xdist', 'ansible-runner'} <= set(lines)


def fake_python(path, version, works=True):
    """An executable that answers the interpreter probe with `version`, or fails like a pyenv shim of an inactive one."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as handle:
        handle.write('#!/bin/sh\n' + ('echo %s\n' % version if works else 'echo "pyenv: not active" >&2; exit 127\n'))
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR)
    return path


def test_a_pyenv_python_is_found_when_its_shim_on_path_does_not_run(tmp_path, monkeypatch):
    shims = tmp_path / 'shims'
    fake_python(str(shims / 'python3.12'), '3.12', works=False)
    fake_python(str(tmp_path / 'pyenv' / 'versions' / '3.12.1' / 'bin' / 'python3.12'), '3.12')
    newest = fake_python(str(tmp_path / 'pyenv' / 'versions' / '3.12.10' / 'bin' / 'python3.12'), '3.12')
    monkeypatch.setenv('PATH', str(shims))
    monkeypatch.setenv('PYENV_ROOT', str(tmp_path / 'pyenv'))
    monkeypatch.delenv('PUHURI_PYTHON_3_12', raising=False)
    assert matrix.find_python('3.12') == newest


def test_a_missing_python_fails_the_cell_instead_of_skipping_it(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path / 'empty'))
    monkeypatch.setenv('PYENV_ROOT', str(tmp_path / 'no-pyenv'))
    monkeypatch.delenv('PUHURI_PYTHON_3_99', raising=False)
    cell = matrix.Cell('2.21', '3.99', 'integration', str(tmp_path))
    os.makedirs(os.path.join(str(tmp_path), 'logs'))
    assert matrix.build(cell) is False
    assert cell.result == 'FAILED' and 'no Python 3.99 found' in cell.detail


@pytest.mark.parametrize('argv,code', [(['--help'], 0), (['--cells', '2.16'], 2)])
def test_help_and_unknown_options_run_nothing(argv, code, tmp_path, monkeypatch, capsys):
    """`python tests/matrix.py --help` shows the knobs and exits; an unknown option is refused; no venv is built."""
    monkeypatch.setenv('PUHURI_MATRIX_DIR', str(tmp_path / 'matrix'))
    with pytest.raises(SystemExit) as ended:
        matrix.main(argv)
    assert ended.value.code == code
    assert not (tmp_path / 'matrix').exists()
    if code == 0:
        assert 'PUHURI_MATRIX_CELLS' in capsys.readouterr().out
