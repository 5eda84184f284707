#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy (get.pulumi.com is not reachable
# from our machines) into a cache outside the repo, and prints its root (the binary is <root>/bin/pulumi).
# Reused when already built. See ../shared/guide/SUBSTRATE.md for why a wrapper module.
#
# One dependency is patched: zxcvbn-go (a password-entropy library behind
# `pulumi config set`'s "looks like a secret" check) loads its word lists in
# init(), a cost every pulumi process pays at start, and the tests call pulumi
# hundreds of times. zxcvbn-go-lazy-init.patch loads them on first use instead:
# same results, no cost for commands that never check a value (docs/emulator.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="${PULUMI_CLI_VERSION:-3.274.1}"
cache="${DR_FAILOVER_CACHE:-$HOME/.cache/dr-failover}"
out="$cache/pulumi-cli/v$version-lazy-zxcvbn"
if [ -x "$out/bin/pulumi" ] && "$out/bin/pulumi" version 2>/dev/null | grep -q "v$version"; then
  echo "$out"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# `go install` refuses modules with replace directives; a wrapper module copies them.
cat > go.mod <<MOD
module drfailover/pulumicli

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 v$version
	github.com/pulumi/pulumi/sdk/v3 v$version
)

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e

replace golang.org/x/text => golang.org/x/text v0.41.0
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
echo "building pulumi v$version from the Go module proxy (first time only)..." >&2
GOFLAGS=-mod=mod go mod tidy >&2
zxcvbn=$(GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' github.com/ccojocar/zxcvbn-go)
cp -r "$zxcvbn" zxcvbn-go
chmod -R u+w zxcvbn-go
patch -d zxcvbn-go -p1 --forward --quiet < "$here/zxcvbn-go-lazy-init.patch" >&2
go mod edit -replace github.com/ccojocar/zxcvbn-go=./zxcvbn-go
mkdir -p "$out/bin"
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
  -o "$out/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
"$out/bin/pulumi" version >&2
echo "$out"
