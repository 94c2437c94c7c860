//! What names are compared through besides their spelling: nicknames,
//! pinyin for Chinese characters, and a phonetic code.

use std::collections::HashMap;
use std::sync::LazyLock;

use pinyin::ToPinyin;
use rphonetic::DoubleMetaphone;

/// Groups of given names that are the same name (a formal name first, then
/// its common short forms). A name may sit in several groups (`al`). A `*`
/// marks the short form the test-data generator writes for the formal name
/// (`dedupe::generate`); it is not part of the name.
const NICKNAMES: &[&str] = &[
    "abigail abby abbie gail",
    "abraham abe bram",
    "albert al bert bertie",
    "alexander alex* alec al sandy xander",
    "alexandra alex alexa sandra sandy lexi",
    "alfred al alf alfie fred",
    "andrew andy* drew",
    "anthony tony ant",
    "barbara barb babs barbie",
    "benjamin ben benny benji",
    "catherine katherine kathryn cathy kathy kate* katie kat cate kit",
    "charles charlie chuck chas chaz",
    "charlotte charlie lottie lotte",
    "christine christina chris chrissy tina",
    "christopher chris* kit topher",
    "daniel dan* danny",
    "david dave davy",
    "deborah debra deb debbie",
    "donald don donnie",
    "dorothy dot dottie dolly",
    "edward ed eddie ted* teddy ned",
    "eleanor ellie nora elle",
    "elizabeth liz* lizzie beth betty bess eliza libby lisa elsie",
    "emily em emmy milly",
    "frances fran frankie",
    "francis frank frankie",
    "frederick fred freddie",
    "gregory greg",
    "harold harry hal",
    "henry harry hank hal",
    "isabella isabel bella izzy",
    "jacob jake",
    "james jim* jimmy jamie",
    "jennifer jen jenny*",
    "jessica jess jessie",
    "john jack* johnny jon",
    "jonathan jon jonny nathan",
    "joseph joe* joey jo",
    "josephine jo josie",
    "joshua josh",
    "katrina kat trina",
    "kenneth ken kenny",
    "lawrence laurence larry laurie",
    "leonard leo len lenny",
    "margaret maggie* meg peggy marge madge greta daisy",
    "matthew matt matty",
    "michael mike* mick mickey",
    "nathaniel nathan nate nat",
    "nicholas nick nicky",
    "patricia pat patty trish tricia",
    "patrick pat paddy",
    "peter pete",
    "rebecca becky* becca",
    "richard rich rick ricky dick*",
    "robert bob* bobby rob robbie bert",
    "ronald ron ronnie",
    "samantha sam sammy",
    "samuel sam* sammy",
    "stephen steven steve stevie",
    "susan sue susie suzy",
    "theodore theo ted teddy",
    "thomas tom* tommy",
    "timothy tim timmy",
    "victoria vicky* tori",
    "william bill* billy will willie liam",
    "zachary zach zack",
];

/// English given names and their nicknames, one `formal,has_nickname,short`
/// line each (see `data/README.md` for the source).
const NICKNAME_PAIRS: &str = include_str!("data/en_nicknames.csv");

/// Every name that has a nickname or is one, numbered from 1 in name order
/// (so that every process numbers them alike: prepared records carry the
/// numbers between processes), and the pairs of numbers that are nicknames
/// of each other with their level: 2 from the hand-written groups, 1 from
/// the dictionary only.
struct Nicknames {
    number: HashMap<&'static str, u32, foldhash::fast::FixedState>,
    /// The level of each linked pair of numbers, the smaller first: one
    /// lookup for the pairs of names scoring compares by the million.
    links: HashMap<(u32, u32), u8, foldhash::fast::FixedState>,
}

/// The links: every two names of one hand-written group above, and each
/// formal name of the dictionary with each of its nicknames. Two nicknames
/// of one formal name are not linked through it (`al` and `bert` are both
/// short for Albert, but an Al is rarely a Bert), nor are two formal names
/// through a shared nickname (`ron`: Aaron and Ronald).
static NICKNAMES_OF: LazyLock<Nicknames> = LazyLock::new(|| {
    let mut close: Vec<(&'static str, &'static str)> = Vec::new();
    for group in NICKNAMES {
        let names: Vec<&'static str> = group.split(' ').map(|n| n.trim_end_matches('*')).collect();
        for (i, a) in names.iter().enumerate() {
            for b in names.iter().skip(i + 1) {
                close.push((a, b));
            }
        }
    }
    let mut known: Vec<(&'static str, &'static str)> = Vec::new();
    for line in NICKNAME_PAIRS.lines().skip(1) {
        let mut parts = line.trim_end().split(',');
        let (Some(formal), Some("has_nickname"), Some(short)) =
            (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        // Initials such as `k.c.` are not names.
        if !formal.is_empty() && !short.is_empty() && !short.contains('.') {
            known.push((formal, short));
        }
    }
    let mut names: Vec<&'static str> = close
        .iter()
        .chain(&known)
        .flat_map(|&(a, b)| [a, b])
        .collect();
    names.sort_unstable();
    names.dedup();
    let number: HashMap<&'static str, u32, foldhash::fast::FixedState> = names
        .iter()
        .zip(1u32..)
        .map(|(&name, n)| (name, n))
        .collect();
    let number_of = |(a, b): (&str, &str)| {
        let (x, y) = (number.get(a)?, number.get(b)?);
        (x != y).then(|| (*x.min(y), *x.max(y)))
    };
    // Close pairs come last: a pair in both lists is close.
    let links = known
        .into_iter()
        .filter_map(number_of)
        .map(|pair| (pair, 1))
        .chain(
            close
                .into_iter()
                .filter_map(number_of)
                .map(|pair| (pair, 2)),
        )
        .collect();
    Nicknames { number, links }
});

/// The short form the test-data generator writes for a formal given name
/// (folded: `robert` gives `bob`), the one its group above marks with `*`.
#[cfg(feature = "generate")]
pub(crate) fn generated_nickname(formal: &str) -> Option<&'static str> {
    let group = NICKNAMES
        .iter()
        .find(|group| group.split(' ').next() == Some(formal))?;
    group.split(' ').find_map(|name| name.strip_suffix('*'))
}

/// The nickname number of a folded given name (0: it neither has a known
/// nickname nor is one). [`nickname_level`] says how two numbers relate.
pub(crate) fn nickname_number(key: &str) -> u32 {
    NICKNAMES_OF.number.get(key).copied().unwrap_or(0)
}

/// How two names, by their numbers from [`nickname_number`], are
/// nicknames of each other: 2 for one name or a common short form in the
/// hand-written groups (Bob, Robert), 1 for a pair only the dictionary
/// knows (Peggy, Margaret), 0 for none. The dictionary's pairs count
/// less: it has many rare and ambiguous forms, and names of different
/// people meet through them far more often than through typos.
pub(crate) fn nickname_level(a: u32, b: u32) -> u8 {
    if a == 0 || b == 0 {
        return 0;
    }
    if a == b {
        return 2;
    }
    NICKNAMES_OF
        .links
        .get(&(a.min(b), a.max(b)))
        .copied()
        .unwrap_or(0)
}

/// The generation a name declares with a suffix after its first word (its
/// number in [`GENERATIONS`](crate::normalize::name::GENERATIONS)); 0 for
/// none. A first word is never read as one: Junior is
/// also a given name.
pub(crate) fn generation(name: &str) -> u32 {
    name.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .skip(1)
        .find_map(|word| {
            let word = word.trim_matches('.');
            // Most words are ASCII, where folding is a byte compare.
            let same = |suffix: &str| {
                if word.is_ascii() {
                    word.eq_ignore_ascii_case(suffix)
                } else {
                    word.chars().flat_map(char::to_lowercase).eq(suffix.chars())
                }
            };
            crate::normalize::name::GENERATIONS
                .iter()
                .find(|(suffix, _)| same(suffix))
                .map(|&(_, number)| number)
        })
        .unwrap_or(0)
}

/// Whether two generations from [`generation`] say two people: both
/// declared, and not the same.
pub(crate) fn generations_differ(a: u32, b: u32) -> bool {
    a != 0 && b != 0 && a != b
}

/// The name as compared letter by letter: Chinese characters spelt in
/// toneless pinyin (`张伟` -> `zhangwei`, so it meets `Zhang Wei`), and
/// spaces, hyphens and apostrophes dropped (`o neil`, `oneil`). `key` is a
/// match key, already folded.
pub(crate) fn spelling(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        match c {
            ' ' | '-' | '\'' | '’' => {}
            c if c.is_ascii() => out.push(c),
            c => match c.to_pinyin() {
                Some(p) => out.push_str(p.plain()),
                None => out.push(c),
            },
        }
    }
    out
}

static METAPHONE: LazyLock<DoubleMetaphone> = LazyLock::new(DoubleMetaphone::default);

/// The Double Metaphone primary code of a spelling (`smith`, `smyth` ->
/// `SM0`) from its ASCII letters; empty when it has none. The encoder
/// slices its input by bytes, so it only ever sees ASCII.
pub(crate) fn phonetic(spelling: &str) -> String {
    let letters: String = spelling.chars().filter(char::is_ascii_alphabetic).collect();
    if letters.is_empty() {
        return String::new();
    }
    METAPHONE.double_metaphone(&letters).primary()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_are_read_from_suffixes_after_the_first_word() {
        for (name, number) in [
            ("John Miller Jr.", 2),
            ("JOHN MILLER SR", 1),
            ("Miller, John Jr", 2),
            ("John Miller II", 2),
            ("John Miller III", 3),
            ("Henry Ford IV", 4),
            ("João Silva Júnior", 2),
            ("JOÃO SILVA JÚNIOR", 2),
            ("Pedro Costa Filho", 2),
            ("Junior Silva", 0),
            ("Sr. Maria Lopez", 0),
            ("John Miller", 0),
            ("Iiris Virtanen", 0),
            ("", 0),
        ] {
            assert_eq!(generation(name), number, "{name}");
        }
        assert!(generations_differ(1, 2));
        assert!(!generations_differ(2, 2));
        assert!(!generations_differ(0, 3));
        assert!(!generations_differ(3, 0));
    }

    use proptest::strategy::Strategy;

    proptest::proptest! {
        /// The ASCII fast path reads the same generations as folding every
        /// word with `char::to_lowercase` (which is what a suffix means).
        #[test]
        fn generations_fold_like_lowercase(
            words in proptest::collection::vec(
                proptest::prop_oneof![
                    "[a-zA-Z]{0,7}",
                    proptest::sample::select(vec![
                        "Jr.", "SR", "Júnior", "JÚNIOR", "İİ", "\u{212A}", "ii", "III", "Filho",
                    ])
                    .prop_map(str::to_owned),
                    "\\PC{0,4}",
                ],
                0..5,
            )
        ) {
            let name = words.join(" ");
            let folded = name
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|word| !word.is_empty())
                .skip(1)
                .find_map(|word| {
                    let word = word.trim_matches('.');
                    crate::normalize::name::GENERATIONS
                        .iter()
                        .find(|(s, _)| word.chars().flat_map(char::to_lowercase).eq(s.chars()))
                        .map(|&(_, number)| number)
                })
                .unwrap_or(0);
            proptest::prop_assert_eq!(generation(&name), folded);
        }
    }

    /// The generator writes exactly the short forms it always wrote (one
    /// marked per group, for these twenty formal names), and the mark is
    /// not part of a name.
    #[cfg(feature = "generate")]
    #[test]
    fn the_generator_writes_the_marked_short_forms() {
        let pairs = [
            ("robert", "bob"),
            ("william", "bill"),
            ("elizabeth", "liz"),
            ("margaret", "maggie"),
            ("james", "jim"),
            ("john", "jack"),
            ("richard", "dick"),
            ("thomas", "tom"),
            ("michael", "mike"),
            ("catherine", "kate"),
            ("rebecca", "becky"),
            ("samuel", "sam"),
            ("alexander", "alex"),
            ("christopher", "chris"),
            ("daniel", "dan"),
            ("joseph", "joe"),
            ("edward", "ted"),
            ("victoria", "vicky"),
            ("jennifer", "jenny"),
            ("andrew", "andy"),
        ];
        for (formal, short) in pairs {
            assert_eq!(generated_nickname(formal), Some(short), "{formal}");
            assert!(linked(nickname_number(formal), nickname_number(short)));
        }
        let marked: usize = NICKNAMES.iter().map(|g| g.matches('*').count()).sum();
        assert_eq!(marked, pairs.len());
        assert_eq!(generated_nickname("david"), None);
        assert_eq!(generated_nickname("bob"), None);
        assert!(nickname_number("dick") > 0);
        assert_eq!(nickname_number("dick*"), 0);
    }

    fn linked(a: u32, b: u32) -> bool {
        nickname_level(a, b) > 0
    }

    #[test]
    fn nicknames_meet_their_formal_names() {
        assert!(linked(nickname_number("bob"), nickname_number("robert")));
        assert!(linked(nickname_number("liz"), nickname_number("elizabeth")));
        // `al` stands for both Albert and Alexander.
        assert!(linked(nickname_number("al"), nickname_number("albert")));
        assert!(linked(nickname_number("al"), nickname_number("alexander")));
        assert!(!linked(nickname_number("bob"), nickname_number("william")));
        assert!(!linked(nickname_number("zzz"), nickname_number("zzz")));
    }

    #[test]
    fn the_dictionary_links_formal_names_to_their_nicknames_only() {
        for (a, b) in [
            ("tess", "theresa"),
            ("gene", "eugene"),
            ("peggy", "margaret"),
        ] {
            assert!(linked(nickname_number(a), nickname_number(b)), "{a} {b}");
            assert!(linked(nickname_number(b), nickname_number(a)), "{b} {a}");
        }
        // `ron` is short for Ronald and for Aaron, but those are not one name.
        assert!(linked(nickname_number("ron"), nickname_number("ronald")));
        assert!(linked(nickname_number("ron"), nickname_number("aaron")));
        assert!(!linked(nickname_number("ronald"), nickname_number("aaron")));
        // `erin` and `ron` are both short for Aaron, not for each other.
        assert!(linked(nickname_number("erin"), nickname_number("aaron")));
        assert!(!linked(nickname_number("erin"), nickname_number("ron")));
        assert!(!linked(nickname_number("mary"), nickname_number("john")));
        // Initials are left out.
        assert_eq!(nickname_number("k.c."), 0);
        assert_ne!(nickname_number("casey"), 0);
    }

    #[test]
    fn chinese_names_are_spelt_in_pinyin() {
        assert_eq!(spelling("张伟"), "zhangwei");
        assert_eq!(spelling("zhang wei"), "zhangwei");
        assert_eq!(spelling("欧阳"), "ouyang");
        assert_eq!(spelling("o'neil"), "oneil");
    }

    #[test]
    fn phonetic_codes_meet_spelling_variants() {
        assert_eq!(phonetic("smith"), phonetic("smyth"));
        assert_ne!(phonetic("smith"), phonetic("jones"));
        assert_eq!(phonetic("张"), "");
        // Letters no script spells do not trip the encoder.
        assert_eq!(phonetic("zuo々muyang"), phonetic("zuomuyang"));
    }

    #[test]
    fn phonetic_codes_take_any_text() {
        for name in [
            "michał",
            "MICHAŁ",
            "søren",
            "þór",
            "æsa",
            "œuvre",
            "佐々木",
            "山﨑",
            "石川さくら",
            "zach🙂",
            "rich©",
            "zelda€",
            "ß",
            "İi",
            "\u{0}x\u{7f}",
        ] {
            let _ = phonetic(&spelling(name));
        }
        assert_eq!(phonetic("zach🙂"), phonetic("zach"));
    }
}
