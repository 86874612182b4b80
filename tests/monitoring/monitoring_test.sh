#!/usr/bin/env bash
# What operators import, checked against the real gateway:
#   tests/monitoring/monitoring_test.sh VITALSIGN GATEWAY AGENT
# 1. promtool check rules and promtool test rules on monitoring/alerts.yml
#    (each alert fired and not fired by synthetic series, alerts_test.yml);
# 2. a real Mosquitto, gateway and sim-board agent on 127.0.0.1; once the
#    agent holds a verified receipt, /metrics is scraped and checked by
#    promtool check metrics; /healthz and /readyz answer 200;
# 3. the Grafana dashboard: its queries valid PromQL, and every metric it or
#    an alert names exposed by that gateway (check_dashboard.py).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
vitalsign=$1 gateway=$2 agent=$3
source "$here/tests/support/test_rig.sh"
rig_begin monitoring_test

(cd "$here/monitoring" && promtool check rules alerts.yml && promtool test rules alerts_test.yml) ||
  fail "the alert rules"

start_broker
metrics_port=$(free_port)
start_one_device "$vitalsign" "$gateway" "$agent" 500 "[metrics]
listen = \"127.0.0.1:$metrics_port\""
for _ in $(seq 1 300); do
  grep -q "receipt for block .* verified" "$work/agent.log" && break
  sleep 0.1
done
grep -q "receipt for block .* verified" "$work/agent.log" || fail "no verified receipt within 30 s"

scrape() { curl -sS -o "$work/$2" -w '%{http_code}' "http://127.0.0.1:$metrics_port$1"; }
[ "$(scrape /metrics metrics.txt)" = 200 ] || fail "/metrics did not answer 200"
promtool check metrics <"$work/metrics.txt" >"$work/promtool.log" 2>&1 ||
  fail "promtool check metrics: $(cat "$work/promtool.log")"
[ "$(scrape /healthz healthz.json)" = 200 ] || fail "/healthz did not answer 200"
[ "$(scrape /readyz readyz.json)" = 200 ] || fail "/readyz did not answer 200: $(cat "$work/readyz.json")"
/usr/bin/python3 "$here/tests/monitoring/check_dashboard.py" "$here/monitoring/grafana-dashboard.json" \
  "$here/monitoring/alerts.yml" "$work/metrics.txt"
echo "monitoring_test: alert rules tested; live /metrics passes promtool check metrics" \
  "($(grep -c '^# TYPE' "$work/metrics.txt") metrics); /healthz and /readyz 200"
