#!/usr/bin/python3
"""Checks monitoring/grafana-dashboard.json, and what alerts and panels ask of
a live gateway's metrics:

  check_dashboard.py DASHBOARD ALERTS METRICS_TEXT

- the dashboard is a Grafana dashboard (uid, title, schemaVersion, panels each
  with an id, a type, a Prometheus datasource and at least one target);
- every panel query is valid PromQL: they are handed to `promtool check rules`
  as recording rules ($job replaced by a value);
- every vitalsign_* metric a panel or an alert names is one the live gateway
  exposes (METRICS_TEXT: a scrape of /metrics), so neither can silently
  watch a metric that was renamed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile


def fail(message):
    sys.exit(f"check_dashboard: {message}")


def main():
    if len(sys.argv) != 4:
        fail("usage: check_dashboard.py DASHBOARD ALERTS METRICS_TEXT")
    dashboard_path, alerts_path, metrics_path = sys.argv[1:]
    with open(dashboard_path, encoding="utf-8") as f:
        dashboard = json.load(f)
    for key in ("uid", "title", "schemaVersion", "panels"):
        if key not in dashboard:
            fail(f"the dashboard has no {key}")
    exprs = []
    ids = set()
    for panel in dashboard["panels"]:
        for key in ("id", "type", "title", "datasource", "targets"):
            if key not in panel:
                fail(f"panel {panel.get('title', '?')} has no {key}")
        if panel["id"] in ids:
            fail(f"panel id {panel['id']} is used twice")
        ids.add(panel["id"])
        if panel["datasource"].get("type") != "prometheus":
            fail(f"panel {panel['title']} does not query Prometheus")
        if not panel["targets"]:
            fail(f"panel {panel['title']} has no query")
        for target in panel["targets"]:
            exprs.append((panel["title"], target["expr"]))

    with tempfile.TemporaryDirectory() as work:
        rules = os.path.join(work, "panels.yml")
        with open(rules, "w", encoding="utf-8") as f:
            f.write("groups:\n  - name: dashboard\n    rules:\n")
            for index, (_, expr) in enumerate(exprs):
                f.write(f"      - record: vitalsign_dashboard_panel_{index}\n")
                f.write(f"        expr: {json.dumps(expr.replace('$job', 'vitalsign-gateway'))}\n")
        checked = subprocess.run(["promtool", "check", "rules", rules], capture_output=True, text=True)
        if checked.returncode != 0:
            fail(f"a panel query is not valid PromQL:\n{checked.stdout}{checked.stderr}")

    with open(metrics_path, encoding="utf-8") as f:
        exposed = set(re.findall(r"^# TYPE (\w+) ", f.read(), re.M))
    with open(alerts_path, encoding="utf-8") as f:
        alerts = f.read()
    named = {(title, name) for title, expr in exprs for name in re.findall(r"vitalsign_\w+", expr)}
    named |= {("alerts.yml", name) for name in re.findall(r"vitalsign_\w+", alerts)}
    missing = []
    for where, name in sorted(named):
        base = re.sub(r"_(sum|count|bucket)$", "", name)
        if name not in exposed and base not in exposed:
            missing.append(f"{name} ({where})")
    if missing:
        fail("not exposed by the gateway: " + ", ".join(missing))
    print(f"check_dashboard: {len(dashboard['panels'])} panels, {len(exprs)} queries valid; "
          f"{len(named)} metric names, every one exposed by the live gateway")


if __name__ == "__main__":
    main()
