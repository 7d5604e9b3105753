# shellcheck shell=bash
# Named steps with their durations, for the runners behind `npm test` and `npm run test:e2e`.
# Usage: source this file; `step NAME` before each step; `steps_end RUNNER` at the end (it
# prints each step's duration); a failing command names the step it failed in and still prints
# the durations so far.
STEP_NAMES=()
STEP_SECONDS=()
current=""
step_started=0

step_close() {
  [[ -n ${current} ]] || return 0
  STEP_NAMES+=("${current}")
  STEP_SECONDS+=("$((SECONDS - step_started))")
  current=""
}

step() {
  step_close
  current=$1
  step_started=${SECONDS}
  printf '\n--- [%(%H:%M:%S)T] %s\n' -1 "$1"
}

steps_durations() {
  local i
  printf '\n%s, seconds per step:\n' "$1"
  for i in "${!STEP_NAMES[@]}"; do printf '  %5d  %s\n' "${STEP_SECONDS[i]}" "${STEP_NAMES[i]}"; done
  printf '  %5d  total\n' "${SECONDS}"
}

steps_end() {
  step_close
  steps_durations "$1"
  printf '\n--- [%(%H:%M:%S)T] %s passed\n' -1 "$1"
}

# steps_on_failure RUNNER: to be called from an ERR trap.
steps_on_failure() {
  local failed=${current:-?}
  step_close
  steps_durations "$1" >&2
  echo "$1: FAILED at step: ${failed}" >&2
}
