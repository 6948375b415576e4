# Shared set-up for scripts/serve, scripts/test and scripts/bench: a virtual environment with
# the project installed (re-installed only when pyproject.toml changes). Safe to re-run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  echo "parcours: creating the virtual environment in .venv" >&2
  "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.parcours-installed"
WANT="$(sha256sum pyproject.toml | cut -d' ' -f1)-${PARCOURS_EXTRAS:-dev}"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$WANT" ]; then
  echo "parcours: installing Python dependencies" >&2
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[${PARCOURS_EXTRAS:-dev}]"
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"

# Node tools (glTF-Validator, glTF Transform), pinned by package-lock.json.
NODE_STAMP="node_modules/.parcours-installed"
NODE_WANT="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$NODE_STAMP" ] || [ "$(cat "$NODE_STAMP")" != "$NODE_WANT" ]; then
  echo "parcours: installing Node tools (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$NODE_WANT" > "$NODE_STAMP"
fi

# apt_install PKG...: install Debian packages that are missing (root, or sudo when available).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "parcours: installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
