#!/usr/bin/python3
"""Compares a FHIR export's ECG Observations with the replayed recording:
  check_waveform_export.py RECORDING.csv BUNDLE.json
The n-th ECG line of the recording must be the n-th ECG Observation (in
seq order): the same samples, one by one, the period its rate gives (ms) and
the factor its exponent gives (mV). Exit 1 naming the first difference."""
import json
import sys


def recording_lines(path):
    lines = []
    with open(path, encoding="ascii") as f:
        for line in f:
            if not line.strip() or line.startswith("#") or line.startswith("time_ms"):
                continue
            fields = line.rstrip("\n").split(",")
            if len(fields) == 6 and fields[1] == "ECG":
                lines.append({"rate_mhz": int(fields[2]), "exponent": int(fields[3]),
                              "samples": [int(v) for v in fields[5].split(";")]})
    return lines


def ecg_observations(path):
    with open(path, encoding="utf-8") as f:
        bundle = json.load(f)
    found = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Observation" or "valueSampledData" not in resource:
            continue
        codes = [c.get("code") for c in resource["code"]["coding"]]
        seq = int(entry["request"]["ifNoneExist"].rsplit("/", 1)[-1].split(",")[0])
        found.append((seq, codes, resource["valueSampledData"]))
    return [item for item in sorted(found, key=lambda item: item[0])]


def main():
    recording, exported = recording_lines(sys.argv[1]), ecg_observations(sys.argv[2])
    if len(exported) != len(recording):
        sys.exit(f"check_waveform_export: {len(recording)} ECG lines, "
                 f"{len(exported)} ECG Observations")
    for second, (line, (seq, codes, sampled)) in enumerate(zip(recording, exported)):
        where = f"second {second} (seq {seq})"
        samples = [int(v) for v in sampled["data"].split(" ")]
        if samples != line["samples"]:
            first = next(i for i, (a, b) in enumerate(zip(samples, line["samples"])) if a != b) \
                if len(samples) == len(line["samples"]) else min(len(samples), len(line["samples"]))
            sys.exit(f"check_waveform_export: {where}: sample {first} differs "
                     f"({len(samples)} exported, {len(line['samples'])} recorded)")
        period_ms = 1e6 / line["rate_mhz"]
        if abs(sampled["period"] - period_ms) > 1e-9:
            sys.exit(f"check_waveform_export: {where}: period {sampled['period']}, not {period_ms}")
        if abs(float(sampled.get("factor", 1)) - 10 ** line["exponent"]) > 1e-12:
            sys.exit(f"check_waveform_export: {where}: factor {sampled.get('factor')}, "
                     f"not 1e{line['exponent']}")
        if sampled["origin"]["code"] != "mV":
            sys.exit(f"check_waveform_export: {where}: origin unit {sampled['origin']['code']}")
    total = sum(len(line["samples"]) for line in recording)
    print(f"check_waveform_export: {len(recording)} ECG segments, {total} samples, "
          "identical in the FHIR export")


if __name__ == "__main__":
    main()
