#!/usr/bin/env bash
# Back up what cannot be rebuilt: the curated content and its history (not .build/, which
# `parcours build` makes again). Usage: backup.sh ROOT DEST_DIR  -> DEST_DIR/parcours-<time>.tar.gz
# Restore: tar -xzf parcours-<time>.tar.gz -C NEW_ROOT, then `parcours check --root NEW_ROOT`.
set -euo pipefail
ROOT="${1:?usage: backup.sh ROOT DEST_DIR}"
DEST="${2:?usage: backup.sh ROOT DEST_DIR}"
mkdir -p "$DEST"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$DEST/parcours-$STAMP.tar.gz"
cd "$ROOT"
ITEMS=()
for item in site_catalog.yaml tours locales assets schema babel.cfg babel-content.cfg .parcours; do
  [ -e "$item" ] && ITEMS+=("$item")
done
# The store's lock keeps curators' writes out while the archive is made.
mkdir -p .parcours
flock .parcours/store.lock tar --exclude='.parcours/uploads' --exclude='.parcours/candidate-*' \
  -czf "$OUT.tmp" "${ITEMS[@]}"
mv "$OUT.tmp" "$OUT"
echo "$OUT"
