#!/usr/bin/env bash
# Install the Debian packages the project needs, only when they are missing. Safe to re-run.
#   postgresql: the test suite runs on PostgreSQL as well as SQLite.
#   fonts-wqy-zenhei: the Chinese TrueType font embedded in license PDFs (onething.licenses.render);
#   skipped when ONETHING_CJK_FONT names a font file that exists.
#   faketime: the dated tests run again with the clock moved (make test-dates).
set -euo pipefail

need=()
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if ! command -v pg_ctl >/dev/null 2>&1 && [ -z "$(pg_bin)" ]; then need+=(postgresql); fi
command -v faketime >/dev/null 2>&1 || need+=(faketime)
[ -f "${ONETHING_CJK_FONT:-/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc}" ] || need+=(fonts-wqy-zenhei)
for extra in "$@"; do
  case "$extra" in
    # Debian's Chromium for the browser tests (Playwright's own browser download is never used);
    # npm fetches axe-core for their accessibility check.
    browser)
      command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-noto-cjk)
      command -v npm >/dev/null 2>&1 || need+=(nodejs npm) ;;
    wrk) command -v wrk >/dev/null 2>&1 || need+=(wrk) ;;
  esac
done
[ ${#need[@]} -eq 0 ] && exit 0

echo "installing system packages: ${need[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
