//! Names written in other scripts, spelt in Latin letters so that they meet
//! their romanizations: Chinese characters in pinyin, Japanese names in
//! Hepburn (kanji through a dictionary of names, kana letter by letter),
//! Korean hangul in Revised Romanization with the usual surname spellings,
//! Cyrillic and Greek as passports write them.
//!
//! Han characters are read as Chinese or Japanese by what the record says
//! of itself ([`Reading`]): its country, its phone's country code, kana in
//! its names, or, failing those, whether its names are Japanese names.

use std::collections::HashMap;
use std::sync::LazyLock;

use pinyin::ToPinyin;
use wana_kana::ConvertJapanese;

use crate::normalize::name::{JAPANESE_NAMES, is_han, is_hangul, is_kana};

/// How a record's names are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Han characters as Chinese (pinyin); the default.
    #[default]
    Chinese,
    /// Han characters as Japanese names; Latin spellings with Japanese long
    /// vowels folded (`Satou`, `Satoh`, `Sato`).
    Japanese,
    /// Han characters as Chinese; given names in Latin letters with the
    /// Korean romanizations folded to one (`Seoyeon`, `Suh-yun`; see
    /// `fold_korean`).
    Korean,
}

/// What a name field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// A given name.
    Given,
    /// A family name.
    Family,
    /// A whole name, or a name field of another kind.
    Whole,
}

/// Korean surnames: every spelling (hangul, romanizations) to the one
/// compared.
static KOREAN_SURNAMES: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    let rows = include_str!("data/ko_surnames.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut cells = l.split('\t');
            Some((cells.next()?, cells.next()?, cells.next().unwrap_or("")))
        });
    let rows: Vec<_> = rows.collect();
    // The spelling compared is never taken over by another surname's
    // variant; among variants, the more common surname (listed first) wins.
    for &(hangul, spelling, _) in &rows {
        map.insert(hangul, spelling);
        map.insert(spelling, spelling);
    }
    for &(_, spelling, variants) in &rows {
        for variant in variants.split(' ').filter(|v| !v.is_empty()) {
            map.entry(variant).or_insert(spelling);
        }
    }
    map
});

/// Whether a Japanese reading fits this record's names: kana in them, or
/// a family and a given name both in the dictionary of Japanese names.
pub(crate) fn looks_japanese(family: &str, given: &str) -> bool {
    let kana = |s: &str| s.chars().any(is_kana);
    if kana(family) || kana(given) {
        return true;
    }
    let dictionary = &*JAPANESE_NAMES;
    // The dictionaries hold names in kanji: ASCII names, most of most
    // files, are looked up in neither.
    !family.is_empty()
        && !given.is_empty()
        && !family.is_ascii()
        && !given.is_ascii()
        && dictionary.family.contains_key(family)
        && dictionary.given.contains_key(given)
}

/// Whether a Korean reading fits this record's names: hangul in them.
pub(crate) fn looks_korean(family: &str, given: &str) -> bool {
    family.chars().chain(given.chars()).any(is_hangul)
}

/// The reading of a country (ISO 3166-1 alpha-2), when it decides one.
pub(crate) fn reading_of_country(country: &str) -> Option<Reading> {
    match country {
        "JP" => Some(Reading::Japanese),
        "KR" | "KP" => Some(Reading::Korean),
        "CN" | "TW" | "HK" | "MO" | "SG" => Some(Reading::Chinese),
        _ => None,
    }
}

/// The reading of an E.164 phone number's country code, when it decides
/// one.
pub(crate) fn reading_of_phone(phone: &str) -> Option<Reading> {
    if phone.starts_with("+81") {
        Some(Reading::Japanese)
    } else if phone.starts_with("+82") {
        Some(Reading::Korean)
    } else if ["+86", "+886", "+852", "+853"]
        .iter()
        .any(|p| phone.starts_with(p))
    {
        Some(Reading::Chinese)
    } else {
        None
    }
}

/// The name as compared letter by letter: other scripts spelt in Latin
/// letters (see the module), spaces, hyphens, dots and apostrophes dropped
/// (`o neil`, `oneil`). `key` is a match key, already folded. A spelling may
/// hold several readings separated by `|` (a Japanese name read more than
/// one way), the most common first.
pub(crate) fn spelling(key: &str, role: Role, reading: Reading) -> String {
    let korean_given = reading == Reading::Korean && role != Role::Family;
    let unmarked;
    let key = if korean_given {
        unmarked = without_syllable_h(key);
        &unmarked
    } else {
        key
    };
    let mut readings = vec![String::with_capacity(key.len())];
    let mut chars = key.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if is_han(c) || is_kana(c) {
            // A run of Han characters and kana: one name.
            let mut end = at + c.len_utf8();
            while let Some(&(i, d)) = chars.peek() {
                if !(is_han(d) || is_kana(d)) {
                    break;
                }
                end = i + d.len_utf8();
                chars.next();
            }
            let run = &key[at..end];
            let spelt = match reading {
                Reading::Japanese => japanese(run, role),
                _ if run.chars().all(is_kana) => japanese(run, role),
                Reading::Chinese | Reading::Korean => vec![chinese(run)],
            };
            readings = readings
                .iter()
                .flat_map(|r| spelt.iter().map(move |s| format!("{r}{s}")))
                .take(4)
                .collect();
            continue;
        }
        let mut one = String::new();
        let next = chars.peek().map(|&(_, d)| d);
        match (c, next) {
            (' ' | '-' | '\'' | '’' | '.' | '·' | '・', _) => {}
            (c, _) if c.is_ascii() => one.push(c),
            (c, _) if is_hangul(c) => korean_syllable(c, &mut one),
            // Greek letter pairs spelt as one.
            ('ο' | 'α' | 'ε', Some('υ')) | ('γ', Some('γ')) | ('μ', Some('π')) => {
                one.push_str(match c {
                    'ο' => "ou",
                    'α' => "av",
                    'ε' => "ev",
                    'γ' => "ng",
                    _ if at == 0 => "b",
                    _ => "mp",
                });
                chars.next();
            }
            (c, _) => match latin_of(c) {
                Some(latin) => one.push_str(latin),
                None => one.push(c),
            },
        }
        if !one.is_empty() {
            for r in &mut readings {
                r.push_str(&one);
            }
        }
    }
    for r in &mut readings {
        fold_slavic_endings(r);
        if reading == Reading::Japanese {
            *r = fold_japanese(r);
        }
        if korean_given {
            *r = fold_korean(r);
        }
        if role == Role::Family
            && let Some(surname) = KOREAN_SURNAMES.get(r.as_str())
        {
            *r = (*surname).to_owned();
        }
    }
    readings.dedup();
    readings.join("|")
}

/// A run of Han characters and kana read as a Japanese name: through the
/// dictionary (family names for a family name, given names for a given
/// name, both for a whole name, family name first); kana letter by letter;
/// Han characters outside the dictionary in pinyin.
fn japanese(run: &str, role: Role) -> Vec<String> {
    let dictionary = &*JAPANESE_NAMES;
    let romaji = |kana: &str| kana.to_romaji();
    let look = |map: &HashMap<&'static str, Vec<&'static str>>, s: &str| {
        map.get(s)
            .map(|readings| readings.iter().map(|k| romaji(k)).collect::<Vec<_>>())
    };
    if run.chars().all(is_kana) {
        return vec![romaji(run)];
    }
    let found = match role {
        Role::Family => look(&dictionary.family, run),
        Role::Given => look(&dictionary.given, run),
        Role::Whole => look(&dictionary.family, run)
            .or_else(|| look(&dictionary.given, run))
            .or_else(|| {
                // A whole name without a space: the longest family name
                // that leaves a known given name.
                let cut = dictionary.cut(run)?;
                let family = look(&dictionary.family, &run[..cut])?;
                let given = look(&dictionary.given, &run[cut..])?;
                Some(vec![format!("{}{}", family[0], given[0])])
            }),
    };
    found.unwrap_or_else(|| vec![chinese(run)])
}

fn chinese(run: &str) -> String {
    let mut out = String::new();
    let mut last = "";
    for c in run.chars() {
        match c.to_pinyin() {
            Some(p) => {
                last = p.plain();
                out.push_str(last);
            }
            // The iteration mark repeats the character before it (佐々木).
            None if c == '々' => out.push_str(last),
            None => out.push(c),
        }
    }
    out
}

/// A Korean name in Latin letters without the `h` that some spellings put
/// after a syllable's vowel (`Suh-yun`, `Ahn`, `Minsuh`): before a space,
/// a hyphen, the end, or a consonant other than `y` and `w`.
fn without_syllable_h(key: &str) -> String {
    let b = key.as_bytes();
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
    let mut out = String::with_capacity(key.len());
    for (i, c) in key.char_indices() {
        let ends_syllable = c == 'h'
            && i > 0
            && vowel(b[i - 1])
            && b.get(i + 1)
                .is_none_or(|&n| !(vowel(n) || matches!(n, b'y' | b'w')) && n.is_ascii());
        if !ends_syllable {
            out.push(c);
        }
    }
    out
}

/// Korean romanizations of a given name folded to one, so that Revised
/// Romanization, McCune–Reischauer and the spellings passports carry
/// meet: `Seoyeon` and `Suhyun`, `Jiho` and `Chiho`, `Siu` and `Shiwoo`,
/// `Minjun` and `Minjoon`, `Gyeong` and `Kyung`. The vowels `eo`, `eu`,
/// `oo`, `ou` and `wu` become `u`, `ee` becomes `i`, `ai` `ae`; `sh` is
/// `s` and `ch` `j`; `k`, `t`, `p` and `r` become `g`, `d`, `b` and `l`,
/// which the romanizations tell apart by position or aspiration only.
fn fold_korean(spelling: &str) -> String {
    let mut out = spelling.to_owned();
    for (from, to) in [
        ("sh", "s"),
        ("ch", "j"),
        ("eo", "u"),
        ("eu", "u"),
        ("oo", "u"),
        ("ou", "u"),
        ("wu", "u"),
        ("ee", "i"),
        ("ai", "ae"),
    ] {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out.chars()
        .map(|c| match c {
            'k' => 'g',
            't' => 'd',
            'p' => 'b',
            'r' => 'l',
            c => c,
        })
        .collect()
}

/// Japanese romanizations folded to one: long vowels (`ou`, `oo`, `oh`
/// before a consonant, `uu`, `aa`, `ee`) become short, and `m` before `b`,
/// `m` or `p` becomes `n` (`Homma`, `Honma`).
fn fold_japanese(spelling: &str) -> String {
    let b = spelling.as_bytes();
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u');
    let mut out = String::with_capacity(spelling.len());
    let mut i = 0;
    while i < b.len() {
        let (c, next) = (b[i], b.get(i + 1).copied());
        let after = b.get(i + 2).copied();
        match (c, next) {
            (b'o', Some(b'u' | b'o'))
            | (b'u', Some(b'u'))
            | (b'a', Some(b'a'))
            | (b'e', Some(b'e')) => {
                out.push(char::from(c));
                i += 2;
            }
            (b'o', Some(b'h')) if after.is_none_or(|a| !vowel(a)) => {
                out.push('o');
                i += 2;
            }
            (b'm', Some(b'b' | b'm' | b'p')) => {
                out.push('n');
                i += 1;
            }
            _ => {
                // Keep the character (the spelling may hold non-ASCII).
                let ch = spelling[i..].chars().next().unwrap_or(' ');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// One hangul syllable in Revised Romanization, letter by letter (names
/// are romanized syllable by syllable, without the sound changes between
/// them).
fn korean_syllable(c: char, out: &mut String) {
    const INITIAL: [&str; 19] = [
        "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t",
        "p", "h",
    ];
    const VOWEL: [&str; 21] = [
        "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo",
        "we", "wi", "yu", "eu", "ui", "i",
    ];
    const FINAL: [&str; 28] = [
        "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "p", "t", "t", "p", "l", "m", "p",
        "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
    ];
    let index = c as u32 - 0xAC00;
    let (initial, vowel, last) = (index / 588, (index % 588) / 28, index % 28);
    for part in [
        INITIAL[initial as usize],
        VOWEL[vowel as usize],
        FINAL[last as usize],
    ] {
        out.push_str(part);
    }
}

/// A Cyrillic or Greek letter in Latin letters, as passports write them
/// (ICAO Doc 9303 for Cyrillic, ELOT 743 for Greek); `None` for others.
fn latin_of(c: char) -> Option<&'static str> {
    Some(match c {
        // Cyrillic (Russian, Ukrainian, Belarusian, Bulgarian, Serbian).
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ґ' => "g",
        'д' => "d",
        'ђ' => "dj",
        'е' | 'ё' | 'э' => "e",
        'є' => "ie",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' | 'ї' | 'й' => "i",
        'ј' => "j",
        'к' => "k",
        'л' => "l",
        'љ' => "lj",
        'м' => "m",
        'н' => "n",
        'њ' => "nj",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'ћ' => "c",
        'у' | 'ў' => "u",
        'ф' => "f",
        'х' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'џ' => "dz",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' => "ie",
        'ы' => "y",
        'ь' => "",
        'ю' => "iu",
        'я' => "ia",
        // Greek (accents are gone from match keys).
        'α' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' => "e",
        'ζ' => "z",
        'η' => "i",
        'θ' => "th",
        'ι' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' | 'ς' => "s",
        'τ' => "t",
        'υ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' => "o",
        _ => return None,
    })
}

/// Common Latin spellings of Slavic name endings (`Dmitriy`, `Dmitrij`)
/// as passports write them (`Dmitrii`).
fn fold_slavic_endings(spelling: &mut String) {
    for from in ["iy", "yy", "ij"] {
        if spelling.len() > 4 && spelling.ends_with(from) {
            spelling.truncate(spelling.len() - from.len());
            spelling.push_str("ii");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(key: &str, role: Role, reading: Reading) -> String {
        spelling(key, role, reading)
    }

    #[test]
    fn japanese_names_are_read_as_japanese_by_context() {
        use Reading::Japanese as J;
        assert_eq!(s("安藤", Role::Family, J), "ando");
        assert_eq!(s("andoh", Role::Family, J), "ando");
        assert_eq!(s("andou", Role::Family, J), "ando");
        assert_eq!(s("雄一", Role::Given, J), "yuichi");
        assert_eq!(s("yuuichi", Role::Given, J), "yuichi");
        assert_eq!(s("アンドウ", Role::Family, J), "ando");
        // Kana alone says Japanese whatever the record's reading.
        assert_eq!(s("あんどう", Role::Family, Reading::Chinese), "andou");
        // The same characters read as Chinese.
        assert_eq!(s("安藤", Role::Family, Reading::Chinese), "anteng");
        // A whole name without a space.
        assert_eq!(s("安藤雄一", Role::Whole, J), "andoyuichi");
        assert_eq!(s("ohno", Role::Family, J), "ono");
        assert_eq!(s("ohashi", Role::Family, J), "ohashi");
        assert_eq!(s("大橋", Role::Family, J), "ohashi");
        assert_eq!(s("homma", Role::Family, J), s("honma", Role::Family, J));
        // Several readings of one spelling are kept.
        assert!(s("裕子", Role::Given, J).split('|').any(|r| r == "yuko"));
        assert!(looks_japanese("安藤", "雄一"));
        // What lets ASCII names skip the lookups.
        let names = &*JAPANESE_NAMES;
        let keys = names.family.keys().chain(names.given.keys());
        assert!(keys.clone().count() > 10_000);
        assert!(keys.into_iter().all(|k| !k.is_ascii()));
        assert!(!looks_japanese("张", "伟"));
        assert!(looks_japanese("", "ゆういち"));
    }

    #[test]
    fn korean_names_meet_their_romanizations() {
        let c = Reading::Chinese;
        for variant in ["이", "lee", "yi", "rhee", "i"] {
            assert_eq!(s(variant, Role::Family, c), "lee", "{variant}");
        }
        for variant in ["박", "park", "pak", "bak"] {
            assert_eq!(s(variant, Role::Family, c), "park", "{variant}");
        }
        assert_eq!(s("choe", Role::Family, c), s("최", Role::Family, c));
        assert_eq!(s("민준", Role::Given, c), "minjun");
        assert_eq!(s("min-jun", Role::Given, c), "minjun");
        assert_eq!(s("서연", Role::Given, c), "seoyeon");
        // Only family names take the surname spellings.
        assert_eq!(s("yi", Role::Given, c), "yi");
        // Read as Korean, given names meet across romanizations.
        let k = Reading::Korean;
        for (a, b) in [
            ("서연", "suh-yun"),
            ("seoyeon", "suh yun"),
            ("지호", "chi-ho"),
            ("시우", "shi-woo"),
            ("민준", "min-joon"),
            ("민서", "minsuh"),
            ("경민", "kyung-min"),
            ("현우", "hyun-woo"),
        ] {
            assert_eq!(s(a, Role::Given, k), s(b, Role::Given, k), "{a} {b}");
        }
        // Different names stay apart, and family names keep their table.
        assert_ne!(s("서연", Role::Given, k), s("서현", Role::Given, k));
        assert_ne!(s("민준", Role::Given, k), s("민지", Role::Given, k));
        assert_eq!(s("박", Role::Family, k), "park");
        // Only records read as Korean fold: Tina is not Dina elsewhere.
        assert_ne!(s("tina", Role::Given, c), s("dina", Role::Given, c));
    }

    #[test]
    fn cyrillic_and_greek_are_spelt_as_passports_do() {
        let c = Reading::Chinese;
        assert_eq!(s("дмитрий", Role::Given, c), "dmitrii");
        assert_eq!(s("dmitriy", Role::Given, c), "dmitrii");
        assert_eq!(s("иванов", Role::Family, c), "ivanov");
        assert_eq!(s("щукин", Role::Family, c), "shchukin");
        assert_eq!(s("παπαδοπουλος", Role::Family, c), "papadopoulos");
        assert_eq!(s("γεωργιος", Role::Given, c), "georgios");
        assert_eq!(s("ευαγγελος", Role::Given, c), "evangelos");
    }

    #[test]
    fn latin_names_keep_their_spelling() {
        assert_eq!(s("o'neil", Role::Family, Reading::Chinese), "oneil");
        assert_eq!(s("zhang wei", Role::Whole, Reading::Chinese), "zhangwei");
        assert_eq!(s("张伟", Role::Whole, Reading::Chinese), "zhangwei");
        assert_eq!(s("佐々木", Role::Family, Reading::Chinese), "zuozuomu");
        assert_eq!(s("佐々木", Role::Family, Reading::Japanese), "sasaki");
        assert_eq!(s("louise", Role::Given, Reading::Chinese), "louise");
        for name in ["boyd", "mayer", "harvey", "troy"] {
            assert_eq!(s(name, Role::Family, Reading::Chinese), name);
        }
    }
}
