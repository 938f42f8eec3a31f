#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy into <repo>/.cache/pulumi-cli/bin/pulumi.
# The machines cannot download Pulumi's prebuilt binaries, so the CLI is compiled from
# github.com/pulumi/pulumi/pkg/v3. Idempotent: does nothing when the binary already exists
# and answers `pulumi version`. Heavy (a couple of minutes on 2 cores); run it once and reuse.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${PULUMI_CLI_VERSION:-v3.200.0}"
dir="$root/.cache/pulumi-cli"
bin="$dir/bin/pulumi"

if [[ -x "$bin" ]] && "$bin" version >/dev/null 2>&1; then
  echo "pulumi-cli: $bin already built ($("$bin" version))"
  exit 0
fi

mkdir -p "$dir/src" "$dir/bin"
cd "$dir/src"

# A throwaway module: it keeps the CLI's large dependency graph out of the project's go.mod.
cat > go.mod <<MOD
module pulumicli

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 $version
	github.com/pulumi/pulumi/sdk/v3 $version
)

// The same replaces as pkg's own go.mod: without them the module graph does not resolve.
replace github.com/sergi/go-diff => github.com/sergi/go-diff v1.1.0

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
MOD

cat > tools.go <<'GO'
//go:build tools

// Package tools pins the Pulumi CLI's main package so `go mod tidy` keeps its dependencies.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO

export GOFLAGS="${GOFLAGS:-} -mod=mod"
start=$(date +%s)
go mod tidy -e
go build -trimpath -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  -o "$bin.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mv "$bin.tmp" "$bin"
echo "pulumi-cli: built $bin ($("$bin" version)) in $(( $(date +%s) - start ))s"
