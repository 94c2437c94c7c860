//! A seeded generator of realistic customer records with known duplicates,
//! for tests and benchmarks of duplicate detection.
//!
//! People live in six countries (US, GB, DE, FR, AU, CN; Chinese names in
//! characters, sometimes in pinyin); [`Generator::multilingual`] adds
//! Japan, Korea, Russia and Greece with names in kanji, kana, hangul,
//! Cyrillic and Greek beside their romanizations, Japanese era dates,
//! more households with twins and fathers and sons of one name, and
//! invalid fields. Some have duplicate records with the
//! faults real customer files have: typos, nicknames, swapped given and
//! family names, missing fields, phones and dates written another way,
//! another email domain, a move to a new address. And the data holds the
//! hard negatives that make duplicate detection difficult: households
//! (family members sharing surname, address, landline and sometimes an
//! email; twins sharing a birth date), and namesakes (common names with the
//! same birth year).

mod world;

use rayon::prelude::*;

use super::model::SplitMix;
use super::names;
use crate::error::Result;
use crate::schema::{Customer, Record};

/// Settings of the generator.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Generator {
    /// Seed: the same seed and settings give the same records.
    pub seed: u64,
    /// Share of people with duplicate records.
    pub duplicated: f64,
    /// Most extra records of one person.
    pub max_duplicates: usize,
    /// Share of people who share a household with the person before.
    pub households: f64,
    /// Share of people given the name and birth year of another.
    pub namesakes: f64,
    /// Share of household members who are twins of the person before
    /// (same birth date).
    pub twins: f64,
    /// Share of household members who carry the given name of the person
    /// before, a generation apart (father and son, Jr. and Sr.).
    pub juniors: f64,
    /// Share of records with one invalid field (an impossible date, a phone
    /// too short, an email without `@`, a postcode of letters).
    pub invalid: f64,
    /// People also live in Japan, Korea, Russia and Greece, with names in
    /// their own scripts beside romanizations.
    pub multilingual: bool,
}

impl Default for Generator {
    fn default() -> Self {
        Self {
            seed: 42,
            duplicated: 0.3,
            max_duplicates: 3,
            households: 0.2,
            namesakes: 0.02,
            twins: 0.05,
            juniors: 0.0,
            invalid: 0.0,
            multilingual: false,
        }
    }
}

/// Generated records and, for each, the person it describes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Generated {
    /// Records of the standard customer schema.
    pub records: Vec<Record>,
    /// The person of each record: equal numbers are the same person.
    pub people: Vec<u32>,
}

/// One person, before their records are written.
#[derive(Clone, Debug)]
struct Person {
    country: usize,
    given: String,
    family: String,
    /// Other spellings of (given, family) in other scripts and
    /// romanizations, the native one first; empty for the six countries.
    forms: Vec<(String, String)>,
    /// The family name's entry in its country's list (for the forms of a
    /// household member).
    family_entry: usize,
    female: bool,
    birth: (i32, u32, u32),
    email: Option<String>,
    phone: String,
    street: String,
    city: usize,
    postcode: String,
}

struct Country {
    code: &'static str,
    given_f: &'static [&'static str],
    given_m: &'static [&'static str],
    family: &'static [&'static str],
    streets: &'static [&'static str],
    cities: &'static [(&'static str, &'static str)],
    /// Mobile number prefix (national, without trunk prefix) and digit count after it.
    mobile: (&'static str, usize),
    calling: &'static str,
}

const EN_F: &[&str] = &[
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Margaret",
    "Emily",
    "Charlotte",
    "Olivia",
    "Amelia",
    "Isabella",
    "Catherine",
    "Rebecca",
    "Victoria",
    "Samantha",
    "Deborah",
    "Dorothy",
    "Abigail",
    "Josephine",
    "Chloe",
    "Grace",
    "Lucy",
    "Hannah",
    "Zoe",
    "Ruby",
];
const EN_M: &[&str] = &[
    "James",
    "Robert",
    "John",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Christopher",
    "Daniel",
    "Matthew",
    "Anthony",
    "Andrew",
    "Joshua",
    "Kenneth",
    "Steven",
    "Edward",
    "Benjamin",
    "Samuel",
    "Nicholas",
    "Alexander",
    "Jacob",
    "Timothy",
    "Henry",
    "Oliver",
    "Jack",
    "Harry",
    "Liam",
];
const EN_FAMILY: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Taylor",
    "Anderson",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Parker",
    "Collins",
    "Edwards",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "O'Neil",
    "McDonald",
    "Fitzgerald",
    "Van der Berg",
    "Nguyen",
    "Patel",
    "Kowalski",
    "Henderson",
    "Fletcher",
    "Sinclair",
    "Whitaker",
    "Pemberton",
    "Ashworth",
    "Blackwood",
];
const EN_STREETS: &[&str] = &[
    "Main Street",
    "High Street",
    "Park Road",
    "Church Lane",
    "Victoria Road",
    "Elm Street",
    "Oak Avenue",
    "Maple Drive",
    "Station Road",
    "Mill Lane",
    "King Street",
    "Queen Street",
    "George Street",
    "Cedar Court",
    "Willow Way",
    "Hillside Crescent",
    "River Road",
    "Chester Place",
    "Bridge Street",
    "Orchard Close",
];
const DE_F: &[&str] = &[
    "Anna", "Maria", "Ursula", "Monika", "Petra", "Sabine", "Claudia", "Julia", "Katrin", "Lena",
    "Sophie", "Hannah", "Lea", "Johanna", "Greta",
];
const DE_M: &[&str] = &[
    "Peter",
    "Michael",
    "Thomas",
    "Andreas",
    "Wolfgang",
    "Klaus",
    "Jürgen",
    "Stefan",
    "Lukas",
    "Felix",
    "Jonas",
    "Maximilian",
    "Florian",
    "Tobias",
    "Sebastian",
];
const DE_FAMILY: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Weiß",
];
const DE_STREETS: &[&str] = &[
    "Hauptstraße",
    "Schulstraße",
    "Gartenstraße",
    "Bahnhofstraße",
    "Dorfstraße",
    "Bergstraße",
    "Birkenweg",
    "Lindenstraße",
    "Kirchstraße",
    "Waldstraße",
];
const FR_F: &[&str] = &[
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Françoise",
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Émilie",
    "Juliette",
    "Céline",
    "Aurélie",
    "Hélène",
];
const FR_M: &[&str] = &[
    "Jean",
    "Pierre",
    "Michel",
    "Philippe",
    "Alain",
    "Nicolas",
    "François",
    "Julien",
    "Hugo",
    "Lucas",
    "Théo",
    "Antoine",
    "Mathieu",
    "Sébastien",
    "Étienne",
];
const FR_FAMILY: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert",
];
const FR_STREETS: &[&str] = &[
    "Rue de la Paix",
    "Rue Victor Hugo",
    "Avenue Jean Jaurès",
    "Rue Pasteur",
    "Rue de l'Église",
    "Boulevard Gambetta",
    "Rue du Moulin",
    "Place de la République",
    "Rue des Écoles",
    "Allée des Tilleuls",
];
const CN_F: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂英", "玉兰", "婷", "雪", "慧",
    "欣怡", "梓涵", "诗涵", "雨桐", "佳怡", "晓燕",
];
const CN_M: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "平", "刚", "辉", "鹏", "浩然",
    "子轩", "宇轩", "俊杰", "志强", "建国",
];
const CN_FAMILY: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "欧阳",
    "司马", "诸葛", "上官",
];
const CN_STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "长江路",
    "黄河路",
    "新华街",
    "朝阳路",
    "文化路",
];

static COUNTRIES: [Country; 10] = [
    Country {
        code: "US",
        given_f: EN_F,
        given_m: EN_M,
        family: EN_FAMILY,
        streets: EN_STREETS,
        cities: &[
            ("New York", "100"),
            ("Chicago", "606"),
            ("Houston", "770"),
            ("Phoenix", "850"),
            ("Seattle", "981"),
            ("Boston", "021"),
            ("Denver", "802"),
            ("Austin", "787"),
        ],
        mobile: ("2", 9),
        calling: "1",
    },
    Country {
        code: "GB",
        given_f: EN_F,
        given_m: EN_M,
        family: EN_FAMILY,
        streets: EN_STREETS,
        cities: &[
            ("London", "SW1A"),
            ("Manchester", "M1"),
            ("Leeds", "LS1"),
            ("Bristol", "BS1"),
            ("Glasgow", "G1"),
            ("Cardiff", "CF10"),
            ("York", "YO1"),
            ("Oxford", "OX1"),
        ],
        mobile: ("7", 9),
        calling: "44",
    },
    Country {
        code: "DE",
        given_f: DE_F,
        given_m: DE_M,
        family: DE_FAMILY,
        streets: DE_STREETS,
        cities: &[
            ("Berlin", "10"),
            ("Hamburg", "20"),
            ("München", "80"),
            ("Köln", "50"),
            ("Frankfurt am Main", "60"),
            ("Stuttgart", "70"),
            ("Leipzig", "04"),
        ],
        mobile: ("17", 8),
        calling: "49",
    },
    Country {
        code: "FR",
        given_f: FR_F,
        given_m: FR_M,
        family: FR_FAMILY,
        streets: FR_STREETS,
        cities: &[
            ("Paris", "750"),
            ("Lyon", "690"),
            ("Marseille", "130"),
            ("Toulouse", "310"),
            ("Nice", "060"),
            ("Nantes", "440"),
            ("Lille", "590"),
        ],
        mobile: ("6", 8),
        calling: "33",
    },
    Country {
        code: "AU",
        given_f: EN_F,
        given_m: EN_M,
        family: EN_FAMILY,
        streets: EN_STREETS,
        cities: &[
            ("Sydney", "20"),
            ("Melbourne", "30"),
            ("Brisbane", "40"),
            ("Perth", "60"),
            ("Adelaide", "50"),
            ("Hobart", "70"),
            ("Canberra", "26"),
        ],
        mobile: ("4", 8),
        calling: "61",
    },
    Country {
        code: "CN",
        given_f: CN_F,
        given_m: CN_M,
        family: CN_FAMILY,
        streets: CN_STREETS,
        cities: &[
            ("北京", "100"),
            ("上海", "200"),
            ("广州", "510"),
            ("深圳", "518"),
            ("成都", "610"),
            ("杭州", "310"),
            ("武汉", "430"),
            ("西安", "710"),
        ],
        mobile: ("13", 9),
        calling: "86",
    },
    // The world countries: names come from `world`.
    Country {
        code: "JP",
        given_f: &[],
        given_m: &[],
        family: &[],
        streets: world::JP_STREETS,
        cities: world::JP_CITIES,
        mobile: ("90", 8),
        calling: "81",
    },
    Country {
        code: "KR",
        given_f: &[],
        given_m: &[],
        family: &[],
        streets: world::KR_STREETS,
        cities: world::KR_CITIES,
        mobile: ("10", 8),
        calling: "82",
    },
    Country {
        code: "RU",
        given_f: &[],
        given_m: &[],
        family: &[],
        streets: world::RU_STREETS,
        cities: world::RU_CITIES,
        mobile: ("9", 9),
        calling: "7",
    },
    Country {
        code: "GR",
        given_f: &[],
        given_m: &[],
        family: &[],
        streets: world::GR_STREETS,
        cities: world::GR_CITIES,
        mobile: ("69", 8),
        calling: "30",
    },
];

const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "qq.com",
    "163.com",
    "icloud.com",
    "web.de",
    "orange.fr",
];

/// People generated per parallel work item; each item has its own seed.
const CHUNK: usize = 4096;

impl Generator {
    /// A generator with `seed` and default settings.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    /// The multilingual, household-heavy profile: ten countries (the six,
    /// Japan, Korea, Russia, Greece), names in their own scripts beside
    /// romanizations, Japanese era dates, 35 % of people in a household
    /// with the person before (15 % of them twins, 8 % sharing a given
    /// name a generation apart) and 4 % of records with an invalid field.
    pub fn multilingual(seed: u64) -> Self {
        Self {
            seed,
            households: 0.35,
            twins: 0.15,
            juniors: 0.08,
            invalid: 0.04,
            multilingual: true,
            ..Self::default()
        }
    }

    /// About `n` records (exactly `n`): people with their duplicates, in a
    /// shuffled order. The same settings give the same records whatever the
    /// number of threads.
    pub fn generate(&self, n: usize) -> Result<Generated> {
        let chunks = n.div_ceil(CHUNK);
        let parts: Vec<Result<Vec<(Record, u32)>>> = (0..chunks)
            .into_par_iter()
            .map(|chunk| {
                let want = CHUNK.min(n - chunk * CHUNK);
                self.chunk(chunk as u64, want, (chunk * CHUNK) as u32)
            })
            .collect();
        let mut all = Vec::with_capacity(n);
        for part in parts {
            all.extend(part?);
        }
        let mut rng = SplitMix(self.seed ^ 0x5348_5546);
        for i in (1..all.len()).rev() {
            all.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let (records, people) = all.into_iter().unzip();
        Ok(Generated { records, people })
    }

    /// `want` records of people numbered from `first`.
    fn chunk(&self, chunk: u64, want: usize, first: u32) -> Result<Vec<(Record, u32)>> {
        let mut rng = SplitMix(self.seed.wrapping_mul(0x9e37_79b9).wrapping_add(chunk));
        let mut out = Vec::with_capacity(want);
        let mut id = first;
        let mut previous: Option<Person> = None;
        let mut record_no = u64::from(first) * 8;
        while out.len() < want {
            let person = match &previous {
                Some(p) if rng.chance(self.households) => household_member(&mut rng, p, self),
                Some(p) if rng.chance(self.namesakes) => namesake(&mut rng, p, self),
                _ => new_person(&mut rng, self),
            };
            let copies = if rng.chance(self.duplicated) {
                1 + rng.below(self.max_duplicates as u64) as usize
            } else {
                0
            };
            for copy in 0..=copies {
                if out.len() == want {
                    break;
                }
                let mut customer = write(&mut rng, &person, copy > 0, record_no);
                if self.invalid > 0.0 && rng.chance(self.invalid) {
                    spoil(&mut rng, &mut customer);
                }
                record_no += 1;
                out.push((customer.to_record()?, id));
            }
            id += 1;
            previous = Some(person);
        }
        Ok(out)
    }
}

impl SplitMix {
    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        // Skewed towards the front: common names are common.
        let i = self.below(items.len() as u64) as usize;
        let j = self.below(items.len() as u64) as usize;
        &items[i.min(j)]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

fn new_person(rng: &mut SplitMix, g: &Generator) -> Person {
    let country = if g.multilingual {
        *rng.pick(&[0, 0, 1, 2, 3, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9])
    } else {
        *rng.pick(&[0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5])
    };
    let c = &COUNTRIES[country];
    let female = rng.chance(0.5);
    if country >= WORLD {
        return world_person(rng, country, female);
    }
    let given = if c.code == "CN" && rng.chance(0.5) {
        // Two-character given names from two single ones.
        let list = if female { c.given_f } else { c.given_m };
        let (a, b) = (rng.pick(list), rng.pick(list));
        format!("{a}{b}").chars().take(2).collect()
    } else {
        (*rng.pick(if female { c.given_f } else { c.given_m })).to_owned()
    };
    let family = family_name(rng, c);
    let birth = (
        1935 + rng.below(72) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    );
    let (city, postcode) = address(rng, c);
    let email = rng
        .chance(0.8)
        .then(|| email_for(rng, &given, &family, birth.0));
    Person {
        country,
        given,
        family,
        forms: Vec::new(),
        family_entry: 0,
        female,
        birth,
        email,
        phone: mobile(rng, c),
        street: format!("{} {}", 1 + rng.below(300), rng.pick(c.streets)),
        city,
        postcode,
    }
}

/// The first of the world countries in [`COUNTRIES`].
const WORLD: usize = 6;

/// A new person of a world country.
fn world_person(rng: &mut SplitMix, country: usize, female: bool) -> Person {
    let c = &COUNTRIES[country];
    let (forms, family_entry) = world_forms(rng, country, female, None);
    let birth = (
        1935 + rng.below(72) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    );
    let (city, postcode) = address(rng, c);
    let email = match latin_form(&forms) {
        Some((g, f)) if rng.chance(0.8) => Some(email_for(rng, g, f, birth.0)),
        _ => None,
    };
    Person {
        country,
        given: forms[0].0.clone(),
        family: forms[0].1.clone(),
        forms,
        family_entry,
        female,
        birth,
        email,
        phone: mobile(rng, c),
        street: format!("{} {}", rng.pick(c.streets), 1 + rng.below(300)),
        city,
        postcode,
    }
}

/// Makes one field of a record invalid: an impossible date, a phone too
/// short, an email without `@`, or a postcode of letters.
fn spoil(rng: &mut SplitMix, customer: &mut Customer) {
    match rng.below(4) {
        0 => {
            if let Some(date) = customer.birth_date.as_mut() {
                let year: String = date.chars().filter(char::is_ascii_digit).take(4).collect();
                *date = format!(
                    "{year}{}",
                    ["1332", "0230", "0000", "1231X"][rng.below(4) as usize]
                );
            }
        }
        1 => {
            if let Some(phone) = customer.phone.as_mut() {
                let keep = phone.chars().count().saturating_sub(5).max(2);
                *phone = phone.chars().take(keep).collect();
            }
        }
        2 => {
            if let Some(email) = customer.email.as_mut() {
                *email = email.replacen('@', "", 1);
            }
        }
        _ => {
            if let Some(postcode) = customer.postcode.as_mut() {
                *postcode = format!("X{}Q", postcode.len());
            }
        }
    }
}

/// Surnames have a long tail: half the people outside China carry one of
/// thousands of rarer names (a stem and an ending of the country's style).
fn family_name(rng: &mut SplitMix, c: &Country) -> String {
    let (stems, endings): (&[&str], &[&str]) = match c.code {
        "CN" => return (*rng.pick(c.family)).to_owned(),
        "DE" => (
            &[
                "Berg", "Wald", "Hof", "Stein", "Brand", "Lind", "Roth", "Kirch", "Feld", "Haus",
                "Bach", "Horn", "Eck", "Dorn", "Kron", "Wies", "Moos", "Sand", "Tann", "Reh",
            ],
            &[
                "mann", "er", "hardt", "meier", "huber", "ner", "bauer", "ler", "inger", "mayr",
                "brecht", "ke", "sch", "el", "wald", "berg", "feld", "lein", "rich", "ow",
            ],
        ),
        "FR" => (
            &[
                "Beau", "Bel", "Mont", "Val", "Roche", "Char", "Four", "Lac", "Bois", "Ville",
                "Pont", "Mar", "Ber", "Cour", "Gar", "Dur", "Lan", "Mor", "Rou", "Chev",
            ],
            &[
                "champ", "mont", "ier", "ard", "eau", "et", "ot", "in", "on", "ault", "ois", "y",
                "elle", "ac", "enne", "ière", "aud", "ette", "agne", "oux",
            ],
        ),
        _ => (
            &[
                "Ash", "Black", "Brook", "Cald", "Dun", "Fair", "Green", "Hart", "Kings", "Lang",
                "Mar", "North", "Pen", "Ram", "Shel", "Stan", "Thorn", "Wal", "West", "Whit",
            ],
            &[
                "ford", "ley", "ton", "wood", "field", "well", "by", "ham", "worth", "combe",
                "dale", "more", "wick", "hurst", "bury", "stone", "den", "land", "ridge", "shaw",
            ],
        ),
    };
    if rng.chance(0.5) {
        (*rng.pick(c.family)).to_owned()
    } else {
        let stem = stems[rng.below(stems.len() as u64) as usize];
        let ending = endings[rng.below(endings.len() as u64) as usize];
        let extra = ["", "s", "e", "an", "en", "i"][rng.below(6) as usize];
        format!("{stem}{ending}{extra}")
    }
}

fn address(rng: &mut SplitMix, c: &Country) -> (usize, String) {
    let city = rng.below(c.cities.len() as u64) as usize;
    let prefix = c.cities[city].1;
    let postcode = match c.code {
        "GB" => format!(
            "{prefix} {}{}",
            rng.below(10),
            ["AA", "BD", "HX", "QT", "NW"][rng.below(5) as usize]
        ),
        "US" | "FR" | "DE" => format!("{prefix}{}", rng.digits(5 - prefix.len())),
        "AU" => format!("{prefix}{}", rng.digits(4 - prefix.len())),
        "JP" => format!("{prefix}-{}", rng.digits(4)),
        "KR" | "GR" => format!("{prefix}{}", rng.digits(5 - prefix.len())),
        _ => format!("{prefix}{}", rng.digits(6 - prefix.len())),
    };
    (city, postcode)
}

fn mobile(rng: &mut SplitMix, c: &Country) -> String {
    let (prefix, len) = c.mobile;
    let first = match c.code {
        "US" => format!(
            "{}{}",
            ["212", "415", "312", "617", "206", "303"][rng.below(6) as usize],
            2 + rng.below(8)
        ),
        "GB" => format!("7{}", 4 + rng.below(6)),
        "DE" => format!("1{}", [5, 6, 7][rng.below(3) as usize]),
        "CN" => format!("1{}", [3, 5, 8][rng.below(3) as usize]),
        "RU" => format!("9{}", [1, 2, 6, 8][rng.below(4) as usize]),
        _ => prefix.to_owned(),
    };
    format!(
        "+{}{first}{}",
        c.calling,
        rng.digits(len + prefix.len() - first.len())
    )
}

fn email_for(rng: &mut SplitMix, given: &str, family: &str, year: i32) -> String {
    let (g, f) = (ascii_name(given), ascii_name(family));
    let local = match rng.below(4) {
        0 => format!("{g}.{f}"),
        1 => format!("{}{f}{}", &g[..1.min(g.len())], year % 100),
        2 => format!("{f}{g}{}", rng.below(1000)),
        _ => format!("{g}_{f}{}", rng.below(100)),
    };
    format!("{local}@{}", rng.pick(DOMAINS))
}

/// A name as an email local part: folded, pinyin for Chinese.
fn ascii_name(name: &str) -> String {
    names::spelling(&crate::normalize::text::match_key(name))
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn household_member(rng: &mut SplitMix, p: &Person, g: &Generator) -> Person {
    let c = &COUNTRIES[p.country];
    let female = rng.chance(0.5);
    let twin = rng.chance(g.twins);
    // Father and son (or mother and daughter) of one name.
    let junior = !twin && g.juniors > 0.0 && rng.chance(g.juniors);
    let female = if junior { p.female } else { female };
    let birth = if twin {
        p.birth
    } else if junior {
        let years = 24 + rng.below(9) as i32;
        let year = if p.birth.0 + years <= 2008 {
            p.birth.0 + years
        } else {
            p.birth.0 - years
        };
        (year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
    } else {
        let years = [-30i32, -25, -3, 2, 4, 28][rng.below(6) as usize];
        (
            (p.birth.0 + years).clamp(1920, 2010),
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
    };
    let (given, forms) = if junior {
        (p.given.clone(), p.forms.clone())
    } else if p.forms.is_empty() {
        let mut given = (*rng.pick(if female { c.given_f } else { c.given_m })).to_owned();
        if given == p.given {
            given = (*rng.pick(if female { c.given_m } else { c.given_f })).to_owned();
        }
        (given, Vec::new())
    } else {
        let mut forms = world_forms(rng, p.country, female, Some(p.family_entry)).0;
        if forms[0].0 == p.given {
            forms = world_forms(rng, p.country, !female, Some(p.family_entry)).0;
        }
        (forms[0].0.clone(), forms)
    };
    let latin = latin_form(&forms).map_or((given.as_str(), p.family.as_str()), |(g, f)| (g, f));
    let (latin_given, latin_family) = (latin.0.to_owned(), latin.1.to_owned());
    let email = if rng.chance(0.3) {
        p.email.clone()
    } else {
        rng.chance(0.7)
            .then(|| email_for(rng, &latin_given, &latin_family, birth.0))
    };
    let family = forms
        .first()
        .map_or_else(|| p.family.clone(), |f| f.1.clone());
    Person {
        given,
        family,
        forms,
        female,
        birth,
        email,
        // The household landline (the other's number) or an own mobile.
        phone: if rng.chance(0.5) {
            p.phone.clone()
        } else {
            mobile(rng, c)
        },
        ..p.clone()
    }
}

/// A Latin spelling among a person's forms (the first one after the
/// native and, for Japan, the katakana).
fn latin_form(forms: &[(String, String)]) -> Option<(&str, &str)> {
    forms
        .iter()
        .find(|(g, f)| g.is_ascii() && f.is_ascii())
        .map(|(g, f)| (g.as_str(), f.as_str()))
}

/// The spellings of a person of a world country (index 6 to 9), native
/// first, and the family name's entry; `family` keeps a household's.
fn world_forms(
    rng: &mut SplitMix,
    country: usize,
    female: bool,
    family: Option<usize>,
) -> (Vec<(String, String)>, usize) {
    use world::*;
    let mut entry = |len: usize| family.unwrap_or_else(|| rng.below(len as u64) as usize % len);
    match country {
        6 => {
            let f = entry(JP_FAMILY.len());
            let (fk, fkana, fh) = JP_FAMILY[f % JP_FAMILY.len()];
            let (gk, gkana, gh) = *rng.pick(if female { JP_GIVEN_F } else { JP_GIVEN_M });
            let mut forms = vec![
                (gk.to_owned(), fk.to_owned()),
                (gkana.to_owned(), fkana.to_owned()),
            ];
            forms.extend((0..4).map(|style| (hepburn(gh, style), hepburn(fh, style))));
            (forms, f)
        }
        7 => {
            let f = entry(KR_FAMILY.len());
            let (fh, fl) = KR_FAMILY[f % KR_FAMILY.len()];
            let (gh, gl) = *rng.pick(if female { KR_GIVEN_F } else { KR_GIVEN_M });
            (written_forms((gh, gl), (fh, fl)), f)
        }
        _ => {
            let (families, given) = if country == 8 {
                (RU_FAMILY, if female { RU_GIVEN_F } else { RU_GIVEN_M })
            } else {
                (GR_FAMILY, if female { GR_GIVEN_F } else { GR_GIVEN_M })
            };
            let f = entry(families.len());
            let (male, woman) = families[f % families.len()];
            let g = *rng.pick(given);
            (written_forms(g, if female { woman } else { male }), f)
        }
    }
}

/// Native (given, family) then the Latin spellings, paired in turn.
fn written_forms(given: world::Written, family: world::Written) -> Vec<(String, String)> {
    let mut forms = vec![(given.0.to_owned(), family.0.to_owned())];
    let n = given.1.len().max(family.1.len());
    forms.extend((0..n).map(|i| {
        (
            given.1[i % given.1.len()].to_owned(),
            family.1[i % family.1.len()].to_owned(),
        )
    }));
    forms
}

fn namesake(rng: &mut SplitMix, p: &Person, g: &Generator) -> Person {
    let mut other = new_person(rng, g);
    other.country = p.country;
    other.given = p.given.clone();
    other.family = p.family.clone();
    other.forms = p.forms.clone();
    other.family_entry = p.family_entry;
    other.female = p.female;
    other.birth.0 = p.birth.0;
    let c = &COUNTRIES[p.country];
    let (city, postcode) = address(rng, c);
    other.city = city;
    other.postcode = postcode;
    other.phone = mobile(rng, c);
    other.street = format!("{} {}", 1 + rng.below(300), rng.pick(c.streets));
    other
}

/// One record of `p`; a duplicate carries faults.
fn write(rng: &mut SplitMix, p: &Person, duplicate: bool, record_no: u64) -> Customer {
    let c = &COUNTRIES[p.country];
    let mut p = p.clone();
    // A world person is written natively half the time, else in one of
    // the romanizations (or katakana).
    let form = (!p.forms.is_empty()).then(|| {
        if rng.chance(0.5) {
            0
        } else {
            1 + rng.below(p.forms.len() as u64 - 1) as usize
        }
    });
    if let Some(form) = form {
        p.given = p.forms[form].0.clone();
        p.family = p.forms[form].1.clone();
    }
    let mut fault = |chance: f64| duplicate && rng.chance(chance);
    let pinyin = p.country == 5 && fault(0.2);
    let moved = fault(0.15);
    let swap = fault(0.05);
    let typo_given = fault(0.15);
    let typo_family = fault(0.15);
    let nickname = fault(0.15);
    let drop_email = fault(0.1);
    let drop_phone = fault(0.1);
    let drop_birth = fault(0.1);
    let birth_typo = fault(0.05);
    let new_domain = fault(0.1);
    let full_only = fault(0.1);
    if moved {
        let (city, postcode) = address(rng, c);
        p.city = city;
        p.postcode = postcode;
        p.street = format!("{} {}", 1 + rng.below(300), rng.pick(c.streets));
    }
    if nickname && let Some(short) = names::generated_nickname(&p.given.to_lowercase()) {
        p.given = title(short);
    }
    if pinyin {
        p.given = title(&names::spelling(&p.given));
        p.family = title(&names::spelling(&p.family));
    }
    // Typos in Latin letters (and in Chinese characters, as before).
    if typo_given && (form.is_none() || p.given.is_ascii()) {
        p.given = typo(rng, &p.given);
    }
    if typo_family && (form.is_none() || p.family.is_ascii()) {
        p.family = typo(rng, &p.family);
    }
    let (given, family) = if swap {
        (p.family.clone(), p.given.clone())
    } else {
        (p.given, p.family)
    };
    let (y, m, d) = if birth_typo && p.birth.2 <= 12 {
        (p.birth.0, p.birth.2, p.birth.1)
    } else {
        p.birth
    };
    let birth = match rng.below(if duplicate { 4 } else { 1 }) {
        0 => format!("{y:04}-{m:02}-{d:02}"),
        1 if c.code == "US" => format!("{m}/{d}/{y}"),
        1 => format!("{d:02}.{m:02}.{y}"),
        2 if c.code == "CN" => format!("{y}年{m}月{d}日"),
        2 if c.code == "JP" => era_date(y, m, d, record_no),
        _ => format!("{y}/{m}/{d}"),
    };
    let phone = if duplicate && rng.chance(0.5) {
        national(&p.phone, c)
    } else {
        p.phone.clone()
    };
    let email = p.email.map(|e| match e.split_once('@') {
        Some((local, _)) if new_domain => format!("{local}@{}", rng.pick(DOMAINS)),
        _ if duplicate && rng.chance(0.2) => e.to_uppercase(),
        _ => e,
    });
    let native_cjk = matches!(c.code, "JP" | "KR") && !(given.is_ascii() && family.is_ascii());
    let western = (c.code != "CN" || pinyin) && !native_cjk;
    let full = if western {
        format!("{given} {family}")
    } else if c.code == "JP" && record_no.is_multiple_of(2) {
        format!("{family} {given}")
    } else {
        format!("{family}{given}")
    };
    let (full_name, given_name, family_name) = if full_only {
        (Some(full), None, None)
    } else {
        (None, Some(given), Some(family))
    };
    Customer {
        customer_id: Some(format!("C{record_no:09}")),
        source: Some(["crm", "billing", "web"][(record_no % 3) as usize].to_owned()),
        full_name,
        given_name,
        family_name,
        gender: Some(if p.female { "female" } else { "male" }.to_owned()),
        birth_date: (!drop_birth).then_some(birth),
        email: email.filter(|_| !drop_email),
        phone: (!drop_phone).then_some(phone),
        street: Some(p.street),
        city: Some(c.cities[p.city].0.to_owned()),
        postcode: Some(p.postcode),
        country: Some(c.code.to_owned()),
        updated_at: Some(format!(
            "20{:02}-{:02}-{:02}",
            15 + record_no % 10,
            1 + record_no % 12,
            1 + record_no % 28
        )),
        ..Customer::default()
    }
}

/// A Japanese era date: `昭和55年3月4日` or `S55.03.04` (by `record_no`),
/// or the Gregorian date before the eras listed.
fn era_date(y: i32, m: u32, d: u32, record_no: u64) -> String {
    match world::ERAS.iter().find(|&&(_, _, start)| y >= start) {
        Some(&(name, letter, start)) => {
            let year = y - start + 1;
            if record_no.is_multiple_of(2) {
                format!("{name}{year}年{m}月{d}日")
            } else {
                format!("{letter}{year:02}.{m:02}.{d:02}")
            }
        }
        None => format!("{y}年{m}月{d}日"),
    }
}

/// The number in national form with the trunk prefix (`0412 345 678`), or
/// with `00` instead of `+`.
fn national(e164: &str, c: &Country) -> String {
    let national = &e164[1 + c.calling.len()..];
    match c.code {
        "US" => format!(
            "({}) {}-{}",
            &national[..3],
            &national[3..6],
            &national[6..]
        ),
        "CN" => format!("{} {} {}", &national[..3], &national[3..7], &national[7..]),
        "FR" | "DE" | "GB" | "AU" => format!("0{} {}", &national[..3], &national[3..]),
        _ => format!("00{}", &e164[1..]),
    }
}

fn title(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// One keyboard slip: a letter dropped, doubled, swapped or replaced.
fn typo(rng: &mut SplitMix, s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if chars.len() < 3 {
        return s.to_owned();
    }
    let i = 1 + rng.below(chars.len() as u64 - 2) as usize;
    match rng.below(4) {
        0 => {
            chars.remove(i);
        }
        1 => chars.insert(i, chars[i]),
        2 => chars.swap(i, i + 1),
        _ => chars[i] = char::from(b'a' + rng.below(26) as u8),
    }
    chars.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_records_and_exact_count() {
        let a = Generator::new(7).generate(5000).unwrap();
        let b = Generator::new(7).generate(5000).unwrap();
        assert_eq!(a.records.len(), 5000);
        assert_eq!(a.records, b.records);
        assert_eq!(a.people, b.people);
        let c = Generator::new(8).generate(5000).unwrap();
        assert_ne!(a.records, c.records);
    }

    #[test]
    fn the_multilingual_profile_writes_names_in_many_scripts() {
        let g = Generator::multilingual(3).generate(20_000).unwrap();
        let names: Vec<String> = g
            .records
            .iter()
            .filter_map(|r| {
                r.text("given_name")
                    .or(r.text("full_name"))
                    .map(str::to_owned)
            })
            .collect();
        let any = |test: &dyn Fn(char) -> bool| names.iter().any(|n| n.chars().any(test));
        assert!(any(&|c| ('\u{30A0}'..='\u{30FF}').contains(&c)), "katakana");
        assert!(any(&|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)), "hangul");
        assert!(any(&|c| ('\u{0400}'..='\u{04FF}').contains(&c)), "Cyrillic");
        assert!(any(&|c| ('\u{0370}'..='\u{03FF}').contains(&c)), "Greek");
        assert!(names.iter().any(|n| n == "Dmitriy" || n == "Dmitry"));
        let countries: std::collections::HashSet<&str> =
            g.records.iter().filter_map(|r| r.text("country")).collect();
        assert!(countries.len() >= 10, "{countries:?}");
        let dates = |test: &dyn Fn(&str) -> bool| {
            g.records
                .iter()
                .filter_map(|r| r.text("birth_date"))
                .filter(|d| test(d))
                .count()
        };
        assert!(dates(&|d| d.starts_with("昭和") || d.starts_with('S')) > 10);
        // Invalid fields: impossible dates, emails without @.
        assert!(dates(&|d| d.ends_with("1332")) > 10);
        let no_at = g
            .records
            .iter()
            .filter_map(|r| r.text("email"))
            .filter(|e| !e.contains('@'))
            .count();
        assert!(no_at > 10, "{no_at}");
        // Twins and fathers and sons: two people with one family and
        // given name at one street, or one birth date and one street.
        let mut seen = std::collections::HashMap::new();
        let (mut same_name, mut same_birth) = (0, 0);
        for (r, p) in g.records.iter().zip(&g.people) {
            let street = r.text("street").unwrap_or_default().to_owned();
            let name = (r.text("given_name"), r.text("family_name"));
            let birth = r.text("birth_date");
            if let Some((other, other_name, other_birth)) =
                seen.insert(street.clone(), (*p, name, birth))
                && other != *p
            {
                same_name += usize::from(other_name == name && name.0.is_some());
                same_birth += usize::from(other_birth == birth && birth.is_some());
            }
        }
        assert!(
            same_name > 20 && same_birth > 20,
            "{same_name} {same_birth}"
        );
    }

    #[test]
    fn duplicates_and_hard_negatives_are_present() {
        let g = Generator::new(1).generate(20_000).unwrap();
        let mut people = g.people.clone();
        people.sort_unstable();
        people.dedup();
        let duplicates = g.records.len() - people.len();
        assert!(duplicates > 3000 && duplicates < 9000, "{duplicates}");
        // Different people sharing a family name and a street (households).
        let mut seen = std::collections::HashMap::new();
        let mut shared = 0;
        for (r, p) in g.records.iter().zip(&g.people) {
            let key = (
                r.text("family_name").map(str::to_owned),
                r.text("street").map(str::to_owned),
            );
            if let Some(&other) = seen.get(&key) {
                shared += usize::from(other != *p);
            }
            seen.insert(key, *p);
        }
        assert!(shared > 1000, "{shared}");
        // Chinese names, in characters.
        assert!(g.records.iter().any(|r| {
            r.text("family_name")
                .is_some_and(|f| f.chars().all(|c| !c.is_ascii()))
        }));
    }
}
