#!/usr/bin/env sh
# A Helm post-renderer: Helm pipes the rendered chart to stdin and reads
# the result from stdout. Nothing else may go to stdout; -q keeps the
# summary off stderr too.
exec "${INJECT_SIDECARS:-inject-sidecars}" -q -c "$(dirname "$0")/sidecars.yaml"
