#!/usr/bin/env bash
# Builds the Debian package into <target>/debian/: /usr/bin/runbook, its man page and shell
# completions (generated from the binary's own argument definitions), /etc/default/runbook and
# runbook.service.
#
#   deploy/debian/build-deb.sh            # the `dist` profile (fat LTO): what to ship
#   deploy/debian/build-deb.sh release    # the quicker `release` profile (what CI tests)
#
# Needs cargo-deb: cargo install cargo-deb --locked. Prints the package's path last.
set -euo pipefail
cd "$(dirname "$0")/../.."

profile="${1:-dist}"
target_dir="$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"

cargo build --locked --profile "$profile" --bin runbook
binary="$target_dir/$profile/runbook"

generated=deploy/debian/generated
rm -rf "$generated"
mkdir -p "$generated"
# runbook.1 and a page per command (runbook-serve.1, ...), which runbook.1 lists.
mkdir -p "$generated/man"
"$binary" man "$generated/man"
gzip -9n "$generated"/man/*.1
"$binary" completions bash >"$generated/runbook.bash"
"$binary" completions zsh >"$generated/_runbook"
"$binary" completions fish >"$generated/runbook.fish"

# --no-build: the binary above is the one packaged; cargo-deb strips it (the compiled-in
# sentence model is most of what is left).
cargo deb --no-build --locked --profile "$profile" | tail -n 1
