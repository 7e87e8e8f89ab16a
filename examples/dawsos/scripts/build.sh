#!/usr/bin/env bash
# The local stand-in for `docker build`: the backend's release bundle in dist/, and its tarball
# (what the image's layer would hold); writes the version and digest as step outputs.
set -euo pipefail
rm -rf dist && mkdir -p dist
cp -r backend/app backend/serve.py dist/
find dist -name __pycache__ -prune -exec rm -rf {} +
tar -czf dist.tar.gz -C dist .
digest=$(find dist -type f | sort | xargs sha256sum | sha256sum | cut -c1-64)
version="${RUNWAY_SHA:0:7}"
echo "version=${version:-dev}-r${RUNWAY_RUN_ID}" >> "$RUNWAY_OUTPUT"
echo "digest=sha256:${digest}" >> "$RUNWAY_OUTPUT"
