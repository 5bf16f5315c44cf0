#!/bin/sh
# Runs this configuration's `terraform test` suite offline, against a fake GitLab started and
# seeded here and stopped at the end. `terraform test` cannot start processes itself, so the
# fake runs around it:
#
#   go install github.com/gitlabdeploy/terraform-provider-gitlabdeploy/cmd/fakegitlab@vX.Y.Z
#   ./test.sh
#
# FAKEGITLAB and TERRAFORM name other binaries (default: fakegitlab and terraform on PATH).
set -eu
cd "$(dirname "$0")"
fake=${FAKEGITLAB:-fakegitlab}
terraform=${TERRAFORM:-terraform}

out=$(mktemp)
"$fake" -listen 127.0.0.1:0 -seed seed.json >"$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -f "$out"' EXIT INT TERM

# The first line of the fake's output is its base URL, printed once it listens.
tries=0
until [ "$(wc -l <"$out")" -ge 1 ]; do
  kill -0 "$pid" 2>/dev/null || { echo "fakegitlab did not start" >&2; exit 1; }
  tries=$((tries + 1))
  [ "$tries" -le 100 ] || { echo "fakegitlab printed no URL in 10s" >&2; exit 1; }
  sleep 0.1
done
GITLAB_BASE_URL=$(head -n 1 "$out")
GITLAB_TOKEN=release-bot-token
export GITLAB_BASE_URL GITLAB_TOKEN

"$terraform" init -input=false >/dev/null
"$terraform" test
