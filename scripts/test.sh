#!/usr/bin/env bash
# Every test, on a fresh machine: installs what it needs (npm packages, Debian's Chromium, and the
# libimobiledevice tools the interoperability tests compare the virtual iPhone against), then runs the
# type check, the unit tests (Vitest, in Node) and the end-to-end tests (Playwright, in Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund
fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v idevicepair >/dev/null || missing+=(libimobiledevice-utils)
command -v ifuse >/dev/null || missing+=(ifuse)
if [ ${#missing[@]} -gt 0 ]; then
	echo "Installing from Debian: ${missing[*]}"
	if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
		echo "Could not install ${missing[*]} with apt-get; tests that need them say so and are skipped." >&2
	fi
fi
if [ ! -x /usr/bin/chromium ]; then
	echo "Chromium is required for the end-to-end tests and could not be installed (apt-get install chromium)." >&2
	exit 1
fi

npm run check
npx vitest run
npx playwright test
