# shellcheck shell=bash
# Sourced by tests/run-all and tests/run-demo: the project's Python environment.
#
# If a virtual environment is active and already has the tools, it is used as is (this is what .ci/run does).
# Otherwise .venv in the repo root (or $PUHURI_VENV) is created/reused and requirements-dev.txt is installed into it
# whenever that file changed since the last install.

log() { printf '\n==> %s\n' "$*"; }

# ---------------------------------------------------------------------------
requirements_stamp() {
    # Identifies requirements-dev.txt's content; .ci/run writes the same stamp.
    sha256sum "$ROOT/requirements-dev.txt" | cut -d' ' -f1
}

env_has_tools() {
    python -c 'import ansible_test, ansiblelint, pytest' >/dev/null 2>&1
}

ensure_env() {
    if [[ -n "${VIRTUAL_ENV:-}" ]] && env_has_tools; then
        echo "run-all: using active virtual environment $VIRTUAL_ENV"
        return 0
    fi
    local venv="${PUHURI_VENV:-$ROOT/.venv}"
    local python="${PUHURI_PYTHON:-}"
    if [[ -z "$python" ]]; then
        python="$(command -v python3.11 || command -v python3 || true)"
    fi
    if [[ ! -x "$venv/bin/python" ]]; then
        [[ -n "$python" ]] || { echo "run-all: no python3.11/python3 found" >&2; return 1; }
        "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || { echo "run-all: $python is older than Python 3.11 (ansible-core 2.19 needs >= 3.11)" >&2; return 1; }
        log "creating virtual environment $venv with $python"
        "$python" -m venv "$venv"
    fi
    # shellcheck disable=SC1091
    source "$venv/bin/activate"
    local stamp
    stamp="$(requirements_stamp)"
    if [[ "$(cat "$venv/.requirements-dev.stamp" 2>/dev/null || true)" != "$stamp" ]] || ! env_has_tools; then
        log "installing requirements-dev.txt into $venv"
        python -m pip install --upgrade pip
        python -m pip install -r "$ROOT/requirements-dev.txt"
        printf '%s\n' "$stamp" >"$venv/.requirements-dev.stamp"
    fi
    echo "run-all: using virtual environment $venv"
}

# ---------------------------------------------------------------------------
ensure_system_packages() {
    # Debian packages some tests need: Graphviz's dot (the docs' lifecycle picture) and Chromium (the audit page is
    # checked in a real headless browser). Installed where missing when this runs as root with apt-get (as CI does);
    # otherwise the tests that need them fail and say how to install them.
    local missing=()
    command -v dot >/dev/null 2>&1 || missing+=(graphviz)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    [[ ${#missing[@]} -gt 0 ]] || return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "installing Debian packages: ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
            || echo "run-all: installing ${missing[*]} failed; the tests that need them will fail" >&2
    else
        echo "run-all: missing ${missing[*]} (Debian: sudo apt-get install ${missing[*]}); the tests that need them will fail" >&2
    fi
}

