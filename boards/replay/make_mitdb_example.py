#!/usr/bin/python3
"""Writes mitdb-208-ecg.csv, the replay board's waveform example, from a real
recording: MIT-BIH Arrhythmia Database record 208, lead MLII, 360 Hz, the
5-minute excerpt (19:35 to 24:35) that Debian's python3-scipy ships as
scipy/misc/ecg.dat (an .npz holding the ADC values as uint16; mV = (adc -
1024) / 200, as scipy.misc.electrocardiogram() converts them).
  make_mitdb_example.py [ECG_DAT [SECONDS [OUT]]]
One ECG line per second of recording: 360 samples in units of 5 uV, that
is (adc - 1024) * 5 with exponent -3 (mV), so no value is rounded.
No numpy needed: the .npy header is read by hand."""
import ast
import struct
import sys
import zipfile

ECG_DAT = "/usr/lib/python3/dist-packages/scipy/misc/ecg.dat"
RATE_HZ = 360
START_MS = 1767225600000  # 2026-01-01T00:00:00Z: any epoch will do


def adc_values(path):
    with zipfile.ZipFile(path) as archive:
        data = archive.read("ecg.npy")
    if data[:6] != b"\x93NUMPY":
        sys.exit(f"{path}: ecg.npy is not a .npy array")
    major = data[6]
    header_length = struct.unpack("<H" if major == 1 else "<I", data[8:10] if major == 1 else data[8:12])[0]
    offset = (10 if major == 1 else 12) + header_length
    header = ast.literal_eval(data[offset - header_length:offset].decode("latin1"))
    if header["descr"] not in ("<u2", "|u2") or header["fortran_order"]:
        sys.exit(f"{path}: expected little-endian uint16 samples, found {header}")
    count = header["shape"][0]
    return struct.unpack(f"<{count}H", data[offset:offset + 2 * count])


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else ECG_DAT
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    out = sys.argv[3] if len(sys.argv) > 3 else "mitdb-208-ecg.csv"
    adc = adc_values(path)
    if seconds * RATE_HZ > len(adc):
        sys.exit(f"{path}: holds {len(adc) // RATE_HZ} s, not {seconds}")
    with open(out, "w", encoding="ascii") as f:
        f.write("# MIT-BIH Arrhythmia Database record 208, lead MLII, 360 Hz, from 19:35\n"
                "# (Moody GB, Mark RG, IEEE Eng Med Biol 20(3):45-50, 2001; PhysioNet,\n"
                "# doi:10.13026/C2F305, ODC-By 1.0), as Debian's python3-scipy ships it\n"
                "# (scipy/misc/ecg.dat). Made by make_mitdb_example.py: one line a second,\n"
                "# samples in 5 uV units (exponent -3: mV), quality 0.\n")
        f.write("time_ms,kind,rate_mhz,exponent,quality,samples\n")
        for second in range(seconds):
            values = adc[second * RATE_HZ:(second + 1) * RATE_HZ]
            samples = ";".join(str((value - 1024) * 5) for value in values)
            f.write(f"{START_MS + second * 1000},ECG,{RATE_HZ * 1000},-3,0,{samples}\n")
    print(f"{out}: {seconds} s of record 208 ({seconds * RATE_HZ} samples)")


if __name__ == "__main__":
    main()
