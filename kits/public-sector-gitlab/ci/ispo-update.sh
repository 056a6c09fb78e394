#!/usr/bin/env bash
# Keeps this kit current with its catalog, run by the scheduled pipeline of
# the kit's forge (see docs/KEEPING-THE-KIT-CURRENT.md).
#
# 1. `ispo check`: nothing to do while the catalog has not moved.
# 2. If a person has pushed to the update branch, leave it alone: their
#    work is never overwritten, and the job waits until the branch is merged
#    or deleted.
# 3. `ispo update` on a fresh branch from the default branch, one commit.
# 4. When that commit holds exactly what the branch already proposes, stop:
#    no duplicate request, and a request closed without merging is not
#    opened again for the same update.
# 5. Otherwise push it (never over commits other than this job's own) and
#    open or refresh the one pull/merge request: a draft, with a checklist,
#    when there are conflicts to resolve.
#
# Settings, all optional: ISPO_FORGE (github, gitlab, azure, bitbucket or
# none), ISPO_BRANCH (ispo/update), ISPO_BASE (the remote's default branch),
# ISPO_KIT (.), ISPO_BIN (ispo), ISPO_BOT_NAME, ISPO_BOT_EMAIL, ISPO_REMOTE
# (origin). The forge calls use gh (GitHub), az (Azure DevOps) or curl and
# jq (GitLab and Bitbucket Cloud REST APIs).
set -euo pipefail

remote=${ISPO_REMOTE:-origin}
branch=${ISPO_BRANCH:-ispo/update}
kit=${ISPO_KIT:-.}
ispo=${ISPO_BIN:-ispo}
forge=${ISPO_FORGE:-none}
bot_name=${ISPO_BOT_NAME:-ispo bot}
bot_email=${ISPO_BOT_EMAIL:-ispo-bot@users.noreply.invalid}

say() { printf 'ispo-update: %s\n' "$*"; }

git fetch --quiet --prune "$remote"
base=${ISPO_BASE:-}
if [ -z "$base" ]; then
  base=$(git symbolic-ref --quiet --short "refs/remotes/$remote/HEAD" 2>/dev/null || true)
  base=${base#"$remote/"}
fi
base=${base:-main}
git checkout --quiet -B ispo-update-work "refs/remotes/$remote/$base"

set +e
"$ispo" check "$kit" --exit-code
rc=$?
set -e
case $rc in
  0) say "the kit is up to date with its catalog"; exit 0 ;;
  10) ;;
  *) say "ispo check failed (exit code $rc)"; exit "$rc" ;;
esac

proposed=""
if git rev-parse --verify --quiet "refs/remotes/$remote/$branch" >/dev/null; then
  proposed=$(git rev-parse "refs/remotes/$remote/$branch")
  others=$(git log --format='%ae' "refs/remotes/$remote/$base..$proposed" | grep -v -x -F "$bot_email" || true)
  if [ -n "$others" ]; then
    say "someone has pushed to $branch ($(echo "$others" | sort -u | tr '\n' ' ')): leaving it alone until it is merged or deleted"
    exit 0
  fi
fi

report=$(mktemp)
trap 'rm -f "$report"' EXIT
set +e
"$ispo" update "$kit" --non-interactive --report "$report"
rc=$?
set -e
case $rc in
  0) draft=false ;;
  3) draft=true; say "the update has conflicts: the request is a draft with a checklist" ;;
  *) say "ispo update failed (exit code $rc)"; exit "$rc" ;;
esac

git add --all -- "$kit"
if git diff --cached --quiet; then
  say "the update changed nothing to commit"
  exit 0
fi
title=$(sed -n 's/^# //p' "$report" | head -n 1)
# The job's own identity, whatever the runner sets: its commits are how it
# tells its work from a person's.
GIT_AUTHOR_NAME="$bot_name" GIT_AUTHOR_EMAIL="$bot_email" \
  GIT_COMMITTER_NAME="$bot_name" GIT_COMMITTER_EMAIL="$bot_email" \
  git commit --quiet --no-verify -m "$title"

if [ -n "$proposed" ] && [ "$(git rev-parse 'HEAD^{tree}')" = "$(git rev-parse "$proposed^{tree}")" ]; then
  say "$branch already proposes this update: nothing to do"
  exit 0
fi
# The lease: push only over what this run saw on the branch (this job's own commit).
git push --quiet --force-with-lease="refs/heads/$branch:$proposed" "$remote" "HEAD:refs/heads/$branch"
say "pushed the update to $branch"

request_github() {
  local pr
  pr=$(gh pr list --head "$branch" --state open --json number --jq '.[0].number // empty')
  if [ -z "$pr" ]; then
    local args=(pr create --base "$base" --head "$branch" --title "$title" --body-file "$report")
    if $draft; then args+=(--draft); fi
    gh "${args[@]}"
  else
    gh pr edit "$pr" --title "$title" --body-file "$report"
    if $draft; then gh pr ready "$pr" --undo || true; else gh pr ready "$pr" || true; fi
  fi
}

request_gitlab() {
  # GitLab's REST API with a project access token; a draft is a title
  # starting with "Draft:".
  local api="${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/merge_requests"
  local auth="PRIVATE-TOKEN: ${ISPO_MR_TOKEN}"
  local shown=$title body mr
  if $draft; then shown="Draft: $title"; fi
  body=$(jq -n --arg t "$shown" --rawfile d "$report" --arg s "$branch" --arg b "$base" \
    '{title: $t, description: $d, source_branch: $s, target_branch: $b, remove_source_branch: true}')
  mr=$(curl -fsS -G -H "$auth" "$api" --data-urlencode "state=opened" --data-urlencode "source_branch=$branch" \
    | jq -r '.[0].iid // empty')
  if [ -z "$mr" ]; then
    curl -fsS -X POST -H "$auth" -H "Content-Type: application/json" --data "$body" "$api" >/dev/null
  else
    curl -fsS -X PUT -H "$auth" -H "Content-Type: application/json" --data "$body" "$api/$mr" >/dev/null
  fi
}

request_azure() {
  local pr
  pr=$(az repos pr list --source-branch "$branch" --status active --query '[0].pullRequestId' --output tsv)
  if [ -z "$pr" ]; then
    az repos pr create --source-branch "$branch" --target-branch "$base" --title "$title" \
      --description "$(cat "$report")" --draft "$draft" --output none
  else
    az repos pr update --id "$pr" --title "$title" --description "$(cat "$report")" --draft "$draft" --output none
  fi
}

request_bitbucket() {
  local api="https://api.bitbucket.org/2.0/repositories/${BITBUCKET_WORKSPACE}/${BITBUCKET_REPO_SLUG}/pullrequests"
  local auth="Authorization: Bearer ${ISPO_PR_TOKEN}"
  local body pr
  body=$(jq -n --arg t "$title" --rawfile d "$report" --arg s "$branch" --arg b "$base" --argjson draft "$draft" \
    '{title: $t, description: $d, draft: $draft, source: {branch: {name: $s}}, destination: {branch: {name: $b}}}')
  # Drafts are left out of the list unless asked for.
  pr=$(curl -fsS -G -H "$auth" "$api" --data-urlencode "state=OPEN" \
    --data-urlencode "q=source.branch.name=\"$branch\" AND (draft=true OR draft=false)" | jq -r '.values[0].id // empty')
  if [ -z "$pr" ]; then
    curl -fsS -X POST -H "$auth" -H "Content-Type: application/json" --data "$body" "$api" >/dev/null
  else
    curl -fsS -X PUT -H "$auth" -H "Content-Type: application/json" --data "$body" "$api/$pr" >/dev/null
  fi
}

case $forge in
  github) request_github ;;
  gitlab) request_gitlab ;;
  azure) request_azure ;;
  bitbucket) request_bitbucket ;;
  none) say "ISPO_FORGE is not set: open the request for $branch by hand" ;;
  *) say "unknown ISPO_FORGE '$forge' (github, gitlab, azure, bitbucket or none)"; exit 2 ;;
esac
