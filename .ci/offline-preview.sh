#!/usr/bin/env bash
# Offline preview of a change: renders both envs with `infra synth --json` at
# a base and a head commit and writes, per env, into <outdir>:
#   <env>.old.json  the base render
#   <env>.new.json  the head render
#   <env>.md        `infra diff --markdown` of the two: the pull-request comment
# Exits 1 when the head has mandatory policy violations or does not render,
# but only after every <env>.md is written, so the comment still posts.
#
# usage: .ci/offline-preview.sh <base-ref> <head-ref> <outdir>
#
# Both refs are checked out with `git worktree` into a temporary directory
# (removed on exit), so CI and a laptop run the same thing and uncommitted
# changes in the current checkout are not part of the preview. No
# credentials, cloud or Pulumi CLI are needed.
set -euo pipefail

if [ "$#" -ne 3 ]; then
	echo "usage: $0 <base-ref> <head-ref> <outdir>" >&2
	exit 2
fi
base_ref=$1
head_ref=$2
mkdir -p "$3"
outdir=$(cd "$3" && pwd)
envs=(staging prod)
# Room below GitHub's 65,536-character comment limit for the footer added here
# and the header the commenting action adds.
limit=59000

repo=$(git rev-parse --show-toplevel)
cd "$repo"
base_sha=$(git rev-parse --verify --quiet "${base_ref}^{commit}") || {
	echo "offline-preview: base ref $base_ref is not a commit (is the history fetched? actions/checkout needs fetch-depth: 0)" >&2
	exit 2
}
head_sha=$(git rev-parse --verify --quiet "${head_ref}^{commit}") || {
	echo "offline-preview: head ref $head_ref is not a commit" >&2
	exit 2
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/offline-preview.XXXXXX")
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local wt
	for wt in "$tmp/base" "$tmp/head"; do
		if [ -d "$wt" ]; then
			git -C "$repo" worktree remove --force "$wt" >/dev/null 2>&1 || true
		fi
	done
	rm -rf "$tmp"
	git -C "$repo" worktree prune >/dev/null 2>&1 || true
}
trap cleanup EXIT

git worktree add --quiet --detach "$tmp/head" "$head_sha"
git worktree add --quiet --detach "$tmp/base" "$base_sha"

for env in "${envs[@]}"; do
	rm -f "$outdir/$env.old.json" "$outdir/$env.new.json" "$outdir/$env.md"
done

short() { git rev-parse --short "$1"; }

footer() {
	# shellcheck disable=SC2016 # the backticks are markdown
	printf '\n---\n_Offline preview of `%s`: base %s → head %s, rendered by `infra synth` with mock cloud answers (no credentials); `<computed:…>` values are known only after deployment._\n' \
		"$1" "$(short "$base_sha")" "$(short "$head_sha")"
}

# failure_md writes a comment for an env whose head could not be rendered:
# the reviewer sees why in the pull request instead of only in the CI log.
failure_md() {
	local env=$1 what=$2 log=$3
	{
		printf '%s: :x: %s at %s\n\n' "$env" "$what" "$(short "$head_sha")"
		printf '<details><summary>output</summary>\n\n````text\n'
		tail -c 20000 "$log"
		printf '\n````\n\n</details>\n'
		footer "$env"
	} >"$outdir/$env.md"
}

# empty_render writes a render with no stacks at the head's schema version,
# since infra diff refuses a render of another version.
empty_render() {
	(cd "$tmp/head" && "$head_bin" synth "$1" --json --empty --out "$2")
}

# The head's infra command renders the head and diffs; a head that does not
# build fails every env.
head_bin="$tmp/bin/infra-head"
if ! (cd "$tmp/head" && go build -o "$head_bin" ./infra) >"$tmp/head-build.log" 2>&1; then
	cat "$tmp/head-build.log" >&2
	for env in "${envs[@]}"; do
		failure_md "$env" "\`go build ./infra\` failed" "$tmp/head-build.log"
	done
	exit 1
fi

# The base is rendered by the base's own infra command, since the render
# depends on its code. When only files the command reads at run time changed
# (stack config, policy config, docs, CI), the head binary is the same
# program and saves a build. A base without the command (the first pull
# request) renders as empty, so everything shows as added.
base_bin=""
changed=$(git diff --name-only "$base_sha" "$head_sha")
if [ -z "$changed" ] || ! grep -Evq '^(Pulumi\.[^/]*\.yaml|policies/config\.[^/]*\.json|docs/.*|\.github/.*|\.ci/.*|.*\.md)$' <<<"$changed"; then
	base_bin=$head_bin
elif [ -f "$tmp/base/infra/main.go" ]; then
	if (cd "$tmp/base" && go build -o "$tmp/bin/infra-base" ./infra) >"$tmp/base-build.log" 2>&1; then
		base_bin="$tmp/bin/infra-base"
	else
		cat "$tmp/base-build.log" >&2
		echo "offline-preview: the base's infra command does not build; its render is taken as empty" >&2
	fi
else
	echo "offline-preview: the base has no infra command; its render is taken as empty" >&2
fi

status=0
for env in "${envs[@]}"; do
	old="$outdir/$env.old.json"
	new="$outdir/$env.new.json"
	md="$outdir/$env.md"

	if [ -n "$base_bin" ]; then
		# Exit 1 or 2 with a render written means mandatory violations or
		# refused config at the base, which are not this change's doing (the
		# comment says so); anything else leaves it empty.
		rc=0
		(cd "$tmp/base" && "$base_bin" synth "$env" --json --out "$old") 2>"$tmp/$env-base.log" || rc=$?
		if [ ! -s "$old" ]; then
			cat "$tmp/$env-base.log" >&2
			echo "offline-preview: $env does not render at the base (exit $rc); its render is taken as empty" >&2
			empty_render "$env" "$old"
		fi
	else
		empty_render "$env" "$old"
	fi

	# Exit 1 with a render written is mandatory violations, and exit 2 with a
	# render written is config values a stack refused: the diff shows either
	# and fails below. Anything else is a failure to render.
	head_rc=0
	(cd "$tmp/head" && "$head_bin" synth "$env" --json --out "$new") 2>"$tmp/$env-head.log" || head_rc=$?
	cat "$tmp/$env-head.log" >&2
	if [ "$head_rc" -ne 0 ] && { [ "$head_rc" -gt 2 ] || [ ! -s "$new" ]; }; then
		failure_md "$env" "\`infra synth $env\` failed (exit $head_rc)" "$tmp/$env-head.log"
		echo "offline-preview: $env: the head does not render (exit $head_rc)" >&2
		status=1
		continue
	fi

	# Exit 2 without markdown is two renders infra diff will not compare
	# (different schema versions): the comment says why.
	rc=0
	"$head_bin" diff "$old" "$new" --markdown --limit "$limit" --fail-on-violations --out "$md" 2>"$tmp/$env-diff.log" || rc=$?
	cat "$tmp/$env-diff.log" >&2
	if [ ! -s "$md" ]; then
		failure_md "$env" "\`infra diff\` failed (exit $rc)" "$tmp/$env-diff.log"
		echo "offline-preview: $env: infra diff wrote no markdown (exit $rc)" >&2
		status=1
		continue
	fi
	footer "$env" >>"$md"
	if [ "$head_rc" -eq 2 ]; then
		echo "offline-preview: $env: the head's config is refused (infra synth exit 2)" >&2
		status=1
	elif [ "$rc" -ne 0 ]; then
		echo "offline-preview: $env: mandatory policy violations at the head (infra diff exit $rc)" >&2
		status=1
	else
		echo "offline-preview: $(head -n 1 "$md")"
	fi
done
exit "$status"
