#!/usr/bin/env bash
# Build the puhuri.core documentation site (HTML) from this source tree with antsibull-docs and Sphinx.
#
#   docs/build.sh [DEST]     DEST defaults to build/docs (relative to the repository root)
#
# Needs antsibull-docs, sphinx and sphinx-ansible-theme (all in requirements-dev.txt) and Graphviz's dot (Debian:
# graphviz; .ci/run installs it); if the theme is missing,
# the requirements.txt written by `antsibull-docs sphinx-init` is pip-installed into the active environment.
# Works offline: no intersphinx inventories are fetched, so links into docs.ansible.com (for example to
# "common return values") stay plain text; links between this collection's own pages are checked by
# `antsibull-docs lint-collection-docs` and Sphinx runs with warnings as errors.
# Set PUHURI_DOCS_INTERSPHINX=1 to keep the generated intersphinx links (needs internet).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/build/docs}"
case "$DEST" in /*) ;; *) DEST="$PWD/$DEST" ;; esac

WORK="$(mktemp -d "${TMPDIR:-/tmp}/puhuri-docs.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# A collections path whose ansible_collections/puhuri/core is this tree, and nothing else.
mkdir -p "$WORK/collections/ansible_collections/puhuri"
ln -s "$ROOT" "$WORK/collections/ansible_collections/puhuri/core"
export ANSIBLE_COLLECTIONS_PATH="$WORK/collections"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export ANSIBLE_HOME="$WORK/ansible-home"
export ANSIBLE_NOCOLOR=1

echo "docs: linting the collection's documentation"
antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck \
    --validate-collection-refs self --disallow-unknown-collection-refs "$ROOT"

echo "docs: writing the Sphinx project"
mkdir -m 700 "$WORK/site"
antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
    --project 'puhuri.core' --copyright 'puhuri.core contributors' \
    --title 'puhuri.core: Puhuri Core for service providers' --html-short-title 'puhuri.core' \
    --dest-dir "$WORK/site" puhuri.core >/dev/null

if ! python -c 'import sphinx, sphinx_ansible_theme, sphinx_antsibull_ext' >/dev/null 2>&1; then
    echo "docs: installing the Sphinx requirements"
    python -m pip install --quiet -r "$WORK/site/requirements.txt"
fi

if [[ "${PUHURI_DOCS_INTERSPHINX:-0}" != 1 ]]; then
    cat >>"$WORK/site/conf.py" <<'CONF'

# docs/build.sh, offline build: fetch no intersphinx inventories. References into docs.ansible.com (labels such as
# common_return_values, and ansible-core's ANSIBLE_* configuration variables) then have no target: do not report those.
intersphinx_mapping = {}
suppress_warnings = ['ref.ref']
nitpick_ignore_regex = [('envvar', r'ANSIBLE_.*')]
CONF
fi

# The lifecycle picture: Graphviz renders docs/docsite/lifecycle.dot (its only source) as SVG during the Sphinx
# build (antsibull-docs rewrites rst/ just before it, so the file is written into the source tree from conf.py).
command -v dot >/dev/null || { echo "docs: Graphviz's dot is needed for the lifecycle picture (Debian: apt-get install graphviz)" >&2; exit 1; }
cat >>"$WORK/site/conf.py" <<CONF

# docs/build.sh: draw the lifecycle picture of docsite/guide_lifecycle.rst from its one source.
def _draw_lifecycle(app):
    import os, subprocess
    subprocess.run(['dot', '-Tsvg', '$ROOT/docs/docsite/lifecycle.dot', '-o',
                    os.path.join(app.srcdir, 'docsite', 'lifecycle.svg')], check=True)


def setup(app):
    app.connect('builder-inited', _draw_lifecycle)
CONF

echo "docs: building HTML"
(cd "$WORK/site" && bash ./build.sh)

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -r "$WORK/site/build/html" "$DEST"
echo "docs: site written to $DEST (open $DEST/index.html)"
