# -*- coding: utf-8 -*-
# Copyright: (c) 2026, puhuri.core contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ansible-core support matrix: every supported ansible-core on a Python it supports, tested.

Run it as `tests/run-all matrix` (or `python tests/matrix.py`); .ci/run runs it after the main run.

Each cell gets its own virtual environment, built with the cell's Python and cached under $PUHURI_MATRIX_DIR
(default: tests/output/matrix/ in the repository, ignored by git and the linters), keyed by a hash of the interpreter, the ansible-core pin and
the requirements file, so an unchanged cell is reused and a changed one rebuilt. Venvs are built in parallel (pip
spends its time waiting on the index and unpacking); the tests of the cells run one cell after another, each on
all cores (pytest-xdist), because the suite keeps both cores busy on its own.

Scopes:
  full         every pytest test, ansible-test sanity and ansible-lint (tests/run-all pytest sanity ansible-lint),
               with requirements-dev.txt -- the oldest and the newest ansible-core;
  integration  the unit tests and the integration tests of every module, role and the inventory plugin (everything
               under tests/unit and tests/integration except TOOLING_TESTS, which test the release tooling rather
               than ansible-core), with requirements-matrix.txt.

A cell whose Python cannot be found FAILS (it is not skipped): the matrix proves nothing about a cell it did not run.
Pythons are looked up as $PUHURI_PYTHON_<major>_<minor> (e.g. PUHURI_PYTHON_3_12), then pythonX.Y on PATH (if it
runs: pyenv shims exist for versions that are not active), then the newest X.Y.* under `pyenv root`/versions.

Knobs (environment variables):
  PUHURI_MATRIX_DIR       where venvs and logs go (default: <repo>/tests/output/matrix)
  PUHURI_MATRIX_CELLS     run only these cells, e.g. "2.16 2.21" (default: all)
  PUHURI_MATRIX_BUILDS    venvs built at the same time (default: 3)
  PUHURI_PYTEST_WORKERS   pytest-xdist workers per cell (default: auto)
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import argparse
import concurrent.futures
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (ansible-core release, Python, scope).  Python: 3.11 for <= 2.19; 2.20 and 2.21 need >= 3.12.
CELLS = [
    ('2.16', '3.11', 'full'),
    ('2.17', '3.11', 'integration'),
    ('2.18', '3.11', 'integration'),
    ('2.19', '3.11', 'integration'),
    ('2.20', '3.12', 'integration'),
    ('2.21', '3.13', 'full'),
]

REQUIREMENTS = {
    'full': 'requirements-dev.txt',
    'integration': 'requirements-matrix.txt',
}

# Tests of the release tooling (antsibull-docs, antsibull-changelog, ansible-builder/galaxy, molecule), not of
# ansible-core's behaviour; they run in the main run and in the full cells.
TOOLING_TESTS = [
    'tests/integration/test_changelog.py',
    'tests/integration/test_docs.py',
    'tests/integration/test_molecule.py',
    'tests/integration/test_release.py',
]

SUMMARY_LINE = re.compile(r'^=+ (.*\b(?:passed|failed|error|errors|skipped|no tests ran)\b.*) in [0-9.]+s')


def log(message):
    print('matrix: %s' % message, flush=True)


class Cell(object):
    def __init__(self, core, python, scope, base):
        self.core = core
        self.python = python
        self.scope = scope
        self.name = 'core%s-py%s' % (core, python)
        self.log_path = os.path.join(base, 'logs', self.name + '.log')
        self.base = base
        self.interpreter = None
        self.venv = None
        self.core_version = '-'
        self.python_version = python
        self.result = 'NOT RUN'
        self.detail = ''
        self.build_seconds = 0
        self.test_seconds = 0

    def fail(self, result, detail):
        self.result = result
        self.detail = detail
        return False


# ---------------------------------------------------------------------------
# Finding a Python
# ---------------------------------------------------------------------------
def runs_as(path, version):
    """True if `path` is a Python interpreter of major.minor `version`."""
    try:
        out = subprocess.run([path, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'],
                             capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def pyenv_root():
    root = os.environ.get('PYENV_ROOT')
    if root:
        return root
    pyenv = shutil.which('pyenv')
    if not pyenv:
        return None
    out = subprocess.run([pyenv, 'root'], capture_output=True, text=True, timeout=30, check=False)
    return out.stdout.strip() if out.returncode == 0 else None


def find_python(version):
    """The interpreter for Python `version` ("3.12"), or None; see the module docstring for the search order."""
    override = os.environ.get('PUHURI_PYTHON_%s' % version.replace('.', '_'))
    if override:
        return override if runs_as(override, version) else None
    on_path = shutil.which('python%s' % version)
    if on_path and runs_as(on_path, version):
        return on_path
    root = pyenv_root()
    if root:
        def patch_level(path):
            name = os.path.basename(os.path.dirname(os.path.dirname(path)))
            return [int(part) for part in name.split('.') if part.isdigit()]
        candidates = glob.glob(os.path.join(root, 'versions', '%s.*' % version, 'bin', 'python%s' % version))
        for candidate in sorted(candidates, key=patch_level, reverse=True):
            if runs_as(candidate, version):
                return candidate
    return None


# ---------------------------------------------------------------------------
# Building a cell's venv
# ---------------------------------------------------------------------------
def requirements_for(cell):
    """The cell's requirements: its scope's file with the ansible-core line replaced by the cell's pin."""
    with open(os.path.join(REPO_ROOT, REQUIREMENTS[cell.scope]), encoding='utf-8') as handle:
        lines = [line.rstrip('\n') for line in handle]
    kept = [line for line in lines if not re.match(r'\s*ansible-core\b', line)]
    return '\n'.join(kept + ['ansible-core==%s.*' % cell.core]) + '\n'


def interpreter_identity(interpreter):
    out = subprocess.run([interpreter, '-c', 'import os, sys; print(os.path.realpath(sys.executable), sys.version)'],
                         capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.strip()


def build(cell):
    """Create or reuse the cell's venv; True on success."""
    start = time.time()
    try:
        return _build(cell)
    finally:
        cell.build_seconds = int(time.time() - start)


def _build(cell):
    cell.interpreter = find_python(cell.python)
    if not cell.interpreter:
        return cell.fail('FAILED', 'no Python %s found (PUHURI_PYTHON_%s, python%s on PATH, pyenv root)'
                         % (cell.python, cell.python.replace('.', '_'), cell.python))
    requirements = requirements_for(cell)
    key = hashlib.sha256((interpreter_identity(cell.interpreter) + '\n' + requirements).encode()).hexdigest()[:12]
    venvs = os.path.join(cell.base, 'venvs')
    cell.venv = os.path.join(venvs, '%s-%s' % (cell.name, key))
    python = os.path.join(cell.venv, 'bin', 'python')
    stamp = os.path.join(cell.venv, '.puhuri-matrix-complete')
    with open(cell.log_path, 'w', encoding='utf-8') as out:
        if not os.path.exists(stamp):
            # An incomplete venv of this key (interrupted build) or an older key of this cell: start afresh.
            for old in glob.glob(os.path.join(venvs, cell.name + '-*')):
                shutil.rmtree(old, ignore_errors=True)
            os.makedirs(cell.venv)
            req_path = os.path.join(cell.venv, 'requirements.txt')
            with open(req_path, 'w', encoding='utf-8') as handle:
                handle.write(requirements)
            env = dict(os.environ, PIP_PROGRESS_BAR='off', PIP_DISABLE_PIP_VERSION_CHECK='1')
            for command in ([cell.interpreter, '-m', 'venv', cell.venv],
                            [python, '-m', 'pip', 'install', '--upgrade', 'pip'],
                            [python, '-m', 'pip', 'install', '-r', req_path]):
                out.write('$ %s\n' % ' '.join(command))
                out.flush()
                if subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, check=False).returncode:
                    return cell.fail('FAILED', 'building the venv failed (%s)' % ' '.join(command[-3:]))
            open(stamp, 'w').close()
        else:
            out.write('reusing %s\n' % cell.venv)
    version = subprocess.run([python, '-c', 'import sys; from ansible.release import __version__ as v; '
                                            'print(v, "%d.%d.%d" % sys.version_info[:3])'],
                             capture_output=True, text=True, timeout=60, check=False)
    if version.returncode:
        return cell.fail('FAILED', 'ansible-core does not import in %s' % cell.venv)
    cell.core_version, cell.python_version = version.stdout.split()
    return True


# ---------------------------------------------------------------------------
# Running a cell's tests
# ---------------------------------------------------------------------------
def command_for(cell):
    if cell.scope == 'full':
        return ['bash', os.path.join(REPO_ROOT, 'tests', 'run-all'), 'pytest', 'sanity', 'ansible-lint']
    command = [os.path.join(cell.venv, 'bin', 'python'), '-m', 'pytest', 'tests/unit', 'tests/integration']
    command += ['--ignore=%s' % path for path in TOOLING_TESTS]
    workers = os.environ.get('PUHURI_PYTEST_WORKERS', 'auto')
    if workers != '0':
        command += ['-n', workers, '--dist', 'loadfile']
    return command


def run_tests(cell):
    start = time.time()
    env = dict(os.environ)
    env.update(VIRTUAL_ENV=cell.venv, PATH=os.path.join(cell.venv, 'bin') + os.pathsep + env.get('PATH', ''),
               PUHURI_SANITY_PYTHON=cell.python, PIP_PROGRESS_BAR='off')
    command = command_for(cell)
    with open(cell.log_path, 'a', encoding='utf-8') as out:
        out.write('\n$ %s\n' % ' '.join(command))
        out.flush()
        rc = subprocess.run(command, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, env=env, check=False).returncode
    cell.test_seconds = int(time.time() - start)
    cell.detail = pytest_summary(cell.log_path)
    cell.result = 'PASSED' if rc == 0 else 'FAILED'
    return rc == 0


def pytest_summary(path):
    with open(path, encoding='utf-8', errors='replace') as handle:
        found = [match.group(1) for match in map(SUMMARY_LINE.match, handle) if match]
    return found[-1] if found else ''


# The lines of a failed cell's log that say what failed: pytest's and ansible-test's, and run-all's step summary.
FAILURE_LINE = re.compile(r'^(FAILED |ERROR[: ]|FATAL: |run-all: )')


def print_failures(cell, tail=40):
    """What failed in a cell (or, if no line says, the end of its log); the whole log stays in cell.log_path."""
    with open(cell.log_path, encoding='utf-8', errors='replace') as handle:
        lines = handle.readlines()
    log('---- %s failed; its log: %s ----' % (cell.name, cell.log_path))
    sys.stdout.write(''.join([line for line in lines if FAILURE_LINE.match(line)] or lines[-tail:]))
    log('---- end of %s ----' % cell.name)


def print_table(cells, seconds):
    header = ('ansible-core', 'python', 'scope', 'result', 'venv s', 'tests s', 'details')
    rows = [header] + [(c.core_version if c.core_version != '-' else c.core, c.python_version, c.scope, c.result,
                        str(c.build_seconds), str(c.test_seconds), c.detail) for c in cells]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    print('')
    for row in rows:
        print('matrix: ' + '  '.join(value.ljust(width) for value, width in zip(row, widths)) + '  ' + row[-1])
    failed = sum(1 for c in cells if c.result != 'PASSED')
    log('%d of %d cell(s) failed, matrix wall time %ds' % (failed, len(cells), seconds))


def selected_cells(base):
    wanted = os.environ.get('PUHURI_MATRIX_CELLS', '').split()
    known = [cell[0] for cell in CELLS]
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        sys.exit('matrix: unknown cell(s) %s in PUHURI_MATRIX_CELLS (cells: %s)' % (' '.join(unknown), ' '.join(known)))
    return [Cell(core, python, scope, base) for core, python, scope in CELLS if not wanted or core in wanted]


def main(argv=None):
    # No options: what to run is chosen by the environment (see the knobs above); --help shows them and runs nothing.
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    start = time.time()
    base = os.path.abspath(os.environ.get('PUHURI_MATRIX_DIR') or os.path.join(REPO_ROOT, 'tests', 'output', 'matrix'))
    os.makedirs(os.path.join(base, 'logs'), exist_ok=True)
    cells = selected_cells(base)
    names = ', '.join('%s/py%s %s' % (c.core, c.python, c.scope) for c in cells)
    log('cells: %s; venvs and logs in %s' % (names, base))
    builders = int(os.environ.get('PUHURI_MATRIX_BUILDS', '3'))
    with concurrent.futures.ThreadPoolExecutor(max_workers=builders) as pool:
        # Submitted in cell order, so the first cells' venvs are ready first and their tests start early.
        builds = [(cell, pool.submit(build, cell)) for cell in cells]
        for cell, future in builds:
            if not future.result():
                log('%s: %s' % (cell.name, cell.detail))
                continue
            log('%s: venv ready (ansible-core %s, Python %s) in %ds; testing (%s)'
                % (cell.name, cell.core_version, cell.python_version, cell.build_seconds, cell.scope))
            if not run_tests(cell):
                print_failures(cell)
            log('%s: %s in %ds %s' % (cell.name, cell.result, cell.test_seconds, cell.detail))
    print_table(cells, int(time.time() - start))
    return 0 if all(c.result == 'PASSED' for c in cells) else 1


if __name__ == '__main__':
    sys.exit(main())
