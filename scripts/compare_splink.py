#!/usr/bin/env python3
"""custodia dedupe against Splink (DuckDB backend), on the same input, in one run.

    python3 scripts/compare_splink.py --rows 1000000

Builds nothing: run `cargo build --release --features cli` first (or pass
`--custodia PATH`). On first use it creates a virtual environment (default
`target/splink-venv`) and installs the pinned Splink from PyPI into it.

Then it writes a synthetic file of US-style person records with a seeded
generator of its own (not custodia's: nicknames, typos, swapped day and
month, missing values, reformatted phones, abbreviated streets, people
who moved, households sharing address and landline, namesakes), runs

  * `custodia dedupe` with default settings, and
  * Splink with a usual setup for this data (the same light cleaning a
    Splink user would write in SQL, five prediction blocking rules, u
    estimated from 1 M random pairs, two EM sessions, threshold 0.9,
    connected components),

each in its own process, one after the other, and prints wall time, CPU
time (user + system), peak RSS and pairwise precision, recall and F1 for
both, and Splink's figures divided by custodia's. Wall times on a machine
shared with other work are noisy; the CPU times and the ratios of one run
are what to compare between runs.

Only the standard library is needed outside the virtual environment.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPLINK_VERSION = "5.0.0"
DUCKDB_VERSION = "2.0.1"
ROOT = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------
# The generator. Seeded, deterministic, independent of custodia's.
# --------------------------------------------------------------------------

GIVEN = {
    "F": [
        ("Mary", ["Molly", "Polly"]), ("Patricia", ["Pat", "Patty", "Trish"]),
        ("Jennifer", ["Jen", "Jenny"]), ("Linda", ["Lindy"]),
        ("Elizabeth", ["Liz", "Beth", "Betty", "Eliza"]), ("Barbara", ["Barb", "Babs"]),
        ("Susan", ["Sue", "Suzy"]), ("Jessica", ["Jess", "Jessie"]),
        ("Sarah", ["Sally"]), ("Karen", []), ("Lisa", []), ("Nancy", ["Nan"]),
        ("Betty", []), ("Margaret", ["Maggie", "Peggy", "Meg"]), ("Sandra", ["Sandy"]),
        ("Ashley", []), ("Kimberly", ["Kim"]), ("Emily", ["Em"]), ("Donna", []),
        ("Michelle", ["Shelly"]), ("Dorothy", ["Dot", "Dottie"]), ("Carol", []),
        ("Amanda", ["Mandy"]), ("Melissa", ["Mel", "Missy"]), ("Deborah", ["Deb", "Debbie"]),
        ("Stephanie", ["Steph"]), ("Rebecca", ["Becky", "Becca"]), ("Sharon", []),
        ("Laura", []), ("Cynthia", ["Cindy"]), ("Kathleen", ["Kathy", "Kate"]),
        ("Amy", []), ("Angela", ["Angie"]), ("Shirley", []), ("Anna", ["Annie"]),
        ("Brenda", []), ("Pamela", ["Pam"]), ("Emma", []), ("Nicole", ["Nikki"]),
        ("Helen", []), ("Samantha", ["Sam", "Sammy"]), ("Katherine", ["Kate", "Katie", "Kat"]),
        ("Christine", ["Chris", "Tina"]), ("Debra", ["Deb"]), ("Rachel", []),
        ("Carolyn", ["Carrie"]), ("Janet", ["Jan"]), ("Catherine", ["Cathy", "Cat"]),
        ("Maria", []), ("Heather", []), ("Diane", []), ("Ruth", []), ("Julie", []),
        ("Olivia", ["Liv"]), ("Joyce", []), ("Virginia", ["Ginny"]), ("Victoria", ["Vicky", "Tori"]),
        ("Kelly", []), ("Lauren", []), ("Christina", ["Chris", "Tina"]), ("Joan", []),
        ("Evelyn", ["Evie"]), ("Judith", ["Judy"]), ("Megan", ["Meg"]), ("Andrea", []),
        ("Cheryl", []), ("Hannah", []), ("Jacqueline", ["Jackie"]), ("Martha", ["Marty"]),
        ("Gloria", []), ("Teresa", ["Terry", "Tess"]), ("Ann", []), ("Sara", []),
        ("Madison", ["Maddie"]), ("Frances", ["Fran", "Frankie"]), ("Kathryn", ["Kate"]),
        ("Janice", []), ("Jean", []), ("Abigail", ["Abby"]), ("Alice", []), ("Julia", []),
        ("Judy", []), ("Sophia", ["Sophie"]), ("Grace", []), ("Denise", []), ("Amber", []),
        ("Doris", []), ("Marilyn", []), ("Danielle", ["Dani"]), ("Beverly", ["Bev"]),
        ("Isabella", ["Bella", "Izzy"]), ("Theresa", ["Terry", "Tess"]), ("Diana", []),
        ("Natalie", []), ("Brittany", []), ("Charlotte", ["Charlie", "Lottie"]),
        ("Marie", []), ("Kayla", []), ("Alexis", ["Lexi"]), ("Lori", []),
    ],
    "M": [
        ("James", ["Jim", "Jimmy", "Jamie"]), ("Robert", ["Rob", "Bob", "Bobby"]),
        ("John", ["Jack", "Johnny"]), ("Michael", ["Mike", "Mikey"]),
        ("David", ["Dave", "Davy"]), ("William", ["Will", "Bill", "Billy", "Liam"]),
        ("Richard", ["Rick", "Dick", "Rich"]), ("Joseph", ["Joe", "Joey"]),
        ("Thomas", ["Tom", "Tommy"]), ("Christopher", ["Chris", "Kit"]),
        ("Charles", ["Charlie", "Chuck"]), ("Daniel", ["Dan", "Danny"]),
        ("Matthew", ["Matt"]), ("Anthony", ["Tony"]), ("Mark", []),
        ("Donald", ["Don", "Donny"]), ("Steven", ["Steve"]), ("Paul", []),
        ("Andrew", ["Andy", "Drew"]), ("Joshua", ["Josh"]), ("Kenneth", ["Ken", "Kenny"]),
        ("Kevin", []), ("Brian", []), ("George", []), ("Timothy", ["Tim", "Timmy"]),
        ("Ronald", ["Ron", "Ronnie"]), ("Edward", ["Ed", "Eddie", "Ted"]),
        ("Jason", []), ("Jeffrey", ["Jeff"]), ("Ryan", []), ("Jacob", ["Jake"]),
        ("Gary", []), ("Nicholas", ["Nick", "Nicky"]), ("Eric", []),
        ("Jonathan", ["Jon"]), ("Stephen", ["Steve"]), ("Larry", []), ("Justin", []),
        ("Scott", []), ("Brandon", []), ("Benjamin", ["Ben", "Benny"]),
        ("Samuel", ["Sam", "Sammy"]), ("Gregory", ["Greg"]), ("Alexander", ["Alex", "Xander"]),
        ("Frank", []), ("Patrick", ["Pat"]), ("Raymond", ["Ray"]), ("Jack", []),
        ("Dennis", []), ("Jerry", []), ("Tyler", []), ("Aaron", []), ("Jose", ["Pepe"]),
        ("Adam", []), ("Nathan", ["Nate"]), ("Henry", ["Hank", "Harry"]),
        ("Douglas", ["Doug"]), ("Zachary", ["Zach"]), ("Peter", ["Pete"]),
        ("Kyle", []), ("Ethan", []), ("Walter", ["Walt", "Wally"]), ("Noah", []),
        ("Jeremy", []), ("Christian", []), ("Keith", []), ("Roger", []),
        ("Terry", []), ("Gerald", ["Gerry", "Jerry"]), ("Harold", ["Hal", "Harry"]),
        ("Sean", []), ("Austin", []), ("Carl", []), ("Arthur", ["Art"]),
        ("Lawrence", ["Larry"]), ("Dylan", []), ("Jesse", []), ("Jordan", []),
        ("Bryan", []), ("Billy", []), ("Joe", []), ("Bruce", []), ("Gabriel", ["Gabe"]),
        ("Logan", []), ("Albert", ["Al", "Bert"]), ("Willie", []), ("Alan", ["Al"]),
        ("Juan", []), ("Wayne", []), ("Elijah", ["Eli"]), ("Randy", []), ("Roy", []),
        ("Vincent", ["Vince", "Vinny"]), ("Ralph", []), ("Eugene", ["Gene"]),
        ("Russell", ["Russ"]), ("Bobby", []), ("Mason", []), ("Philip", ["Phil"]),
        ("Louis", ["Lou"]),
    ],
}

# The 200 most frequent US surnames (2010 census order, abridged), and some rarer ones.
FAMILY = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez
Thompson White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright
Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell
Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart
Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly
Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza
Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez Powell
Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher
Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace
Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford
Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas
Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon
Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson
Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols
Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer Hawkins Arnold Pierce
Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong
Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman Johnston
Matthews Pena Richards Contreras Willis Carpenter Lawrence Sandoval Guerrero George
Chapman Rios Estrada Ortega Watkins Greene Nunez Wheeler Valdez Harper Burke Larson
Santiago Maldonado Morrison Franklin Carlson Austin Dominguez Carr Lawson Jacobs O'Brien
Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean Sims
Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber Welch Rojas
Lucas Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler
Mejia Davidson Acosta Brewer May Holland Juarez Newman Pearson Curtis Cortez Douglas
Schneider Joseph Barrett Navarro Figueroa Keller Avila Wade Molina Stanley Hopkins Campos
Barnett Bates Chambers Caldwell Beck Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers
Neal Leonard Gregory Carrillo Sutton Fleming Rhodes Shelton Schwartz Norris Jennings Watts
Duran Walters Cohen McDaniel Moran Parks Steele Vaughn Becker Holt DeLeon Barker Terry Hale
Leon Hail Benson Haynes Horton Miles Lyons Pham Graves Bush Thornton Wolfe Warner Cabrera
McKinney Mann Zimmerman Dawson Lara Fletcher Page McCarthy Love Robles Cervantes Solis
Erickson Reeves Chang Klein Salinas Fuentes Baldwin Daniel Simon Velasquez Hardy Higgins
Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Dennis Robbins Liu Ramsey Francis
Griffith Paul Blair Oconnor Cardenas Pacheco Cross Calderon Quinn Moss Swanson Chan Rivas
Khan Rodgers Serrano Fitzgerald Rosales Stevenson Christensen Manning Gill Curry McGuire
Todd Zielinski Abernathy Okafor Lindqvist Castellanos Whitfield Yamamoto Kowalski
Nakamura Petrov Brennan Gallagher Fitzpatrick Donnelly Underwood Kirkland Prescott Ashford
Blackwell Thorne Winslow Hargrove Pemberton Rutherford Sinclair Templeton Wexler""".split()

CITIES = [  # city, state, first three digits of its ZIP codes, area codes
    ("New York", "NY", "100", ["212", "646", "917"]),
    ("Brooklyn", "NY", "112", ["718", "347"]),
    ("Buffalo", "NY", "142", ["716"]),
    ("Los Angeles", "CA", "900", ["213", "310", "323"]),
    ("San Francisco", "CA", "941", ["415", "628"]),
    ("San Diego", "CA", "921", ["619", "858"]),
    ("Sacramento", "CA", "958", ["916"]),
    ("Chicago", "IL", "606", ["312", "773"]),
    ("Springfield", "IL", "627", ["217"]),
    ("Houston", "TX", "770", ["713", "281", "832"]),
    ("Dallas", "TX", "752", ["214", "469", "972"]),
    ("Austin", "TX", "787", ["512", "737"]),
    ("San Antonio", "TX", "782", ["210"]),
    ("Phoenix", "AZ", "850", ["602", "480"]),
    ("Tucson", "AZ", "857", ["520"]),
    ("Philadelphia", "PA", "191", ["215", "267"]),
    ("Pittsburgh", "PA", "152", ["412"]),
    ("Jacksonville", "FL", "322", ["904"]),
    ("Miami", "FL", "331", ["305", "786"]),
    ("Tampa", "FL", "336", ["813"]),
    ("Orlando", "FL", "328", ["407"]),
    ("Columbus", "OH", "432", ["614"]),
    ("Cleveland", "OH", "441", ["216"]),
    ("Cincinnati", "OH", "452", ["513"]),
    ("Indianapolis", "IN", "462", ["317"]),
    ("Charlotte", "NC", "282", ["704", "980"]),
    ("Raleigh", "NC", "276", ["919"]),
    ("Seattle", "WA", "981", ["206"]),
    ("Spokane", "WA", "992", ["509"]),
    ("Denver", "CO", "802", ["303", "720"]),
    ("Boston", "MA", "021", ["617", "857"]),
    ("Worcester", "MA", "016", ["508"]),
    ("Nashville", "TN", "372", ["615"]),
    ("Memphis", "TN", "381", ["901"]),
    ("Detroit", "MI", "482", ["313"]),
    ("Grand Rapids", "MI", "495", ["616"]),
    ("Portland", "OR", "972", ["503", "971"]),
    ("Las Vegas", "NV", "891", ["702"]),
    ("Baltimore", "MD", "212", ["410", "443"]),
    ("Milwaukee", "WI", "532", ["414"]),
    ("Albuquerque", "NM", "871", ["505"]),
    ("Atlanta", "GA", "303", ["404", "678"]),
    ("Kansas City", "MO", "641", ["816"]),
    ("St. Louis", "MO", "631", ["314"]),
    ("Omaha", "NE", "681", ["402"]),
    ("Minneapolis", "MN", "554", ["612"]),
    ("New Orleans", "LA", "701", ["504"]),
    ("Salt Lake City", "UT", "841", ["801"]),
    ("Richmond", "VA", "232", ["804"]),
    ("Birmingham", "AL", "352", ["205"]),
]

STREETS = """Main Oak Pine Maple Cedar Elm Washington Lake Hill Walnut Park Sunset Lincoln
Jackson Church Willow River Meadow Highland Forest Spring Ridge Chestnut Madison Franklin
Jefferson Adams Cherry Birch Lakeview Valley Dogwood Hickory Sycamore Laurel Magnolia
Center Mill North South East West Union Broad Market Grant Harrison Monroe Poplar Aspen
Juniper Holly Prospect Pleasant Summit Orchard Heritage Canyon Colonial Fairway Greenwood
Jones Adams Clinton Bridge Water Cambridge Oxford Windsor Kingston Hamilton Franklin
Riverside Woodland Vine Hawthorne Ivy Linden Mulberry Beech Spruce Cypress Redwood""".split()
SUFFIXES = [("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"),
            ("Lane", "Ln"), ("Court", "Ct"), ("Boulevard", "Blvd"), ("Place", "Pl"),
            ("Way", "Way"), ("Terrace", "Ter")]
DOMAINS = ["gmail.com", "yahoo.com", "hotmail.com", "outlook.com", "aol.com",
           "icloud.com", "comcast.net", "msn.com", "att.net", "verizon.net"]
KEYBOARD = {c: n for c, n in zip("qwertyuiopasdfghjklzxcvbnm",
                                 "wqeryuioipsdfgjhkjlxzcvbnm")}


def typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: a neighbour key, a dropped, doubled or swapped letter."""
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    kind = rng.random()
    if kind < 0.3:
        c = word[i].lower()
        if c in KEYBOARD:
            return word[:i] + KEYBOARD[c] + word[i + 1:]
        return word
    if kind < 0.55:
        return word[:i] + word[i + 1:]
    if kind < 0.75:
        return word[:i] + word[i] + word[i:]
    if i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word


def phone_number(rng: random.Random, area: str) -> str:
    exchange = rng.randrange(200, 1000)
    while exchange % 100 == 11 or exchange == 555:
        exchange = rng.randrange(200, 1000)
    return f"{area}{exchange:03d}{rng.randrange(10000):04d}"


def phone_text(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}",
                       f"+1 {a} {b} {c}", f"1{digits}", digits])


class Person:
    __slots__ = ("gender", "given", "nicknames", "family", "birth", "email", "phone",
                 "house", "street", "suffix", "city", "state", "zip", "area")


def make_address(rng: random.Random, p: Person) -> None:
    city = rng.choice(CITIES)
    p.city, p.state, p.area = city[0], city[1], rng.choice(city[3])
    p.zip = city[2] + f"{rng.randrange(100):02d}"
    p.house = str(rng.randrange(1, 9999))
    p.street = rng.choice(STREETS)
    p.suffix = rng.choice(SUFFIXES)


def make_email(rng: random.Random, given: str, family: str, birth: str) -> str:
    g, f = given.lower(), family.lower().replace("'", "")
    local = rng.choice([f"{g}.{f}", f"{g}{f}", f"{g[0]}{f}", f"{g}_{f}",
                        f"{f}.{g}", f"{g}{f}{birth[2:4]}", f"{g}{rng.randrange(1, 999)}"])
    return f"{local}@{rng.choice(DOMAINS)}"


def new_person(rng: random.Random) -> Person:
    p = Person()
    p.gender = rng.choice("FM")
    p.given, p.nicknames = rng.choice(GIVEN[p.gender])
    p.family = rng.choice(FAMILY)
    year = rng.randrange(1935, 2006)
    p.birth = f"{year:04d}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    make_address(rng, p)
    p.phone = phone_number(rng, p.area)
    p.email = make_email(rng, p.given, p.family, p.birth)
    return p


def household_member(rng: random.Random, head: Person) -> Person:
    """A spouse, child or parent: same family name, address and landline."""
    p = new_person(rng)
    p.family = head.family
    for attr in ("house", "street", "suffix", "city", "state", "zip", "area", "phone"):
        setattr(p, attr, getattr(head, attr))
    if rng.random() < 0.15:  # a son named after his father
        p.gender, p.given, p.nicknames = head.gender, head.given, head.nicknames
    if rng.random() < 0.1:  # a shared family mailbox
        p.email = head.email
    else:
        p.email = make_email(rng, p.given, p.family, p.birth)
    return p


def record(rng: random.Random, p: Person, duplicate: bool) -> dict:
    """One row for person p; a duplicate is written with the usual slips."""
    given, family, birth = p.given, p.family, p.birth
    email, phone = p.email, phone_text(rng, p.phone)
    house, street, suffix = p.house, p.street, p.suffix[0]
    city, state, zip_code = p.city, p.state, p.zip
    if duplicate:
        r = rng.random
        if p.nicknames and r() < 0.25:
            given = rng.choice(p.nicknames)
        if r() < 0.12:
            given = typo(rng, given)
        if r() < 0.10:
            family = typo(rng, family)
        if r() < 0.03:
            given, family = family, given
        if r() < 0.05:  # day and month swapped, or a digit slip
            y, m, d = birth.split("-")
            birth = f"{y}-{d}-{m}" if int(d) <= 12 else f"{y}-{m}-{int(d) % 28 + 1:02d}"
        if r() < 0.10:
            birth = ""
        if r() < 0.15:  # a new address (moved), with a new landline
            q = Person()
            make_address(rng, q)
            house, street, suffix, city, state, zip_code = (
                q.house, q.street, q.suffix[0], q.city, q.state, q.zip)
            if r() < 0.7:
                phone = phone_text(rng, phone_number(rng, q.area))
        if r() < 0.3:
            suffix = p.suffix[1]
        if r() < 0.05:
            street = typo(rng, street)
        if r() < 0.15:
            phone = ""
        if r() < 0.10:
            email = make_email(rng, p.given, p.family, p.birth)
        if r() < 0.15:
            email = ""
        if r() < 0.05:
            zip_code = ""
    case = rng.random()
    if case < 0.05:
        given, family = given.upper(), family.upper()
    elif case < 0.08:
        given, family = given.lower(), family.lower()
    if birth and rng.random() < 0.3:
        y, m, d = birth.split("-")
        birth = f"{m}/{d}/{y}"
    if email and rng.random() < 0.1:
        email = email.capitalize()
    return {
        "given_name": given, "family_name": family,
        "gender": "" if rng.random() < 0.3 else ("female" if p.gender == "F" else "male"),
        "birth_date": birth, "email": email, "phone": phone,
        "street": f"{house} {street} {suffix}", "city": city, "region": state,
        "postcode": zip_code, "country": "US",
    }


COLUMNS = ["customer_id", "given_name", "family_name", "gender", "birth_date", "email",
           "phone", "street", "city", "region", "postcode", "country"]


def generate(rows: int, seed: int, path: Path, truth_path: Path) -> int:
    """Writes `rows` records and their true person; returns the number of true pairs."""
    rng = random.Random(seed)
    out: list[tuple[int, dict]] = []
    person_id = 0
    while len(out) < rows:
        people = [new_person(rng)]
        if rng.random() < 0.25:  # a household of two to four
            people += [household_member(rng, people[0]) for _ in range(rng.randrange(1, 4))]
        for p in people:
            copies = 1
            if rng.random() < 0.3:
                copies += rng.choice([1, 1, 1, 2, 2, 3])
            for k in range(copies):
                out.append((person_id, record(rng, p, k > 0)))
            person_id += 1
    del out[rows:]
    rng.shuffle(out)
    sizes: dict[int, int] = {}
    with open(path, "w", newline="") as f, open(truth_path, "w", newline="") as t:
        w = csv.writer(f)
        tw = csv.writer(t)
        w.writerow(COLUMNS)
        tw.writerow(["customer_id", "person"])
        for i, (person, row) in enumerate(out):
            cid = f"r{i:08d}"
            w.writerow([cid] + [row[c] for c in COLUMNS[1:]])
            tw.writerow([cid, person])
            sizes[person] = sizes.get(person, 0) + 1
    return sum(n * (n - 1) // 2 for n in sizes.values())


# --------------------------------------------------------------------------
# Scoring: pairwise precision, recall and F1 of a clustering.
# --------------------------------------------------------------------------

def read_truth(path: Path) -> dict[str, str]:
    with open(path, newline="") as f:
        return {row["customer_id"]: row["person"] for row in csv.DictReader(f)}


def pairwise(truth: dict[str, str], clusters: dict[str, str]) -> tuple[float, float, float]:
    """A record missing from `clusters` is a cluster of its own."""
    def pairs(counts: dict) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    by_cluster: dict[str, int] = {}
    by_both: dict[tuple[str, str], int] = {}
    by_person: dict[str, int] = {}
    for cid, person in truth.items():
        cluster = clusters.get(cid, "self:" + cid)
        by_cluster[cluster] = by_cluster.get(cluster, 0) + 1
        by_both[(cluster, person)] = by_both.get((cluster, person), 0) + 1
        by_person[person] = by_person.get(person, 0) + 1
    tp, predicted, true = pairs(by_both), pairs(by_cluster), pairs(by_person)
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return precision, recall, f1


# --------------------------------------------------------------------------
# Running each tool in its own process, measured with wait4.
# --------------------------------------------------------------------------

# The kernel counts a process's peak memory (ru_maxrss) from its fork: a
# tool forked from this script would report at least this script's own
# peak, the generated records (about 9 GB at 10 M, more than custodia's).
# So each tool is started by a small Python process of its own, which
# measures it and hands the figures back in a file.
SPAWN = r"""
import json, os, subprocess, sys, time
start = time.monotonic()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    json.dump({"wall": time.monotonic() - start, "code": os.waitstatus_to_exitcode(status),
               "user": usage.ru_utime, "sys": usage.ru_stime,
               "rss": usage.ru_maxrss * 1024}, out)
"""


def measure(args: list[str], stdout=subprocess.DEVNULL) -> dict:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as result:
        spawner = subprocess.Popen([sys.executable, "-c", SPAWN, result.name, *args],
                                   stdout=stdout, stderr=subprocess.PIPE)
        stderr = spawner.stderr.read() if spawner.stderr else b""
        spawner.wait()
        if spawner.returncode != 0:
            sys.stderr.write(stderr.decode(errors="replace"))
            raise SystemExit(f"measuring {args[0]} failed with exit code {spawner.returncode}")
        figures = json.load(result)
    code = figures.pop("code")
    if code not in (0, 1):  # custodia exits 1 when some rows have errors
        sys.stderr.write(stderr.decode(errors="replace"))
        raise SystemExit(f"{args[0]} failed with exit code {code}")
    return figures


def run_custodia(binary: Path, input_path: Path, out_dir: Path, extra: list[str]) -> tuple[dict, dict]:
    output = out_dir / "custodia_out.csv"
    figures = measure([str(binary), "dedupe", "--quiet", "-i", str(input_path),
                       "-o", str(output), "--rejects", str(out_dir / "rejects.csv"), *extra])
    clusters = {}
    with open(output, newline="") as f:
        for row in csv.DictReader(f):
            clusters[row["customer_id"]] = row["cluster_id"]
    output.unlink()
    return figures, clusters


SPLINK_JOB = r'''
import sys, duckdb, splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
input_path, output_path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
# The cleaning a Splink user writes for this file: case, phone digits,
# US dates to ISO, street suffixes spelt out.
con.execute(f"""
CREATE TABLE people AS
SELECT customer_id AS unique_id,
  nullif(lower(trim(given_name)), '') AS given_name,
  nullif(lower(trim(family_name)), '') AS family_name,
  coalesce(try_strptime(birth_date, '%Y-%m-%d'), try_strptime(birth_date, '%m/%d/%Y'))::DATE::VARCHAR AS birth_date,
  nullif(lower(trim(email)), '') AS email,
  nullif(right(regexp_replace(phone, '[^0-9]', '', 'g'), 10), '') AS phone,
  nullif(lower(regexp_replace(regexp_replace(regexp_replace(regexp_replace(street,
      ' St$', ' Street'), ' Ave$', ' Avenue'), ' Rd$', ' Road'), ' Dr$', ' Drive')), '') AS street,
  nullif(lower(city), '') AS city,
  nullif(left(CAST(postcode AS VARCHAR), 5), '') AS postcode
FROM read_csv('{input_path}', all_varchar = true)
""")
db_api = DuckDBAPI(connection=con)
settings = SettingsCreator(
    link_type="dedupe_only",
    comparisons=[
        cl.NameComparison("given_name"),
        cl.NameComparison("family_name"),
        cl.DateOfBirthComparison("birth_date", input_is_string=True),
        cl.EmailComparison("email"),
        cl.ExactMatch("phone"),
        cl.LevenshteinAtThresholds("street", [1, 3]),
        cl.ExactMatch("city"),
        cl.ExactMatch("postcode"),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("email"),
        block_on("phone"),
        block_on("family_name", "birth_date"),
        block_on("given_name", "birth_date"),
        block_on("postcode", "given_name"),
    ],
    retain_intermediate_calculation_columns=False,
    retain_matching_columns=False,
)
linker = Linker(db_api.register("people"), settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("given_name", "family_name", "birth_date"), block_on("email")], recall=0.7)
linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("family_name", "birth_date"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
pairs = linker.inference.predict(threshold_match_probability=0.9)
clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pairs, 0.9)
con.execute(f"COPY (SELECT unique_id, cluster_id FROM {clusters.physical_name}) TO '{output_path}' (HEADER)")
'''


def ensure_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import duckdb, splink, sys; sys.exit((splink.__version__, "
             f"duckdb.__version__) != ('{SPLINK_VERSION}', '{DUCKDB_VERSION}'))"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"installing splink=={SPLINK_VERSION}, duckdb=={DUCKDB_VERSION} into {venv}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", f"splink=={SPLINK_VERSION}",
                    f"duckdb=={DUCKDB_VERSION}"],
                   check=True)
    return python


def run_splink(python: Path, input_path: Path, out_dir: Path, threads: int) -> tuple[dict, dict]:
    job = out_dir / "splink_job.py"
    job.write_text(SPLINK_JOB)
    output = out_dir / "splink_out.csv"
    figures = measure([str(python), str(job), str(input_path), str(output), str(threads)])
    clusters = {}
    with open(output, newline="") as f:
        for row in csv.DictReader(f):
            clusters[row["unique_id"]] = row["cluster_id"]
    output.unlink()
    return figures, clusters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--custodia", type=Path, default=ROOT / "target/release/custodia")
    parser.add_argument("--venv", type=Path, default=ROOT / "target/splink-venv")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="DuckDB threads (custodia uses every core)")
    parser.add_argument("--keep", type=Path, help="write the input and truth here and keep them")
    parser.add_argument("--only", choices=["custodia", "splink"], help="run one tool")
    parser.add_argument("--custodia-arg", action="append", default=[],
                        help="an extra argument for `custodia dedupe` (repeatable)")
    args = parser.parse_args()
    if args.only != "splink" and not args.custodia.exists():
        raise SystemExit(f"{args.custodia} not found: run `cargo build --release --features cli`")
    python = ensure_venv(args.venv) if args.only != "custodia" else None

    with tempfile.TemporaryDirectory(prefix="custodia-splink-") as tmp:
        work = Path(tmp)
        data_dir = args.keep or work
        data_dir.mkdir(parents=True, exist_ok=True)
        input_path, truth_path = data_dir / "input.csv", data_dir / "truth.csv"
        start = time.monotonic()
        true_pairs = generate(args.rows, args.seed, input_path, truth_path)
        print(f"{args.rows:,} records, {true_pairs:,} true pairs, seed {args.seed} "
              f"(generated in {time.monotonic() - start:.1f} s); "
              f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
        truth = read_truth(truth_path)
        results = {}
        if args.only != "splink":
            figures, clusters = run_custodia(args.custodia, input_path, work, args.custodia_arg)
            results["custodia"] = (figures, pairwise(truth, clusters))
        if args.only != "custodia" and python is not None:
            figures, clusters = run_splink(python, input_path, work, args.threads)
            results[f"splink {SPLINK_VERSION}"] = (figures, pairwise(truth, clusters))

    print(f"{'':<14} {'wall s':>8} {'CPU s':>8} {'peak RSS MiB':>13} "
          f"{'precision':>9} {'recall':>7} {'F1':>7}")
    for name, (f, (p, r, f1)) in results.items():
        print(f"{name:<14} {f['wall']:>8.1f} {f['user'] + f['sys']:>8.1f} "
              f"{f['rss'] / 2**20:>13.0f} {p:>9.4f} {r:>7.4f} {f1:>7.4f}")
    if len(results) == 2:
        (c, _), (s, _) = results.values()
        print(f"{'splink/custodia':<14} {s['wall'] / c['wall']:>8.2f} "
              f"{(s['user'] + s['sys']) / (c['user'] + c['sys']):>8.2f} "
              f"{s['rss'] / c['rss']:>13.2f}")


if __name__ == "__main__":
    main()
