#!/usr/bin/env python3
"""Differential test of custodia's field verdicts against the reference
implementations: libphonenumber (its Python port `phonenumbers`),
`python-stdnum` and `email-validator`, at the versions pinned in
requirements.txt.

It generates cases per kind (phone in every region of the metadata, email,
China resident id, USCC, US SSN, the personal national ids of Spain,
France, Italy, Germany, the Netherlands, Brazil, India, Korea and Canada,
the same read by the record's country (kind `national_id`, scheme
`by_country`), IBAN, payment card): valid examples taken
from the references' own metadata, and realistic corruptions of them (a
digit changed, dropped, inserted or transposed; letters; the wrong region;
junk; spaces, full-width, zero-width and control characters; national,
international and IDD-prefixed forms). Each case goes through custodia (the
`verdicts` example, which normalizes and validates it) and through the
reference, and the table says how often the two agree on validity and, for
the values the reference calls valid, on the normalized form.

A disagreement that one of custodia's documented deliberate differences
explains (README, "Verdicts") is counted as such; any other is
unexplained. The run fails when a kind's unexplained differences exceed
0.1 % of its cases.

Seeded and reproducible: the same seed and versions give the same cases.

    python3 differential.py --cases 60000 --seed 1 --binary PATH
"""

import argparse
import collections
import datetime
import json
import os
import random
import subprocess
import sys
import unicodedata

import phonenumbers as pn
from email_validator import EmailNotValidError, validate_email
from phonenumbers import PhoneNumberFormat as PF
from phonenumbers import PhoneNumberType as PT
from stdnum import iban as std_iban
from stdnum import luhn as std_luhn
from stdnum.cn import ric as std_ric
from stdnum.cn import uscc as std_uscc
from stdnum.exceptions import ValidationError
from stdnum import verhoeff as std_verhoeff
from stdnum.br import cpf as std_cpf
from stdnum.ca import sin as std_sin
from stdnum.de import idnr as std_idnr
from stdnum.es import dni as std_dni
from stdnum.es import nie as std_nie
from stdnum.fr import nir as std_nir
from stdnum.in_ import aadhaar as std_aadhaar
from stdnum.iso7064 import mod_11_10 as std_mod_11_10
from stdnum.it import codicefiscale as std_cf
from stdnum.kr import rrn as std_rrn
from stdnum.nl import bsn as std_bsn
from stdnum.us import ssn as std_ssn
from stdnum.util import clean as std_clean

KINDS = ["phone", "email", "cn_resident_id", "cn_uscc", "us_ssn", "iban", "payment_card",
         "es_dni", "fr_nir", "it_codice_fiscale", "de_idnr", "nl_bsn", "br_cpf", "in_aadhaar",
         "kr_rrn", "ca_sin", "national_id"]
# Share of the cases per kind.
SHARES = {
    "phone": 0.46,
    "email": 0.18,
    "cn_resident_id": 0.08,
    "cn_uscc": 0.07,
    "us_ssn": 0.06,
    "iban": 0.09,
    "payment_card": 0.06,
    # Personal national ids of other countries, and `by_country` (the
    # record's country picks the scheme).
    "es_dni": 0.025,
    "fr_nir": 0.025,
    "it_codice_fiscale": 0.025,
    "de_idnr": 0.025,
    "nl_bsn": 0.025,
    "br_cpf": 0.025,
    "in_aadhaar": 0.025,
    "kr_rrn": 0.025,
    "ca_sin": 0.025,
    "national_id": 0.05,
}
# Scaled so that the shares add up to one.
SHARES = {kind: share / sum(SHARES.values()) for kind, share in SHARES.items()}

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
CONTROL = ["\x07", "\x1b", "\x7f", "\x00", "\x08", "\x0b"]
JUNK_WORDS = ["n/a", "N/A", "unknown", "-", "none", "tbd", "?", "0", "x", "null", "---", "see notes"]


# --- corruptions -----------------------------------------------------------

def digit_positions(s):
    return [i for i, c in enumerate(s) if c.isascii() and c.isdigit()]


def change_digit(rng, s):
    pos = digit_positions(s)
    if not pos:
        return None
    i = rng.choice(pos)
    d = rng.choice([c for c in "0123456789" if c != s[i]])
    return s[:i] + d + s[i + 1:]


def drop_digit(rng, s):
    pos = digit_positions(s)
    if len(pos) < 2:
        return None
    i = rng.choice(pos)
    return s[:i] + s[i + 1:]


def insert_digit(rng, s):
    pos = digit_positions(s)
    if not pos:
        return None
    i = rng.choice(pos + [pos[-1] + 1])
    return s[:i] + rng.choice("0123456789") + s[i:]


def transpose_digits(rng, s):
    pos = digit_positions(s)
    pairs = [(a, b) for a, b in zip(pos, pos[1:]) if s[a] != s[b]]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    chars = list(s)
    chars[a], chars[b] = chars[b], chars[a]
    return "".join(chars)


def letter(rng, s):
    pos = digit_positions(s)
    if not pos:
        return None
    i = rng.choice(pos)
    return s[:i] + rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz") + s[i + 1:]


def insert_at_random(rng, s, piece, inner=True):
    lo, hi = (1, len(s) - 1) if inner and len(s) > 2 else (0, len(s))
    i = rng.randint(lo, hi)
    return s[:i] + piece + s[i:]


def spaces(rng, s):
    out = s
    for _ in range(rng.randint(1, 3)):
        out = insert_at_random(rng, out, rng.choice([" ", "  ", "\t", "\u00a0"]), inner=False)
    return out


def full_width(rng, s):
    def fw(c):
        if c == " ":
            return "\u3000"
        if "!" <= c <= "~":
            return chr(ord(c) + 0xFEE0)
        return c
    return "".join(fw(c) for c in s)


def zero_width(rng, s):
    return insert_at_random(rng, s, rng.choice(ZERO_WIDTH))


def control(rng, s):
    return insert_at_random(rng, s, rng.choice(CONTROL))


def junk(rng, _s):
    if rng.random() < 0.4:
        return rng.choice(JUNK_WORDS)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789+-()/.,# @"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 20))).strip() or "x"


COMMON = {
    "digit_changed": change_digit,
    "digit_dropped": drop_digit,
    "digit_inserted": insert_digit,
    "digits_transposed": transpose_digits,
    "letter": letter,
    "junk": junk,
    "spaces": spaces,
    "full_width": full_width,
    "zero_width": zero_width,
    "control": control,
}


# --- phones ----------------------------------------------------------------

PHONE_TYPES = [PT.FIXED_LINE, PT.MOBILE, PT.TOLL_FREE, PT.PREMIUM_RATE, PT.SHARED_COST,
               PT.VOIP, PT.PERSONAL_NUMBER, PT.PAGER, PT.UAN, PT.VOICEMAIL]


def phone_bases(rng, region, want):
    """Valid numbers of `region`: the metadata's example numbers with their
    last digits varied, kept when the reference calls them valid."""
    examples = []
    for t in PHONE_TYPES:
        n = (pn.example_number_for_type(region, t) if region != "001"
             else None)
        if n is not None:
            examples.append(n)
    if region == "001":
        for cc in sorted(pn.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
            n = pn.example_number_for_non_geo_entity(cc)
            if n is not None:
                examples.append(n)
    found = {}
    for n in examples:
        found[pn.format_number(n, PF.E164)] = n
    tries = 0
    while examples and len(found) < want and tries < want * 30:
        tries += 1
        base = rng.choice(examples)
        nsn = pn.national_significant_number(base)
        k = rng.randint(1, min(4, max(1, len(nsn) - 2)))
        varied = nsn[:-k] + "".join(rng.choice("0123456789") for _ in range(k))
        try:
            n = pn.parse("+%d%s" % (base.country_code, varied), None)
        except pn.NumberParseException:
            continue
        if pn.is_valid_number(n) and (region == "001" or pn.region_code_for_number(n) == region):
            found[pn.format_number(n, PF.E164)] = n
    return list(found.values())


PHONE_CATEGORIES = [
    ("national", 12), ("international", 6), ("e164", 6), ("rfc3966", 2), ("idd", 8),
    ("e164_trunk_prefix", 4), ("extension", 4), ("no_region", 3), ("wrong_region", 8),
    ("digit_changed", 8), ("digit_dropped", 6), ("digit_inserted", 6), ("digits_transposed", 5),
    ("letter", 4), ("junk", 3), ("spaces", 4), ("full_width", 4), ("zero_width", 3), ("control", 3),
]


def weighted(rng, table):
    total = sum(w for _, w in table)
    x = rng.uniform(0, total)
    for name, w in table:
        x -= w
        if x <= 0:
            return name
    return table[-1][0]


def phone_cases(rng, count):
    regions = sorted(pn.SUPPORTED_REGIONS) + ["001"]
    per_region = max(1, count // len(regions))
    idd_regions = [r for r in sorted(pn.SUPPORTED_REGIONS)
                   if pn.PhoneMetadata.metadata_for_region(r).international_prefix]
    cases = []
    for region in regions:
        bases = phone_bases(rng, region, 12)
        if not bases:
            continue
        for _ in range(per_region):
            n = rng.choice(bases)
            default = None if region == "001" else region
            category = weighted(rng, PHONE_CATEGORIES)
            national = pn.format_number(n, PF.NATIONAL)
            international = pn.format_number(n, PF.INTERNATIONAL)
            e164 = pn.format_number(n, PF.E164)
            value, parse_region = None, default
            if default is None and category in ("national", "no_region", "wrong_region"):
                category = "international"
            if category == "national":
                value = national
            elif category == "international":
                value, parse_region = international, rng.choice([default, None])
            elif category == "e164":
                value, parse_region = e164, rng.choice([default, None])
            elif category == "rfc3966":
                value = pn.format_number(n, PF.RFC3966)
            elif category == "idd":
                origin = rng.choice(idd_regions)
                value, parse_region = pn.format_out_of_country_calling_number(n, origin), origin
            elif category == "e164_trunk_prefix":
                md = pn.PhoneMetadata.metadata_for_region(region) if default else None
                prefix = md.national_prefix if md is not None else None
                if not prefix:
                    category, value = "e164", e164
                else:
                    value = "+%d%s%s" % (n.country_code, prefix, pn.national_significant_number(n))
                    parse_region = rng.choice([default, None])
            elif category == "extension":
                ext = str(rng.randint(1, 99999))
                value = rng.choice([national + " ext. " + ext, international + " x" + ext,
                                    e164 + ";ext=" + ext, national + " #" + ext])
            elif category == "no_region":
                value, parse_region = national, None
            elif category == "wrong_region":
                value, parse_region = national, rng.choice([r for r in regions[:-1] if r != region])
            else:
                source = rng.choice([national, international]) if default else international
                value = COMMON[category](rng, source)
            if value is None:
                continue
            cases.append({"kind": "phone", "region": parse_region, "value": value,
                          "category": category, "home": region})
    return cases


def ref_phone(case):
    try:
        n = pn.parse(case["value"], case["region"])
    except pn.NumberParseException:
        return False, None
    return pn.is_valid_number(n), pn.format_number(n, PF.E164)


# --- email -----------------------------------------------------------------

LOCALS = ["ann", "john.smith", "j.smith+news", "o'neil", "user_name-1", "a", "x1", "mary-jane",
          "Ann.ONeil", "zhang.wei", "li_na", "info", "Support", "sales", "first.last", "c3po",
          "用户", "josé", "müller", "δοκιμή", "почта", "たなか", "b.c.d", "z+tag"]
DOMAINS = ["example.com", "mail.example.org", "example.co.uk", "gmail.com", "web.de",
           "outlook.com", "例子.中国", "bücher.de", "a-b.io", "sub.domain.example.net",
           "example.museum", "yandex.ru", "пример.рф", "xn--bcher-kva.de", "qq.com",
           "company.com.cn", "uni-hamburg.de", "xn--fsqu00a.xn--fiqs8s", "example.c", "t.co"]
SPECIAL = ["test", "local", "localhost", "invalid", "onion", "arpa", "home.arpa"]

EMAIL_CATEGORIES = [
    ("valid", 14), ("upper_case", 4), ("rfc2142_mailbox", 2), ("idn_ascii", 3),
    ("combining_mark", 2), ("full_width_local", 3), ("full_width_domain", 3), ("full_width_at", 1),
    ("zero_width", 4), ("soft_hyphen", 3), ("control", 4), ("trailing_dot", 3), ("inner_space", 4),
    ("surrounding_space", 3), ("special_use", 5), ("double_dot", 2), ("leading_dot", 2),
    ("dot_before_at", 2), ("missing_at", 2), ("double_at", 2), ("junk", 3), ("quoted", 1),
    ("ip_literal", 1), ("bad_domain_char", 2), ("hyphen_label", 2), ("numeric_tld", 2),
    ("no_dot_domain", 2), ("long_label", 1), ("display_name", 1), ("letter_swap", 3),
]


def email_cases(rng, count):
    cases = []
    for _ in range(count):
        local, domain = rng.choice(LOCALS), rng.choice(DOMAINS)
        category = weighted(rng, EMAIL_CATEGORIES)
        v = local + "@" + domain
        if category == "upper_case":
            v = (local.upper() if rng.random() < 0.5 else local) + "@" + domain.upper()
        elif category == "rfc2142_mailbox":
            v = rng.choice(["INFO", "Sales", "PostMaster", "abuse"]) + "@" + domain
        elif category == "idn_ascii":
            v = local + "@" + rng.choice(["xn--bcher-kva.de", "XN--FSQU00A.xn--fiqs8s", "xn--e1afmkfd.xn--p1ai"])
        elif category == "combining_mark":
            v = rng.choice(["jose\u0301", "mu\u0308ller", "e\u0301"]) + "@" + domain
        elif category == "full_width_local":
            v = full_width(rng, local) + "@" + domain
        elif category == "full_width_domain":
            v = local + "@" + full_width(rng, domain)
        elif category == "full_width_at":
            v = local + "\uff20" + domain
        elif category == "zero_width":
            v = zero_width(rng, v)
        elif category == "soft_hyphen":
            v = insert_at_random(rng, v, "\u00ad")
        elif category == "control":
            v = control(rng, v)
        elif category == "trailing_dot":
            v = v + "."
        elif category == "inner_space":
            v = insert_at_random(rng, v, " ")
        elif category == "surrounding_space":
            v = rng.choice([" ", "  ", "\t"]) + v + rng.choice(["", " ", "\u3000"])
        elif category == "special_use":
            tld = rng.choice(SPECIAL)
            v = local + "@" + (tld if tld == "localhost" and rng.random() < 0.5 else "mail." + tld)
        elif category == "double_dot":
            v = local + ".." + rng.choice(["x", "y"]) + "@" + domain
        elif category == "leading_dot":
            v = "." + v
        elif category == "dot_before_at":
            v = local + ".@" + domain
        elif category == "missing_at":
            v = local + domain
        elif category == "double_at":
            v = local + "@@" + domain
        elif category == "junk":
            v = junk(rng, v)
        elif category == "quoted":
            v = '"' + local + ' x"@' + domain
        elif category == "ip_literal":
            v = local + "@[192.0.2." + str(rng.randint(1, 254)) + "]"
        elif category == "bad_domain_char":
            v = local + "@" + rng.choice(["exa_mple.com", "exa mple.com", "ex!ample.com", "exam,ple.com"])
        elif category == "hyphen_label":
            v = local + "@" + rng.choice(["-example.com", "example-.com", "ab--cd.com", "a.-b.com"])
        elif category == "numeric_tld":
            v = local + "@" + rng.choice(["example.123", "1.2.3.4", "example.c1"])
        elif category == "no_dot_domain":
            v = local + "@" + rng.choice(["example", "mailserver", "corp"])
        elif category == "long_label":
            v = local + "@" + "a" * rng.randint(64, 70) + ".com"
        elif category == "display_name":
            v = "Ann Example <" + v + ">"
        elif category == "letter_swap":
            chars = list(v)
            i = rng.randrange(len(chars))
            chars[i] = rng.choice("!#$%&*=?^`{|}~;:,<>[]\\()")
            v = "".join(chars)
        cases.append({"kind": "email", "region": None, "value": v, "category": category})
    return cases


def ref_email(case):
    try:
        r = validate_email(case["value"], check_deliverability=False)
    except EmailNotValidError:
        return False, None
    return True, r.normalized


# --- China resident id and USCC -------------------------------------------

def load_divisions():
    """Division codes from python-stdnum's GB/T 2260 table, with the years
    each was in use ((code, start, end), None for open)."""
    path = os.path.join(os.path.dirname(std_ric.__file__), "loc.dat")
    out = []
    province = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            if not line.startswith(" "):
                province = line.split()[0]
                continue
            sub, _, rest = line.strip().partition(" ")
            county = rest.split('"')[1] if '"' in rest else ""
            for item in county.split(","):
                start = end = None
                if item.startswith("["):
                    span = item[1:].split("]")[0]
                    s, e = span.split("-")
                    start, end = (int(s) if s else None), (int(e) if e else None)
                out.append((province + sub, start, end))
    return out


DIVISIONS = None


def divisions():
    global DIVISIONS
    if DIVISIONS is None:
        DIVISIONS = load_divisions()
    return DIVISIONS


def ric_with_check(first17):
    return first17 + std_ric.calc_check_digit(first17 + "0")


def random_date(rng, lo, hi):
    start = datetime.date(lo, 1, 1).toordinal()
    end = datetime.date(hi, 12, 31).toordinal()
    return datetime.date.fromordinal(rng.randint(start, end))


def valid_ric(rng):
    while True:
        code, start, end = rng.choice(divisions())
        if code.endswith("0000") or code.endswith("00"):
            continue
        lo, hi = max(start or 1930, 1930), min(end or 2010, 2010)
        if lo > hi:
            continue
        d = random_date(rng, lo, hi)
        number = ric_with_check(code + d.strftime("%Y%m%d") + "%03d" % rng.randint(0, 999))
        if std_ric.is_valid(number):
            return number, code, d


RIC_CATEGORIES = [
    ("valid", 20), ("lower_x", 3), ("spaces", 4), ("legacy_15", 5), ("retired_code", 6),
    ("unknown_code", 6), ("birth_date", 4), ("digit_changed", 8), ("digit_dropped", 4),
    ("digit_inserted", 4), ("digits_transposed", 6), ("letter", 4), ("junk", 3),
    ("full_width", 4), ("zero_width", 3), ("control", 3),
]


def ric_cases(rng, count):
    retired = [(c, s, e) for c, s, e in divisions() if e is not None and e < 2005 and not c.endswith("00")]
    known = {c for c, _, _ in divisions()}
    cases = []
    for _ in range(count):
        number, code, d = valid_ric(rng)
        category = weighted(rng, RIC_CATEGORIES)
        v = number
        if category == "lower_x":
            while not number.endswith("X"):
                number, code, d = valid_ric(rng)
            v = number.lower()
        elif category == "spaces":
            v = rng.choice([" ".join([number[:6], number[6:14], number[14:]]), " " + number + " "])
        elif category == "legacy_15":
            while d.year < 1900 or d.year > 1999:
                number, code, d = valid_ric(rng)
            v = number[:6] + number[8:17]
        elif category == "retired_code":
            c, s, e = rng.choice(retired)
            lo = max(s or 1930, 1930)
            year = e + rng.randint(1, 15) if lo > e or rng.random() < 0.5 else rng.randint(lo, e)
            year = min(year, 2015)
            d2 = random_date(rng, year, year)
            v = ric_with_check(c + d2.strftime("%Y%m%d") + "%03d" % rng.randint(0, 999))
        elif category == "unknown_code":
            while True:
                c = "%02d%04d" % (rng.choice([11, 12, 31, 44, 46, 51, 65, 99, 19]), rng.randint(0, 9999))
                if c not in known:
                    break
            v = ric_with_check(c + number[6:17])
        elif category == "birth_date":
            v = ric_with_check(number[:6] + rng.choice(["19990230", "19881301", "20010000", "18991231"]) + number[14:17])
        elif category in COMMON:
            v = COMMON[category](rng, number)
        if v is None:
            continue
        cases.append({"kind": "cn_resident_id", "region": None, "value": v, "category": category})
    return cases


def ref_ric(case):
    try:
        return True, std_ric.validate(case["value"])
    except (ValidationError, KeyError):
        # stdnum 2.2 raises KeyError for a province or prefecture code
        # (xx0000, xxxx00) that has no county entry: not valid either way.
        return False, None


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def valid_uscc(rng, department=None):
    code, _, _ = rng.choice(divisions())
    head = (department or rng.choice("123456789")) + rng.choice("1239")
    org = "".join(rng.choice("0123456789" * 3 + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    first17 = head + code + org
    return first17 + std_uscc.calc_check_digit(first17)


USCC_CATEGORIES = [
    ("valid", 24), ("department_letter", 4), ("lower_case", 4), ("spaces", 4),
    ("letter_in_division", 10),
    ("bad_letter", 4), ("digit_changed", 8), ("digit_dropped", 4), ("digit_inserted", 4),
    ("digits_transposed", 6), ("letter", 4), ("junk", 3), ("full_width", 4), ("zero_width", 3),
    ("control", 3),
]


def uscc_cases(rng, count):
    cases = []
    for _ in range(count):
        code = valid_uscc(rng)
        category = weighted(rng, USCC_CATEGORIES)
        v = code
        if category == "department_letter":
            v = valid_uscc(rng, rng.choice("ANY"))
        elif category == "lower_case":
            v = code.lower()
        elif category == "spaces":
            v = rng.choice([code[:2] + " " + code[2:8] + " " + code[8:], code[:9] + "-" + code[9:], " " + code])
        elif category == "letter_in_division":
            i = rng.randint(2, 7)
            first17 = code[:i] + rng.choice("ABCDEFGHJKLMNPQRTUWXY") + code[i + 1:17]
            v = first17 + std_uscc.calc_check_digit(first17)
        elif category == "bad_letter":
            i = rng.randint(8, 16)
            v = code[:i] + rng.choice("IOSVZ") + code[i + 1:]
        elif category in COMMON:
            v = COMMON[category](rng, code)
        if v is None:
            continue
        cases.append({"kind": "cn_uscc", "region": None, "value": v, "category": category})
    return cases


def ref_uscc(case):
    try:
        return True, std_uscc.validate(case["value"])
    except ValidationError:
        return False, None


# --- US SSN ----------------------------------------------------------------

SSN_CATEGORIES = [
    ("valid", 20), ("compact", 8), ("never_issued", 10), ("spaces", 4), ("digit_changed", 8),
    ("digit_dropped", 5), ("digit_inserted", 5), ("digits_transposed", 5), ("letter", 4),
    ("junk", 3), ("full_width", 4), ("zero_width", 3), ("control", 3),
]


def ssn_cases(rng, count):
    cases = []
    for _ in range(count):
        while True:
            area = rng.randint(1, 899)
            if area != 666:
                break
        digits = "%03d%02d%04d" % (area, rng.randint(1, 99), rng.randint(1, 9999))
        dashed = digits[:3] + "-" + digits[3:5] + "-" + digits[5:]
        category = weighted(rng, SSN_CATEGORIES)
        v = dashed
        if category == "compact":
            v = digits
        elif category == "never_issued":
            v = rng.choice(["078-05-1120", "219-09-9999", "457-55-5462", "000-12-3456",
                            "666-12-3456", "9%02d-12-3456" % rng.randint(0, 99),
                            dashed[:4] + "00" + dashed[6:], dashed[:7] + "0000"])
        elif category == "spaces":
            v = digits[:3] + " " + digits[3:5] + " " + digits[5:]
        elif category in COMMON:
            v = COMMON[category](rng, dashed)
        if v is None:
            continue
        cases.append({"kind": "us_ssn", "region": None, "value": v, "category": category})
    return cases


def ref_ssn(case):
    try:
        return True, std_ssn.validate(case["value"])
    except ValidationError:
        return False, None


# --- IBAN ------------------------------------------------------------------

def load_iban_structures():
    path = os.path.join(os.path.dirname(std_iban.__file__), "iban.dat")
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cc = line.split()[0]
            bban = line.split('bban="')[1].split('"')[0]
            out[cc] = bban
    return out


def random_bban(rng, structure):
    out, i = [], 0
    while i < len(structure):
        j = structure.index("!", i)
        n = int(structure[i:j])
        kind = structure[j + 1]
        alphabet = {"n": "0123456789", "a": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                    "c": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}[kind]
        out.append("".join(rng.choice(alphabet) for _ in range(n)))
        i = j + 2
    return "".join(out)


def with_check_digits(cc, bban):
    return cc + std_iban.calc_check_digits(cc + "00" + bban) + bban


def valid_iban(rng, structures):
    for _ in range(5000):
        cc = rng.choice(sorted(structures))
        v = with_check_digits(cc, random_bban(rng, structures[cc]))
        if std_iban.is_valid(v):
            return v
    raise RuntimeError("no valid IBAN generated")


IBAN_CATEGORIES = [
    ("valid", 20), ("print_format", 8), ("lower_case", 4), ("letter_in_digits", 10),
    ("wrong_country", 6), ("unknown_country", 3), ("separators", 3), ("digit_changed", 8),
    ("digit_dropped", 5), ("digit_inserted", 5), ("digits_transposed", 5), ("letter", 4),
    ("junk", 3), ("full_width", 4), ("zero_width", 3), ("control", 3),
]


def iban_cases(rng, count):
    structures = load_iban_structures()
    cases = []
    for _ in range(count):
        v0 = valid_iban(rng, structures)
        category = weighted(rng, IBAN_CATEGORIES)
        v = v0
        if category == "print_format":
            v = " ".join(v0[i:i + 4] for i in range(0, len(v0), 4))
        elif category == "lower_case":
            v = v0.lower()
        elif category == "letter_in_digits":
            bban = v0[4:]
            pos = [i for i, c in enumerate(bban) if c.isdigit()]
            if pos:
                i = rng.choice(pos)
                bban = bban[:i] + rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + bban[i + 1:]
            v = with_check_digits(v0[:2], bban)
        elif category == "wrong_country":
            cc = rng.choice([c for c in sorted(structures) if c != v0[:2]])
            v = with_check_digits(cc, v0[4:])
        elif category == "unknown_country":
            v = with_check_digits(rng.choice(["US", "ZZ", "CN", "JP", "AU"]), v0[4:])
        elif category == "separators":
            v = "-".join(v0[i:i + 4] for i in range(0, len(v0), 4))
        elif category in COMMON:
            source = " ".join(v0[i:i + 4] for i in range(0, len(v0), 4)) if category == "spaces" else v0
            v = COMMON[category](rng, source)
        if v is None:
            continue
        cases.append({"kind": "iban", "region": None, "value": v, "category": category})
    return cases


def ref_iban(case):
    try:
        return True, std_iban.validate(case["value"])
    except ValidationError:
        return False, None


# --- payment cards ----------------------------------------------------------

CARD_PREFIXES = [("4", 16), ("4", 13), ("4", 19), ("51", 16), ("55", 16), ("2221", 16),
                 ("2720", 16), ("34", 15), ("37", 15), ("6011", 16), ("65", 16), ("62", 16),
                 ("62", 19), ("3528", 16), ("3589", 16), ("36", 14), ("300", 14)]

CARD_CATEGORIES = [
    ("valid", 20), ("grouped", 8), ("dashed", 4), ("digit_changed", 8), ("digit_dropped", 5),
    ("digit_inserted", 5), ("digits_transposed", 6), ("letter", 4), ("junk", 3),
    ("full_width", 4), ("zero_width", 3), ("control", 3),
]


def card_cases(rng, count):
    cases = []
    for _ in range(count):
        prefix, length = rng.choice(CARD_PREFIXES)
        payload = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
        number = payload + std_luhn.calc_check_digit(payload)
        category = weighted(rng, CARD_CATEGORIES)
        v = number
        if category == "grouped":
            v = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
        elif category == "dashed":
            v = "-".join(number[i:i + 4] for i in range(0, len(number), 4))
        elif category in COMMON:
            v = COMMON[category](rng, number)
        if v is None:
            continue
        cases.append({"kind": "payment_card", "region": None, "value": v, "category": category})
    return cases


def ref_card(case):
    """stdnum's Luhn check on the digits (spaces and hyphens removed) of a
    number of 12 to 19 digits (ISO/IEC 7812-1)."""
    number = std_clean(case["value"], " -").strip()
    if not (number.isascii() and number.isdigit() and 12 <= len(number) <= 19):
        return False, None
    return std_luhn.is_valid(number), number


# --- personal national ids of other countries ------------------------------
#
# One generator per scheme: a valid id (built from random parts, its check
# computed by python-stdnum), written as people write it (separators) or
# compact, or one of the common corruptions. The UK NINO is not here:
# python-stdnum 2.2 has no module for it.

ID_CATEGORIES = [
    ("valid", 20), ("compact", 8), ("lower_case", 3), ("special", 10), ("digit_changed", 10),
    ("digit_dropped", 5), ("digit_inserted", 5), ("digits_transposed", 6), ("letter", 4),
    ("junk", 3), ("spaces", 4), ("full_width", 4), ("zero_width", 3), ("control", 3),
]


def digits_of(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def valid_es_dni(rng):
    """(compact, written): a DNI or, one time in three, a NIE."""
    if rng.random() < 1 / 3:
        head = rng.choice("XYZ") + digits_of(rng, 7)
        number = head + std_nie.calc_check_digit(head)
        return number, number[0] + "-" + number[1:8] + "-" + number[8]
    head = digits_of(rng, 8)
    number = head + std_dni.calc_check_digit(head)
    return number, number[:8] + "-" + number[8]


def valid_fr_nir(rng):
    department = rng.choice(["%02d" % rng.randint(1, 95), "2A", "2B", "99", "75", "13"])
    head = (rng.choice("12") + "%02d" % rng.randint(0, 99) + "%02d" % rng.randint(1, 12)
            + department + digits_of(rng, 6))
    number = head + std_nir.calc_check_digits(head + "00")
    return number, " ".join([number[:1], number[1:3], number[3:5], number[5:7], number[7:10],
                             number[10:13], number[13:]])


CF_OMOCODIA = "LMNPQRSTUV"


def valid_it_codice_fiscale(rng, omocodia=False):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    d = random_date(rng, 1925, 2015)
    day = d.day + (40 if rng.random() < 0.5 else 0)
    body = ("".join(rng.choice(letters) for _ in range(6)) + "%02d" % (d.year % 100)
            + "ABCDEHLMPRST"[d.month - 1] + "%02d" % day + rng.choice(letters) + digits_of(rng, 3))
    if omocodia:
        # Digits replaced by letters from the right, as the registry does.
        chars = list(body)
        for i in [14, 13, 12, 10, 9, 7, 6][:rng.randint(1, 7)]:
            chars[i] = CF_OMOCODIA[int(chars[i])]
        body = "".join(chars)
    number = body + std_cf.calc_check_digit(body)
    return number, number


def valid_de_idnr(rng):
    while True:
        repeated = rng.choice("0123456789")
        times = rng.choice([2, 3])
        others = rng.sample([c for c in "0123456789" if c != repeated], 10 - times)
        chars = others + [repeated] * times
        rng.shuffle(chars)
        if chars[0] != "0":
            break
    head = "".join(chars)
    number = head + std_mod_11_10.calc_check_digit(head)
    return number, " ".join([number[:2], number[2:5], number[5:8], number[8:]])


def valid_nl_bsn(rng):
    while True:
        head = digits_of(rng, 8)
        check = sum((9 - i) * int(n) for i, n in enumerate(head)) % 11
        if check < 10 and int(head + str(check)) > 0:
            number = head + str(check)
            return number, number[:4] + "." + number[4:6] + "." + number[6:]


def valid_br_cpf(rng):
    while True:
        head = digits_of(rng, 9)
        number = head + std_cpf._calc_check_digits(head + "00")
        if int(number) > 0:
            return number, number[:3] + "." + number[3:6] + "." + number[6:9] + "-" + number[9:]


def valid_in_aadhaar(rng):
    while True:
        head = rng.choice("23456789") + digits_of(rng, 10)
        number = head + std_verhoeff.calc_check_digit(head)
        if number != number[::-1]:
            return number, " ".join([number[:4], number[4:8], number[8:]])


def valid_kr_rrn(rng):
    d = random_date(rng, 1930, 2020)
    sex = rng.choice("12") if d.year < 2000 else rng.choice("34")
    head = d.strftime("%y%m%d") + sex + "%02d" % rng.randint(0, 96) + digits_of(rng, 3)
    number = head + std_rrn.calc_check_digit(head)
    return number, number[:6] + "-" + number[6:]


def valid_ca_sin(rng):
    head = rng.choice("12345679") + digits_of(rng, 7)
    number = head + std_luhn.calc_check_digit(head)
    return number, number[:3] + "-" + number[3:6] + "-" + number[6:]


def special_es_dni(rng, number):
    # A NIE with another first letter, or a check letter that is none.
    return rng.choice(["W" + number[1:], number[:8] + rng.choice("IOU")])


def special_fr_nir(rng, number):
    # Another letter in the department, or Corsica with the other digit.
    return rng.choice([number[:5] + "2C" + number[7:], number[:5] + "2" + rng.choice("AB") + number[7:]])


def special_it_codice_fiscale(rng, number):
    choice = rng.random()
    if choice < 0.5:
        return valid_it_codice_fiscale(rng, omocodia=True)[0]
    if choice < 0.8:
        # An impossible birth date, check letter recomputed.
        body = number[:8] + rng.choice(["A32", "B30", "B29", "S00", "E72"]) + number[11:15]
        return body + std_cf.calc_check_digit(body)
    return number[:8] + "F" + number[9:]


def special_de_idnr(rng, number):
    # No repeated digit, or one four times; the check digit recomputed.
    head = rng.choice(["".join(rng.sample("123456789", 9)) + "0", "1111" + "".join(rng.sample("234567890", 6))])
    return head + std_mod_11_10.calc_check_digit(head)


def special_nl_bsn(rng, number):
    # An eight-digit BSN (its leading zero left out), or nine zeros.
    while True:
        v, _ = valid_nl_bsn(rng)
        if v.startswith("0"):
            return rng.choice([v[1:], v[1:], "000000000"])


def special_br_cpf(rng, number):
    return rng.choice(["00000000000", number[0] * 11, number[:9] + "%02d" % rng.randint(0, 99)])


def special_in_aadhaar(rng, number):
    # Starting with 0 or 1, or a palindrome.
    head = rng.choice("01") + number[1:]
    half = rng.choice("23456789") + digits_of(rng, 5)
    return rng.choice([head, half + half[::-1]])


def special_kr_rrn(rng, number):
    # An impossible date, a place of birth above 96, or a future birth
    # (the check digit recomputed); a century digit 9 or 0 (1800s).
    head = rng.choice([number[:2] + "1332" + number[6:12], number[:7] + "97" + number[9:12],
                       "%02d" % rng.randint(27, 99) + number[2:6] + rng.choice("34") + number[7:12],
                       number[:6] + rng.choice("90") + number[7:12]])
    return head + std_rrn.calc_check_digit(head)


def special_ca_sin(rng, number):
    # Starting with 0 or 8 (never assigned), the check digit recomputed.
    head = rng.choice("08") + number[1:8]
    return head + std_luhn.calc_check_digit(head)


ID_SCHEMES = {
    # kind: (valid, special, reference)
    "es_dni": (valid_es_dni, special_es_dni, None),
    "fr_nir": (valid_fr_nir, special_fr_nir, None),
    "it_codice_fiscale": (valid_it_codice_fiscale, special_it_codice_fiscale, None),
    "de_idnr": (valid_de_idnr, special_de_idnr, None),
    "nl_bsn": (valid_nl_bsn, special_nl_bsn, None),
    "br_cpf": (valid_br_cpf, special_br_cpf, None),
    "in_aadhaar": (valid_in_aadhaar, special_in_aadhaar, None),
    "kr_rrn": (valid_kr_rrn, special_kr_rrn, None),
    "ca_sin": (valid_ca_sin, special_ca_sin, None),
}


def id_cases(kind):
    valid, special, _ = ID_SCHEMES[kind]

    def cases(rng, count):
        out = []
        for _ in range(count):
            number, written = valid(rng)
            category = weighted(rng, ID_CATEGORIES)
            v = written
            if category == "compact":
                v = number
            elif category == "lower_case":
                v = written.lower()
            elif category == "special":
                v = special(rng, number)
            elif category in COMMON:
                v = COMMON[category](rng, written)
            if v is None:
                continue
            out.append({"kind": kind, "region": None, "value": v, "category": category})
        return out
    return cases


def ref_es_dni(value):
    try:
        return std_dni.validate(value)
    except ValidationError:
        return std_nie.validate(value)


ID_REFERENCES = {
    "es_dni": ref_es_dni, "fr_nir": std_nir.validate, "it_codice_fiscale": std_cf.validate,
    "de_idnr": std_idnr.validate, "nl_bsn": std_bsn.validate, "br_cpf": std_cpf.validate,
    "in_aadhaar": std_aadhaar.validate, "kr_rrn": std_rrn.validate, "ca_sin": std_sin.validate,
}


def id_reference(kind):
    def ref(case):
        try:
            return True, ID_REFERENCES[kind](case["value"])
        except (ValidationError, ValueError, KeyError, IndexError):
            return False, None
    return ref


# --- national ids read by the record's country -----------------------------
#
# The `by_country` scheme: a case of one country's scheme, with that
# country as the record's, compared with that scheme's reference.

BY_COUNTRY = {
    "BR": "br_cpf", "CA": "ca_sin", "CN": "cn_resident_id", "DE": "de_idnr", "ES": "es_dni",
    "FR": "fr_nir", "IN": "in_aadhaar", "IT": "it_codice_fiscale", "KR": "kr_rrn",
    "NL": "nl_bsn", "US": "us_ssn",
}


def by_country_cases(rng, count):
    cases = []
    regions = sorted(BY_COUNTRY)
    for _ in range(count):
        region = rng.choice(regions)
        for case in GENERATORS[BY_COUNTRY[region]](rng, 1):
            cases.append(dict(case, kind="national_id", region=region))
    return cases


def ref_by_country(case):
    return REFERENCES[BY_COUNTRY[case["region"]]](case)


GENERATORS = {
    "phone": phone_cases, "email": email_cases, "cn_resident_id": ric_cases,
    "cn_uscc": uscc_cases, "us_ssn": ssn_cases, "iban": iban_cases, "payment_card": card_cases,
    "national_id": by_country_cases,
}
GENERATORS.update({kind: id_cases(kind) for kind in ID_SCHEMES})
REFERENCES = {
    "phone": ref_phone, "email": ref_email, "cn_resident_id": ref_ric, "cn_uscc": ref_uscc,
    "us_ssn": ref_ssn, "iban": ref_iban, "payment_card": ref_card,
    "national_id": ref_by_country,
}
REFERENCES.update({kind: id_reference(kind) for kind in ID_SCHEMES})
ID_KINDS = ["cn_resident_id", "cn_uscc", "us_ssn", "iban", "payment_card"] + list(ID_SCHEMES)


# --- deliberate differences (README, "Verdicts") ---------------------------

def deliberate(case, ref_valid, ref_norm, ours):
    """The documented rule that explains a disagreement, or None."""
    kind, value = case["kind"], case["value"]
    if kind == "national_id":
        # Read by the scheme of the record's country.
        kind = BY_COUNTRY[case["region"]]
        case = dict(case, kind=kind)
    valid = ours["valid"]
    warnings = ours.get("warnings", [])
    if value.strip() != value:
        # Surrounding white space is not part of a value (RFC 5322 §3.4.1
        # allows folding white space around an address): trimmed.
        again = dict(case, value=value.strip())
        if REFERENCES[kind](again) == (valid, ours["normalized"] if valid else None) or (
                not valid and not REFERENCES[kind](again)[0]):
            return "surrounding_white_space"
    if kind == "cn_resident_id" and not ref_valid and valid and "id_upgraded" in warnings:
        # GB 11643-1999 §5: the 15-digit ids of GB 11643-1989 are read
        # as 18 digits (century 19, check character computed); a warning
        # says the check character was not verified.
        return "ric_legacy_15"
    if kind in ID_KINDS:
        # Separators between digit groups (spaces, hyphens, dots, slashes)
        # are removed, as they are for IBANs (ISO 13616 prints
        # groups of four) and cards (ISO/IEC 7812).
        compact = "".join(c for c in value if not (unicodedata.category(c) in ("Zs", "Zl", "Zp") or c in "-./\u2010\u2011\u2012\u2013\u2014\u2015\u2212"))
        # Full-width letters and digits are read as ASCII (Unicode
        # compatibility forms, NFKC); python-stdnum maps only the digits.
        folded = unicodedata.normalize("NFKC", compact) if any(
            "\uff01" <= c <= "\uff5e" for c in compact) else compact
        if folded != value:
            again = REFERENCES[kind](dict(case, value=folded))
            if again[0] == valid and (not valid or again[1] == ours["normalized"]):
                return "id_full_width" if folded != compact else "id_separators"
    if kind == "cn_uscc" and valid and not ref_valid and not value.strip()[:2].isdigit():
        # Letters as registration department or organization type (GB
        # 32100-2015 table 1 has departments A, N and Y); python-stdnum
        # wants digits there.
        # The same code from department 9, check character recomputed.
        first17 = "91" + std_uscc.compact(value)[2:17]
        if REFERENCES[kind](dict(case, value=first17 + std_uscc.calc_check_digit(first17)))[0]:
            return "uscc_department_letter"
    if kind == "kr_rrn" and not valid and ref_valid and "id_birth_date" in ours["errors"]:
        # A birth date after today is refused, as a China resident id's is;
        # python-stdnum accepts one by default (allow_future=True).
        return "rrn_future_birth_date"
    if kind == "nl_bsn" and not valid and ref_valid and len(std_bsn.compact(value).lstrip("0")) < 8:
        # Only an 8-digit BSN gets its leading zero back; python-stdnum
        # pads any shorter number with zeros.
        return "bsn_short"
    if kind == "it_codice_fiscale" and not valid and ref_valid and len(std_cf.compact(value)) == 11:
        # The 11-digit codice fiscale of a company (its VAT number) is not
        # a person's.
        return "cf_company_number"
    if kind == "iban" and not valid and ref_valid and not std_iban.compact(value)[2:4].isdigit():
        # ISO 13616-1: the check digits are two digits; python-stdnum only
        # checks that MOD 97 comes out right (one letter in 97 passes).
        return "iban_check_digits"
    if kind == "payment_card" and not valid and ref_valid and "id_format" in ours["errors"]:
        # The card's network (by its prefix) does not issue that length.
        return "card_network_length"
    return None


# --- running ---------------------------------------------------------------

def run_custodia(binary, cases):
    payload = "".join(json.dumps({"kind": c["kind"], "region": c["region"], "value": c["value"]},
                                 ensure_ascii=False) + "\n" for c in cases)
    done = subprocess.run([binary], input=payload.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode("utf-8", "replace"))
        raise SystemExit("custodia's verdicts binary failed")
    lines = done.stdout.decode("utf-8").splitlines()
    if len(lines) != len(cases):
        raise SystemExit("custodia gave %d verdicts for %d cases" % (len(lines), len(cases)))
    return [json.loads(line) for line in lines]


def pct(part, whole):
    return 100.0 * part / whole if whole else 100.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=60000, help="about this many cases in all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--binary", default="target/release/examples/verdicts")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--show", type=int, default=0,
                        help="print up to N unexplained disagreements per kind and category")
    parser.add_argument("--min-agreement", type=float, default=99.9,
                        help="fail when a kind's agreement, deliberate differences aside, is lower")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]

    rng = random.Random(args.seed)
    cases = []
    for kind in KINDS:
        # Each kind draws from its own stream, so that changing one kind's
        # generator leaves the other kinds' cases as they were.
        kind_rng = random.Random("%d/%s" % (args.seed, kind))
        generated = GENERATORS[kind](kind_rng, max(1, int(args.cases * SHARES[kind])))
        if kind in kinds:
            cases.extend(generated)
    del rng
    verdicts = run_custodia(args.binary, cases)

    stats = collections.defaultdict(lambda: collections.Counter())
    shown = collections.Counter()
    for case, ours in zip(cases, verdicts):
        ref_valid, ref_norm = REFERENCES[case["kind"]](case)
        keys = [(case["kind"], "*"), (case["kind"], case["category"])]
        same_valid = ref_valid == ours["valid"]
        same_norm = (not ref_valid) or ours["normalized"] == ref_norm
        rule = None if same_valid and same_norm else deliberate(case, ref_valid, ref_norm, ours)
        for key in keys:
            s = stats[key]
            s["cases"] += 1
            s["valid_agree"] += same_valid
            s["ref_valid"] += bool(ref_valid)
            s["norm_agree"] += bool(ref_valid) and same_norm
            if rule:
                s["deliberate"] += 1
                s["rule:" + rule] += 1
            elif not (same_valid and same_norm):
                s["unexplained"] += 1
        if not (same_valid and same_norm) and rule is None and shown[keys[1]] < args.show:
            shown[keys[1]] += 1
            print("DIFF %s/%s region=%s value=%r ref=(%s, %r) custodia=(%s, %r, %s)" % (
                case["kind"], case["category"], case["region"], case["value"], ref_valid,
                ref_norm, ours["valid"], ours["normalized"], ",".join(ours["errors"])))

    header = "%-16s %-20s %7s %9s %11s %10s %12s %10s" % (
        "kind", "category", "cases", "validity", "normalized", "deliberate", "unexplained", "agreement")
    print(header)
    print("-" * len(header))
    failed = []
    for kind in kinds:
        rows = sorted(k for k in stats if k[0] == kind)
        rows.sort(key=lambda k: k[1] != "*")
        for key in rows:
            s = stats[key]
            agreement = pct(s["cases"] - s["unexplained"], s["cases"])
            print("%-16s %-20s %7d %8.2f%% %10.2f%% %10d %12d %9.2f%%" % (
                key[0] if key[1] == "*" else "", "all" if key[1] == "*" else key[1], s["cases"],
                pct(s["valid_agree"], s["cases"]), pct(s["norm_agree"], s["ref_valid"]),
                s["deliberate"], s["unexplained"], agreement))
            if key[1] == "*" and agreement < args.min_agreement:
                failed.append(kind)
    total = sum(stats[(k, "*")]["cases"] for k in kinds)
    unexplained = sum(stats[(k, "*")]["unexplained"] for k in kinds)
    rules = collections.Counter()
    for key, s in stats.items():
        if key[1] != "*":
            for name, n in s.items():
                if name.startswith("rule:"):
                    rules[name[5:]] += n
    for name, n in sorted(rules.items()):
        print("deliberate: %-24s %6d" % (name, n))
    print("%d cases (seed %d); %d unexplained differences" % (total, args.seed, unexplained))
    if failed:
        print("below %.2f%% agreement: %s" % (args.min_agreement, ", ".join(failed)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
