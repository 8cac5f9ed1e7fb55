#!/bin/sh
# Fails every time: the upstream it reads from is "down". Shows retries, stderr and alerts.
echo "report: fetching yesterday's numbers (attempt ${TIMECLOUD_ATTEMPT})"
echo "report: upstream answered 503 Service Unavailable" >&2
exit 3
