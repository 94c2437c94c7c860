//! What names are compared through besides their spelling: nicknames,
//! pinyin for Chinese characters, and a phonetic code.

use std::collections::HashMap;
use std::sync::LazyLock;

use pinyin::ToPinyin;
use rphonetic::DoubleMetaphone;

/// Groups of given names that are the same name (a formal name first, then
/// its common short forms). A name may sit in several groups (`al`).
const NICKNAMES: &[&str] = &[
    "abigail abby abbie gail",
    "abraham abe bram",
    "albert al bert bertie",
    "alexander alex alec al sandy xander",
    "alexandra alex alexa sandra sandy lexi",
    "alfred al alf alfie fred",
    "andrew andy drew",
    "anthony tony ant",
    "barbara barb babs barbie",
    "benjamin ben benny benji",
    "catherine katherine kathryn cathy kathy kate katie kat cate kit",
    "charles charlie chuck chas chaz",
    "charlotte charlie lottie lotte",
    "christine christina chris chrissy tina",
    "christopher chris kit topher",
    "daniel dan danny",
    "david dave davy",
    "deborah debra deb debbie",
    "donald don donnie",
    "dorothy dot dottie dolly",
    "edward ed eddie ted teddy ned",
    "eleanor ellie nora elle",
    "elizabeth liz lizzie beth betty bess eliza libby lisa elsie",
    "emily em emmy milly",
    "frances fran frankie",
    "francis frank frankie",
    "frederick fred freddie",
    "gregory greg",
    "harold harry hal",
    "henry harry hank hal",
    "isabella isabel bella izzy",
    "jacob jake",
    "james jim jimmy jamie",
    "jennifer jen jenny",
    "jessica jess jessie",
    "john jack johnny jon",
    "jonathan jon jonny nathan",
    "joseph joe joey jo",
    "josephine jo josie",
    "joshua josh",
    "katrina kat trina",
    "kenneth ken kenny",
    "lawrence laurence larry laurie",
    "leonard leo len lenny",
    "margaret maggie meg peggy marge madge greta daisy",
    "matthew matt matty",
    "michael mike mick mickey",
    "nathaniel nathan nate nat",
    "nicholas nick nicky",
    "patricia pat patty trish tricia",
    "patrick pat paddy",
    "peter pete",
    "rebecca becky becca",
    "richard rich rick ricky dick",
    "robert bob bobby rob robbie bert",
    "ronald ron ronnie",
    "samantha sam sammy",
    "samuel sam sammy",
    "stephen steven steve stevie",
    "susan sue susie suzy",
    "theodore theo ted teddy",
    "thomas tom tommy",
    "timothy tim timmy",
    "victoria vicky tori",
    "william bill billy will willie liam",
    "zachary zach zack",
];

/// Name -> up to two nickname groups, numbered from 1.
static GROUPS: LazyLock<HashMap<&'static str, u32>> = LazyLock::new(|| {
    let mut map: HashMap<&'static str, u32> = HashMap::new();
    for (i, group) in NICKNAMES.iter().enumerate() {
        let id = i as u32 + 1;
        for name in group.split(' ') {
            let slot = map.entry(name).or_insert(0);
            if *slot == 0 {
                *slot = id;
            } else if *slot >> 16 == 0 && *slot != id {
                *slot |= id << 16;
            }
        }
    }
    map
});

/// The nickname groups of a folded given name, packed as two 16-bit group
/// numbers (0: none). Two names are nicknames of each other when they share
/// a non-zero group ([`same_group`]).
pub(crate) fn nickname_groups(key: &str) -> u32 {
    GROUPS.get(key).copied().unwrap_or(0)
}

/// Whether two packed nickname group sets share a group.
pub(crate) fn same_group(a: u32, b: u32) -> bool {
    let (a1, a2, b1, b2) = (a & 0xffff, a >> 16, b & 0xffff, b >> 16);
    a1 != 0 && (a1 == b1 || a1 == b2) || a2 != 0 && (a2 == b1 || a2 == b2)
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
    fn nicknames_meet_their_formal_names() {
        assert!(same_group(
            nickname_groups("bob"),
            nickname_groups("robert")
        ));
        assert!(same_group(
            nickname_groups("liz"),
            nickname_groups("elizabeth")
        ));
        // `al` stands for both Albert and Alexander.
        assert!(same_group(nickname_groups("al"), nickname_groups("albert")));
        assert!(same_group(
            nickname_groups("al"),
            nickname_groups("alexander")
        ));
        assert!(!same_group(
            nickname_groups("bob"),
            nickname_groups("william")
        ));
        assert!(!same_group(nickname_groups("zzz"), nickname_groups("zzz")));
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
