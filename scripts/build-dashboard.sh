#!/usr/bin/env bash
# Builds the web dashboard (src/Wrenn.Dashboard) into artifacts/dashboard from the npm packages its
# committed lockfile pins; nothing is fetched when the browser loads it. Needs Node.js >= 20.19
# (Vite 8), which these machines carry; `npm ci` runs only when the lockfile changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../src/Wrenn.Dashboard"

if ! command -v node >/dev/null || ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
    printf 'build-dashboard: Node.js 20.19 or newer is needed (found: %s)\n' "$(node --version 2>/dev/null || echo none)" >&2
    exit 1
fi
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
