#!/bin/sh
# Fails when the man pages (docs/man) and --help disagree: a command
# without a page, a flag without an OPTIONS entry, an entry for a flag that
# is gone. Each line names the page and the flag; `make man-sync` adds what
# is missing from --help's own words. TestManPages (make unit) checks the same.
cd "$(dirname "$0")/.." && exec "${GO:-go}" run -tags "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_zfs containers_image_docker_daemon_stub urfave_cli_no_docs" ./hack/man check
