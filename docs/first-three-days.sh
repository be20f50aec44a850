#!/usr/bin/env bash
# A learner's first three days through the offline door, from an empty database:
# writes docs/first-three-days.md. Each `@…` line moves the offline clock (Tehran time)
# and delivers the reminders due then; a bare number answers the open poll or presses
# the numbered button of the last keyboard.
set -euo pipefail
cd "$(dirname "$0")/.."
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
messages=(
    "@2026-11-23 08:30" /start /lesson 2 1 3 "/quiz 5" 3 1 4 1 3 1 /settings 4 1
    "@2026-11-23 19:00"
    "@2026-11-24 19:00" 1 2 2 4 2 3 /stats
    "@2026-11-25 19:00" 1 3 4 1 2 1 /lessons /stats
)
{
    echo "# A learner's first three days (offline door)"
    echo
    echo "Made by \`docs/first-three-days.sh\` with \`python -m bot try\` on an empty database:"
    echo "each \`@…\` line moves the offline clock (Tehran time) and delivers the reminders due"
    echo "then; a bare number answers the open quiz poll, or presses that button of the last"
    echo "keyboard. Lessons are shown whole, as the bot sends them."
    echo
    echo '```'
    echo "python -m bot try $(printf '%q ' "${messages[@]}")"
    echo '```'
    echo
    echo '```text'
    BOT_DATA_DIR="$data" BOT_LOG_LEVEL=WARNING BOT_WORKERS=1 BOT_CHANNEL_ID= BOT_DB_URL= \
        python -m bot try --out "$data/out" "${messages[@]}"
    echo '```'
} > docs/first-three-days.md
