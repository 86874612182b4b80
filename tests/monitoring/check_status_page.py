#!/usr/bin/python3
"""Checks the gateway's status pages, as Chromium rendered them, against
`vitalsign status --json` read from the same store at rest:
  check_status_page.py STATUS.json FLEET.html DEVICE.html DEVICE_ID
Every number the pages mark with an id, every anchor row and every device
row must say what the store says. Exit 1 naming the first that does not."""
import json
import sys
import time
from html.parser import HTMLParser

SILENT_AFTER_MS = 15 * 60 * 1000  # StatusPage::kSilentAfterMs


class Page(HTMLParser):
    """Text of each element with an id; rows (tr) by class with their data-*."""

    def __init__(self):
        super().__init__()
        self.by_id = {}
        self.rows = []
        self._open_ids = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.by_id[attrs["id"]] = ""
            self._open_ids.append((tag, attrs["id"]))
        if tag == "tr" and "class" in attrs:
            self.rows.append(attrs)

    def handle_endtag(self, tag):
        if self._open_ids and self._open_ids[-1][0] == tag:
            self._open_ids.pop()

    def handle_data(self, data):
        for _, element_id in self._open_ids:
            self.by_id[element_id] += data


def parse(path):
    page = Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    return page


def expect(what, shown, wanted):
    if str(shown).strip() != str(wanted):
        sys.exit(f"check_status_page: {what}: the page says {shown!r}, the store {wanted!r}")


def state_of(device, now_ms):
    flags = device["flags"].split(",") if device["flags"] else []
    for flag in ("revoked", "equivocated", "gap"):
        if flag in flags:
            return flag
    if device["last_sealed_ms"] == 0 or device["last_sealed_ms"] + SILENT_AFTER_MS < now_ms:
        return "silent"
    return "healthy"


def main():
    status_path, fleet_path, device_path, device_id = sys.argv[1:5]
    with open(status_path, encoding="utf-8") as f:
        status = json.load(f)
    fleet, device_page = parse(fleet_path), parse(device_path)
    now_ms = int(time.time() * 1000)

    states = {}
    for device in status["devices"]:
        state = state_of(device, now_ms)
        states[state] = states.get(state, 0) + 1
    expect("devices in all", fleet.by_id.get("count-total"), len(status["devices"]))
    for state in ("healthy", "gap", "equivocated", "revoked", "silent"):
        expect(f"{state} devices", fleet.by_id.get(f"count-{state}"), states.get(state, 0))
    expect("blocks waiting for a batch", fleet.by_id.get("queued-blocks"), status["queued_blocks"])
    expect("batches awaiting finality", fleet.by_id.get("awaiting-finality"),
           status["batches_awaiting_finality"])
    expect("batches anchored", fleet.by_id.get("batches-anchored"), status["next_batch_id"] - 1)

    anchors = [row["data-batch"] for row in fleet.rows if row.get("class") == "anchor"]
    wanted = [str(anchor["batch_id"]) for anchor in status["recent_anchors"]]
    expect("newest anchors", anchors[: len(wanted)], wanted)
    rows = {row["data-device"] for row in fleet.rows if row.get("class") == "device"}
    expect("device rows", sorted(rows), sorted(d["device_id"] for d in status["devices"]))

    device = next(d for d in status["devices"] if d["device_id"] == device_id)
    expect("the device's state", device_page.by_id.get("device-state"), state_of(device, now_ms))
    expect("the device's tip", device_page.by_id.get("device-tip"), device["tip_height"])
    expect("the device's held blocks", device_page.by_id.get("device-held"), device["held_blocks"])
    heights = [int(row["data-height"]) for row in device_page.rows if row.get("class") == "block"]
    tip = device["tip_height"]
    expect("the device's recent blocks", heights, list(range(tip, max(-1, tip - 10), -1)))
    if not device_page.by_id.get("device-last-receipt", "").startswith(f"block {tip}, "):
        sys.exit("check_status_page: the device's last receipt is not its tip's: "
                 + repr(device_page.by_id.get("device-last-receipt")))
    print(f"check_status_page: {len(status['devices'])} devices ({states}), "
          f"{len(anchors)} anchors and {len(heights)} recent blocks agree with the store")


if __name__ == "__main__":
    main()
