# Sourced by scripts/demo and scripts/test: make ./.venv with rawkube installed (editable).
# Re-running is cheap: pip is only called when pyproject.toml changed since the last install.
# pip's own output (progress, and setuptools' "Editable installation" BuildBackendWarning) goes
# to .venv/pip-install.log and is shown only when the install fails.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
extras="${1:-}"
py="${PYTHON:-python3}"
venv="$root/.venv"
if [ ! -x "$venv/bin/python" ]; then
  "$py" -m venv "$venv"
fi
stamp="$venv/.rawkube-installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ]; then
  echo "setting up $venv (rawkube${extras:+[$extras]} and its dependencies; once) ..." >&2
  log="$venv/pip-install.log"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >"$log" 2>&1 || true
  if ! "$venv/bin/python" -m pip install --quiet -e "$root${extras:+[$extras]}" >>"$log" 2>&1; then
    cat "$log" >&2
    echo "error: installing rawkube into $venv failed (pip's output above, also in $log)" >&2
    exit 1
  fi
  touch "$stamp"
fi
export PATH="$venv/bin:$PATH"
