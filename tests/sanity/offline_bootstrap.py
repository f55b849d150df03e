# Copyright: puhuri.core contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible-test sanity`` work without access to ansible-test's CDN.

Why this exists
---------------
``ansible-test sanity`` runs most tests (pylint, validate-modules, yamllint,
import, ansible-doc, ...) in their own managed virtual environments under
``~/.ansible/test/venv``.  Those environments are created *without* pip
(``python -m venv --without-pip``) and then bootstrapped by running a
``get-pip.py`` script which ansible-test downloads once from
``https://ci-files.testing.ansible.com/ansible-test/get-pip-<version>.py``
and caches at ``~/.ansible/test/cache/get_pip_<version>.py``
(see ``ansible_test/_util/target/setup/requirements.py``, ``bootstrap()``).
That host is not reachable from our CI (only the PyPI mirror is), so the
download fails and every sanity test that needs requirements errors out.

ansible-test only downloads the script when the cache file is missing, so
this helper writes a *stand-in* at that exact cache path.  ansible-test runs
the stand-in with ``runpy`` as ``__main__`` inside the new, pip-less virtual
environment, with get-pip's command line (for example
``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``).
The stand-in does what the real get-pip.py does, but instead of unpacking a
pip zip embedded in itself it imports pip from a private copy of the pip
package of the interpreter running this helper (the project venv), then runs
``pip install --upgrade --force-reinstall <args>``.  pip itself (the exact
version ansible-test pins) and all sanity requirements are therefore
installed normally from the configured package index/mirror, and ansible-test
proceeds exactly as it would online: all default sanity tests run, each in
its own pinned environment.  If the private copy is missing, the stand-in
falls back to the pip wheel bundled with the interpreter's ``ensurepip``.

The helper reads the pip version(s) and the cache path from the installed
ansible-test sources, so it follows ansible-core upgrades; if those sources
change shape it fails loudly instead of silently doing nothing.  A genuine
get-pip script already present in the cache (e.g. downloaded on a machine
with full internet) is left alone.

Usage: ``python tests/sanity/offline_bootstrap.py`` with the Python
environment that will run ``ansible-test`` (it must have ansible-core and
pip installed).  Idempotent.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys

MARKER = '# puhuri.core offline get-pip stand-in'

STAND_IN_TEMPLATE = '''\
#!/usr/bin/env python
{marker} (written by tests/sanity/offline_bootstrap.py)
# ansible-test runs this in place of get-pip.py {version}: it bootstraps pip
# into a pip-less virtual environment using a local copy of pip, then lets
# that pip install the requested packages from the configured index/mirror.
import glob
import os
import sys

PIP_SOURCE = {pip_source!r}


def _pip_path():
    if os.path.isfile(os.path.join(PIP_SOURCE, 'pip', '__init__.py')):
        return PIP_SOURCE
    # Fallback: the pip wheel bundled with this interpreter's ensurepip.
    try:
        import ensurepip
    except ImportError:
        ensurepip = None
    if ensurepip is not None:
        bundled = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')
        wheels = sorted(glob.glob(os.path.join(bundled, 'pip-*.whl')))
        if wheels:
            return wheels[-1]
    sys.exit('offline get-pip stand-in: no pip source found (%s missing, no ensurepip wheel); '
             're-run tests/sanity/offline_bootstrap.py' % PIP_SOURCE)


def main():
    args = list(sys.argv[1:])
    no_setuptools = '--no-setuptools' in args or os.environ.get('PIP_NO_SETUPTOOLS')
    no_wheel = '--no-wheel' in args or os.environ.get('PIP_NO_WHEEL')
    args = [arg for arg in args if arg not in ('--no-setuptools', '--no-wheel')]
    names = [arg.split('=')[0].split('<')[0].split('>')[0].lower() for arg in args if not arg.startswith('-')]
    if not no_setuptools and 'setuptools' not in names:
        args.append('setuptools')
    if not no_wheel and 'wheel' not in names:
        args.append('wheel')
    sys.path.insert(0, _pip_path())
    from pip._internal.cli.main import main as pip_main
    sys.exit(pip_main(['install', '--upgrade', '--force-reinstall'] + args))


if __name__ == '__main__':
    main()
'''


def fail(message: str) -> None:
    sys.exit('offline_bootstrap: ' + message)


def ansible_test_root() -> str:
    spec = importlib.util.find_spec('ansible_test')
    if spec is None or not spec.submodule_search_locations:
        fail('ansible_test is not importable by %s; install ansible-core first' % sys.executable)
    return list(spec.submodule_search_locations)[0]


def required_pip_versions(root: str) -> list[str]:
    """Pip versions ansible-test bootstraps into its managed environments."""
    path = os.path.join(root, '_internal', 'python_requirements.py')
    with open(path, encoding='utf-8') as handle:
        source = handle.read()
    match = re.search(r'def get_venv_packages\(.*?\n(?=def )', source, re.S)
    if not match:
        fail('cannot find get_venv_packages() in %s; ansible-test changed, update this helper' % path)
    versions = sorted(set(re.findall(r"""\bpip\s*=\s*['"]([0-9][^'"]*)['"]""", match.group(0))))
    if not versions:
        fail('cannot find the pinned pip version in %s; ansible-test changed, update this helper' % path)
    return versions


def cache_path_template(root: str) -> str:
    """The path ansible-test caches get-pip.py at, with %s for the version."""
    path = os.path.join(root, '_util', 'target', 'setup', 'requirements.py')
    with open(path, encoding='utf-8') as handle:
        source = handle.read()
    match = re.search(r"""cache_path\s*=\s*os\.path\.expanduser\(\s*['"]([^'"]*%s[^'"]*)['"]""", source)
    if not match or 'get-pip' not in source:
        fail('cannot find the get-pip cache path in %s; ansible-test changed, update this helper' % path)
    return os.path.expanduser(match.group(1))


def copy_pip(destination_root: str) -> str:
    """Copy the running interpreter's pip package to a private directory and return that directory."""
    spec = importlib.util.find_spec('pip')
    if spec is None or not spec.submodule_search_locations:
        fail('pip is not importable by %s' % sys.executable)
    source = list(spec.submodule_search_locations)[0]
    import pip  # pylint: disable=import-outside-toplevel

    target = os.path.join(destination_root, 'puhuri-core-offline-pip', pip.__version__)
    if not os.path.isfile(os.path.join(target, 'pip', '__init__.py')):
        staging = target + '.tmp%d' % os.getpid()
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(source, os.path.join(staging, 'pip'), ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        shutil.rmtree(target, ignore_errors=True)
        os.replace(staging, target)
    return target


def main() -> int:
    root = ansible_test_root()
    template = cache_path_template(root)
    cache_dir = os.path.dirname(template)
    os.makedirs(cache_dir, exist_ok=True)
    pip_source = copy_pip(cache_dir)

    for version in required_pip_versions(root):
        path = template % version.replace('.', '_')
        if os.path.exists(path):
            with open(path, encoding='utf-8', errors='replace') as handle:
                if MARKER not in handle.read():
                    print('offline_bootstrap: keeping existing get-pip script %s' % path)
                    continue
        content = STAND_IN_TEMPLATE.format(marker=MARKER, version=version, pip_source=pip_source)
        with open(path + '.tmp', 'w', encoding='utf-8') as handle:
            handle.write(content)
        os.replace(path + '.tmp', path)
        print('offline_bootstrap: pip %s bootstrap stand-in at %s (pip source %s)' % (version, path, pip_source))
    return 0


if __name__ == '__main__':
    sys.exit(main())
