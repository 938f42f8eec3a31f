#!/usr/bin/env bash
# Commits the env's changed stack config (Pulumi.<env>*.yaml) to main, so
# that main records what a workflow deployed: swap, rollback, retire,
# release and housekeeping write config through the Automation API.
# usage: .ci/commit-stack-config.sh <env> <commit message>
set -euo pipefail
env_name=$1
message=$2
if git diff --quiet -- "Pulumi.${env_name}.yaml" "Pulumi.${env_name}-*.yaml"; then
	echo "no stack config changed"
	exit 0
fi
git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
git add -- "Pulumi.${env_name}.yaml" "Pulumi.${env_name}-*.yaml"
git commit -m "$message"
# main may have moved while the workflow ran; config files of other stacks
# merge cleanly.
for attempt in 1 2 3; do
	if git pull --rebase origin main && git push origin HEAD:main; then
		exit 0
	fi
	echo "push attempt $attempt failed; retrying"
	sleep 5
done
echo "::error::could not push the stack config; commit Pulumi.${env_name}-*.yaml from this run by hand (git diff in the log above)"
git show HEAD
exit 1
