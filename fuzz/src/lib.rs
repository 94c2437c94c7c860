//! The bodies of custodia's fuzz targets, one public function per target
//! taking the raw input bytes. `fuzz_targets/*.rs` call them from libFuzzer;
//! `tests/fuzz_replay.rs` includes this file and calls them on every input
//! checked in under `tests/data/fuzz/<target>/`, so a crash found once is
//! replayed by every `cargo test` through exactly the code the fuzzer ran.
//!
//! A body fails (panics) only when custodia panics or breaks a documented
//! promise it checks: normalization is idempotent, a parsed setting
//! survives its own JSON, no C call returns `CUSTODIA_STATUS_PANIC`.
//! Errors returned by custodia are expected and ignored.

// The C entry points are called through raw pointers.
#![allow(unsafe_code)]

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use custodia::dedupe::{Clustering, Config, ContactEvidence, Deduper, MergePolicy, Merger, Model};
use custodia::mask::{Generalize, Operator, Partial, Profile, generalize, partial, profile};
use custodia::normalize::date::Date;
use custodia::schema::Decimal;
use custodia::{
    CsvHeader, Key, KeyRing, Masker, Normalized, Normalizer, Policy, Record, Schema, Validator,
    Value,
};

// ---------------------------------------------------------------- inputs

/// Ranges of code points text is built from, so that short inputs reach
/// every script and the characters that break byte-slicing code: Latin
/// letters with and without diacritics (ł ø ð þ æ œ ß İ), combining marks,
/// Greek, Cyrillic, Hebrew, Arabic, Devanagari, Thai, Hangul, kana, CJK
/// (with 々 and the compatibility ideographs such as 﨑), full-width forms,
/// ligatures, mathematical letters, emoji, controls and invisible and
/// bidirectional-control characters.
const SCRIPTS: &[(u32, u32)] = &[
    (0x41, 0x3a),     // A-Z [\]^_` a-z
    (0x20, 0x20),     // space, digits and ASCII punctuation
    (0x30, 0x0a),     // digits
    (0x00, 0x20),     // C0 controls
    (0x7f, 0x21),     // DEL, C1 controls
    (0xa0, 0x60),     // Latin-1: NBSP, © ß æ ð ø þ
    (0x100, 0x80),    // Latin Extended-A: ł œ İ ı
    (0x180, 0xd0),    // Latin Extended-B
    (0x250, 0x60),    // IPA
    (0x300, 0x70),    // combining diacritics
    (0x370, 0x90),    // Greek
    (0x400, 0x100),   // Cyrillic
    (0x5d0, 0x20),    // Hebrew
    (0x600, 0x100),   // Arabic
    (0x900, 0x80),    // Devanagari
    (0xe00, 0x60),    // Thai
    (0x1100, 0x100),  // Hangul jamo
    (0x1e00, 0x100),  // Latin Extended Additional: ẞ, Vietnamese
    (0x2000, 0x70),   // spaces, zero-width, bidi controls, dashes
    (0x20a0, 0x30),   // currency: €
    (0x2100, 0x50),   // letterlike: ™ ℡ K Å
    (0x3000, 0x40),   // CJK symbols: ideographic space, 々 〇
    (0x3040, 0x60),   // hiragana
    (0x30a0, 0x60),   // katakana
    (0x4e00, 0x5200), // CJK unified ideographs
    (0xac00, 0x2ba4), // Hangul syllables
    (0xf900, 0x200),  // CJK compatibility ideographs: 﨑
    (0xfb00, 0x50),   // ligatures: ﬁ ﬀ
    (0xfe00, 0x10),   // variation selectors
    (0xfeff, 0x01),   // BOM / zero-width no-break space
    (0xff00, 0xf0),   // full-width forms
    (0xfff0, 0x10),   // specials: U+FFFD
    (0x1d400, 0x400), // mathematical alphanumerics
    (0x1f300, 0x300), // emoji
    (0x1f3fb, 0x05),  // skin tones
    (0x20000, 0x100), // CJK extension B
    (0xe0000, 0x80),  // tags
];

/// Pieces of text that parsers look for.
const WORDS: &[&str] = &[
    " ",
    "  ",
    "@",
    ".",
    "..",
    "-",
    "+",
    "'",
    ",",
    "/",
    "(",
    ")",
    "#",
    "0",
    "1",
    "9",
    "00",
    "+86",
    "+1",
    "+44",
    "+49",
    "138",
    "0013",
    "ext",
    "x",
    "Mc",
    "O'",
    "van",
    "de la",
    "Dr.",
    "Jr",
    "III",
    "年",
    "月",
    "日",
    "号",
    "路",
    "省",
    "市",
    "张",
    "欧阳",
    "佐々木",
    "山﨑",
    "Michał",
    "Ørsted",
    "Þór",
    "Æsa",
    "Œuvre",
    "straße",
    "İstanbul",
    "ﬁ",
    "Zach🙂",
    "Rich©",
    "👨‍👩‍👧",
    "\u{200d}",
    "\u{202e}",
    "\u{200b}",
    "\u{feff}",
    "\u{00ad}",
    "\u{0301}",
    "\t",
    "\n",
    "\r\n",
    "\0",
    "gmail.com",
    "example.中国",
    "xn--",
    "1990-02-28",
    "31/12/1999",
    "2000年6月15日",
    "Feb",
    "January",
    "M",
    "F",
    "female",
    "男",
    "CN",
    "US",
    "GB",
    "DE",
    "China",
    "Deutschland",
    "中国",
    "11010519491231002X",
    "078-05-1120",
    "91350100M000100Y43",
    "DE89370400440532013000",
    "4111111111111111",
    "SW1A 1AA",
    "10115",
    "K1A 0B6",
    "St",
    "Ave",
    "Rd",
    "true",
    "no",
    "-0",
    "1e309",
    "12.50",
    "1,000",
    "9223372036854775808",
];

/// Text from a mix of code-point ranges, dictionary words and raw strings.
#[derive(Clone, Debug)]
pub struct Text(pub String);

#[derive(Arbitrary, Debug)]
enum Piece {
    Char(u8, u16),
    Run(u8, u16, u8),
    Word(u8),
    Raw(String),
}

impl<'a> Arbitrary<'a> for Text {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut text = String::new();
        for piece in u.arbitrary_iter::<Piece>()? {
            match piece? {
                Piece::Char(script, offset) => push_char(&mut text, script, offset.into()),
                Piece::Run(script, offset, count) => {
                    for i in 0..u32::from(count % 12) + 1 {
                        push_char(&mut text, script, u32::from(offset) + i);
                    }
                }
                Piece::Word(w) => text.push_str(WORDS[usize::from(w) % WORDS.len()]),
                Piece::Raw(raw) => text.push_str(&raw),
            }
            if text.len() > 4096 {
                break;
            }
        }
        Ok(Self(text))
    }
}

fn push_char(text: &mut String, script: u8, offset: u32) {
    let (start, len) = SCRIPTS[usize::from(script) % SCRIPTS.len()];
    if let Some(c) = char::from_u32(start + offset % len) {
        text.push(c);
    }
}

/// A value for a field: mostly text, sometimes typed.
#[derive(Arbitrary, Debug)]
enum ArbValue {
    Text(Text),
    Integer(i64),
    Decimal(Text),
    Boolean(bool),
    Null,
}

impl ArbValue {
    fn into_value(self) -> Value {
        match self {
            Self::Text(t) => Value::from(t.0),
            Self::Integer(i) => Value::Integer(i),
            Self::Decimal(t) => Decimal::parse(&t.0).map_or(Value::Null, Value::Decimal),
            Self::Boolean(b) => Value::Boolean(b),
            Self::Null => Value::Null,
        }
    }
}

/// Regions the schemas of every kind are built for (`None`: no default).
const REGIONS: &[Option<&str>] = &[
    None,
    Some("CN"),
    Some("US"),
    Some("GB"),
    Some("DE"),
    Some("FR"),
    Some("JP"),
    Some("IN"),
    Some("BR"),
    Some("AU"),
    Some("CA"),
];

/// The schemas the structured targets build records of.
#[derive(Arbitrary, Debug, Clone, Copy)]
enum SchemaChoice {
    /// The built-in customer schema.
    Customer,
    /// One field of every kind and national-id scheme, for a region.
    EveryKind(u8),
}

impl SchemaChoice {
    fn schema(self) -> &'static Schema {
        match self {
            Self::Customer => customer(),
            Self::EveryKind(r) => every_kind(usize::from(r) % REGIONS.len()),
        }
    }
}

/// The built-in customer schema, made once.
pub fn customer() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(Schema::customer)
}

/// The JSON of a schema with one field of every kind, every national-id
/// scheme and every case option, for `region`.
pub fn every_kind_json(region: Option<&str>) -> String {
    let region = region.map_or(String::new(), |r| format!(r#""region": "{r}","#));
    format!(
        r#"{{
  "name": "every_kind", {region}
  "fields": [
    {{"name": "id", "kind": "text", "required": true, "max_length": 40}},
    {{"name": "full_name", "kind": "full_name"}},
    {{"name": "given_name", "kind": "given_name"}},
    {{"name": "family_name", "kind": "family_name", "case": "upper"}},
    {{"name": "email", "kind": "email"}},
    {{"name": "phone", "kind": "phone"}},
    {{"name": "phone_cn", "kind": "phone", "region": "CN"}},
    {{"name": "street", "kind": "street"}},
    {{"name": "city", "kind": "city", "case": "title"}},
    {{"name": "region", "kind": "region"}},
    {{"name": "postcode", "kind": "postcode"}},
    {{"name": "country", "kind": "country"}},
    {{"name": "date", "kind": "date"}},
    {{"name": "birth_date", "kind": "birth_date"}},
    {{"name": "gender", "kind": "gender"}},
    {{"name": "cn_id", "kind": "national_id", "scheme": "cn_resident_id"}},
    {{"name": "uscc", "kind": "national_id", "scheme": "cn_uscc"}},
    {{"name": "ssn", "kind": "national_id", "scheme": "us_ssn"}},
    {{"name": "gb_nino", "kind": "national_id", "scheme": "gb_nino"}},
    {{"name": "es_dni", "kind": "national_id", "scheme": "es_dni"}},
    {{"name": "fr_nir", "kind": "national_id", "scheme": "fr_nir"}},
    {{"name": "it_cf", "kind": "national_id", "scheme": "it_codice_fiscale"}},
    {{"name": "de_idnr", "kind": "national_id", "scheme": "de_idnr"}},
    {{"name": "nl_bsn", "kind": "national_id", "scheme": "nl_bsn"}},
    {{"name": "br_cpf", "kind": "national_id", "scheme": "br_cpf"}},
    {{"name": "in_aadhaar", "kind": "national_id", "scheme": "in_aadhaar"}},
    {{"name": "kr_rrn", "kind": "national_id", "scheme": "kr_rrn"}},
    {{"name": "ca_sin", "kind": "national_id", "scheme": "ca_sin"}},
    {{"name": "national_id", "kind": "national_id", "scheme": "by_country"}},
    {{"name": "iban", "kind": "iban"}},
    {{"name": "card", "kind": "payment_card"}},
    {{"name": "note", "kind": "text", "case": "lower"}},
    {{"name": "label", "kind": "text", "case": "auto"}},
    {{"name": "count", "kind": "integer"}},
    {{"name": "amount", "kind": "decimal"}},
    {{"name": "vip", "kind": "boolean"}},
    {{"name": "tier", "kind": "enum", "values": ["gold", "silver", "Ärger", "金"]}},
    {{"name": "member_no", "kind": "pattern", "pattern": "M[0-9]{{8}}|[\\p{{Han}}]+"}}
  ]
}}"#
    )
}

/// The normalizer and validator of a schema of [`SchemaChoice`], made once.
fn stages(schema: &Schema) -> Option<(&'static Normalizer, &'static Validator)> {
    static STAGES: OnceLock<Vec<(Normalizer, Validator)>> = OnceLock::new();
    let stages = STAGES.get_or_init(|| {
        std::iter::once(customer())
            .chain((0..REGIONS.len()).map(every_kind))
            .map(|s| (Normalizer::new(s), Validator::new(s)))
            .collect()
    });
    stages
        .iter()
        .find(|(n, _)| n.schema().ptr_eq(schema))
        .map(|(n, v)| (n, v))
}

/// The schema of every kind for `REGIONS[index]`, made once per region.
fn every_kind(index: usize) -> &'static Schema {
    static SCHEMAS: OnceLock<Vec<Schema>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(|| {
        REGIONS
            .iter()
            .map(|r| match Schema::from_json(&every_kind_json(*r)) {
                Ok(schema) => schema,
                Err(e) => panic!("the schema of every kind does not load: {e}"),
            })
            .collect()
    });
    &schemas[index % schemas.len()]
}

/// A record of one of the schemas, field values by index.
#[derive(Arbitrary, Debug)]
struct RecordInput {
    schema: SchemaChoice,
    values: Vec<(u8, ArbValue)>,
}

impl RecordInput {
    fn build(self) -> Record {
        build_record(self.schema.schema(), self.values)
    }
}

fn build_record(schema: &Schema, values: Vec<(u8, ArbValue)>) -> Record {
    let mut record = Record::new(schema);
    for (index, value) in values {
        // Values that do not fit the field are errors, as they should be.
        let _ = record.set_at(usize::from(index) % schema.len(), value.into_value());
    }
    record
}

/// Runs `body` on the structured value decoded from `data`; inputs too
/// short to decode are skipped.
fn with<'a, T: Arbitrary<'a>>(data: &'a [u8], body: impl FnOnce(T)) {
    if let Ok(input) = T::arbitrary_take_rest(Unstructured::new(data)) {
        body(input);
    }
}

// ------------------------------------------------------- shared checks

/// Normalizes `record` (and checks that doing it again changes nothing),
/// validates it raw and normalized, and computes its match keys.
fn exercise(record: &Record) {
    let schema = record.schema();
    let made;
    let (normalizer, validator) = match stages(schema) {
        Some(stages) => stages,
        None => {
            made = (Normalizer::new(schema), Validator::new(schema));
            (&made.0, &made.1)
        }
    };
    let _ = validator.validate(record);
    let Ok(once) = normalizer.normalize(record) else {
        return;
    };
    let _ = validator.validate_normalized(&once);
    let _ = validator.validate(&once.record);
    let _ = normalizer.match_keys(&once.record);
    if let Ok(twice) = normalizer.normalize(&once.record) {
        assert!(
            twice.record == once.record,
            "normalizing a normalized record changed it: {:?}",
            twice.changes
        );
    }
    let _ = Record::from_json(schema, &once.record.to_json());
}

// ---------------------------------------------------------- the targets

/// `schema_json`: a schema from JSON; a schema that loads survives its own
/// JSON and can be used by every stage.
pub fn schema_json(data: &[u8]) {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(schema) = Schema::from_json(json) else {
        return;
    };
    let again = Schema::from_json(&schema.to_json());
    assert!(
        again.as_ref().is_ok_and(|s| *s == schema),
        "a loaded schema does not survive its own JSON: {again:?}"
    );
    let record = Record::new(&schema);
    exercise(&record);
    let _ = Deduper::new(&schema);
    let _ = Merger::new(&schema, &MergePolicy::for_schema(&schema));
    let _ = Masker::new(&schema, &Policy::from_schema(&schema), keys());
}

/// `record_json`: a record from a JSON object, strictly and keeping the
/// unknown members aside, of the customer schema or the schema of every
/// kind (the first byte chooses), then normalized and validated.
pub fn record_json(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let Ok(json) = std::str::from_utf8(rest) else {
        return;
    };
    let schema = if choice % 2 == 0 {
        customer()
    } else {
        every_kind(usize::from(choice / 2))
    };
    if let Ok(record) = Record::from_json(schema, json) {
        exercise(&record);
    }
    if let Ok((record, _unknown)) = Record::from_json_known(schema, json) {
        exercise(&record);
    }
}

#[derive(Arbitrary, Debug)]
enum Column {
    /// The name of the schema field at this index.
    Field(u8),
    /// Any name.
    Other(Text),
}

#[derive(Arbitrary, Debug)]
struct CsvInput {
    schema: SchemaChoice,
    bom: bool,
    known_only: bool,
    header: Vec<Column>,
    rows: Vec<Vec<Text>>,
}

/// `record_csv`: CSV header and rows (cells as text) into records through
/// `CsvHeader::new` and `CsvHeader::known`.
pub fn record_csv(data: &[u8]) {
    with(data, |input: CsvInput| {
        let schema = input.schema.schema();
        let mut header: Vec<String> = input
            .header
            .into_iter()
            .map(|c| match c {
                Column::Field(i) => schema.fields()[usize::from(i) % schema.len()]
                    .name()
                    .to_owned(),
                Column::Other(t) => t.0,
            })
            .collect();
        if input.bom
            && let Some(first) = header.first_mut()
        {
            first.insert(0, '\u{feff}');
        }
        let built = if input.known_only {
            CsvHeader::known(schema, &header)
        } else {
            CsvHeader::new(schema, &header)
        };
        let Ok(csv) = built else {
            return;
        };
        let _ = csv.field_indices().count();
        for row in input.rows.into_iter().take(8) {
            let row: Vec<String> = row.into_iter().map(|t| t.0).collect();
            if let Ok(record) = csv.record(&row) {
                exercise(&record);
            }
        }
    });
}

/// `normalize_validate`: records of the customer schema and of the schema
/// of every kind (for eleven regions) from arbitrary values: normalized
/// (idempotently), validated, match keys computed.
pub fn normalize_validate(data: &[u8]) {
    with(data, |input: RecordInput| exercise(&input.build()));
}

// ---------------------------------------------------------------- mask

/// Key ids the masking targets use; the last one is never in the ring.
const KEY_IDS: &[&str] = &["pseudonym", "token", "k1", "k2", "missing"];

fn keys() -> KeyRing {
    let mut ring = KeyRing::new();
    for (i, id) in KEY_IDS[..4].iter().enumerate() {
        let len = [16, 24, 32, 32][i];
        if let Ok(key) = Key::new(*id, &vec![i as u8 + 1; len]) {
            ring = ring.with(key);
        }
    }
    ring
}

#[derive(Arbitrary, Debug)]
enum ArbGeneralize {
    Year,
    YearMonth,
    AgeBand(u16),
    Prefix(u8),
    Range(u64),
}

impl ArbGeneralize {
    fn into_generalize(self) -> Generalize {
        match self {
            Self::Year => Generalize::Year,
            Self::YearMonth => Generalize::YearMonth,
            Self::AgeBand(width) => Generalize::AgeBand { width },
            Self::Prefix(keep) => Generalize::Prefix { keep: keep.into() },
            Self::Range(width) => Generalize::Range { width },
        }
    }
}

#[derive(Arbitrary, Debug)]
struct ArbPartial {
    first: u8,
    last: u8,
    mask: char,
    fixed: Option<u8>,
}

impl ArbPartial {
    fn into_partial(self) -> Partial {
        let mut partial = Partial::new(self.first.into(), self.last.into()).mask_char(self.mask);
        partial.fixed = self.fixed.map(usize::from);
        partial
    }
}

#[derive(Arbitrary, Debug)]
enum ArbOperator {
    Keep,
    Redact(Text),
    Null,
    Partial(ArbPartial),
    Profile(u8),
    Generalize(ArbGeneralize),
    Hash(u8, u8),
    Token(u8, bool),
}

impl ArbOperator {
    fn into_operator(self) -> Operator {
        let key = |k: u8| KEY_IDS[usize::from(k) % KEY_IDS.len()].to_owned();
        match self {
            Self::Keep => Operator::Keep,
            Self::Redact(marker) => Operator::Redact { marker: marker.0 },
            Self::Null => Operator::Null,
            Self::Partial(p) => Operator::Partial(p.into_partial()),
            Self::Profile(p) => {
                Operator::Profile(Profile::ALL[usize::from(p) % Profile::ALL.len()])
            }
            Self::Generalize(g) => Operator::Generalize(g.into_generalize()),
            Self::Hash(k, bytes) => Operator::Hash {
                key: key(k),
                bytes: bytes.into(),
            },
            Self::Token(k, tagged) => Operator::Token {
                key: key(k),
                tagged,
            },
        }
    }
}

#[derive(Arbitrary, Debug)]
enum PolicyChoice {
    /// The built-in customer policy (customer records only).
    Builtin,
    /// The policy written on the schema's fields.
    FromSchema,
    /// Rules of (audience, field, operator).
    Random(Vec<(u8, u8, ArbOperator)>),
}

const AUDIENCES: &[&str] = &["support", "analytics", "auditor", "marketing", "nobody"];

#[derive(Arbitrary, Debug)]
struct MaskInput {
    record: RecordInput,
    policy: PolicyChoice,
    audience: u8,
    today: Option<(i32, u8, u8)>,
    /// The operators called directly on text.
    direct: Vec<(Text, ArbOperator)>,
}

/// `mask`: records of both schemas masked for every audience of the
/// built-in policy, the schema's own policy or a random one (every
/// operator, keys given), then detokenized; and every operator applied
/// directly to arbitrary text.
pub fn mask(data: &[u8]) {
    with(data, |input: MaskInput| {
        let today = input
            .today
            .and_then(|(y, m, d)| Date::new(y, m.into(), d.into()))
            .unwrap_or_else(Date::today);
        for (text, op) in input.direct.into_iter().take(8) {
            match op.into_operator() {
                Operator::Partial(p) => drop(partial(&text.0, p)),
                Operator::Profile(p) => drop(profile(&text.0, p)),
                Operator::Generalize(g) => drop(generalize(&text.0, g, today)),
                _ => {}
            }
        }
        let record = input.record.build();
        let schema = record.schema();
        let policy = match input.policy {
            PolicyChoice::Builtin => Policy::customer(),
            PolicyChoice::FromSchema => Policy::from_schema(schema),
            PolicyChoice::Random(rules) => {
                rules
                    .into_iter()
                    .fold(Policy::new("fuzz"), |policy, (audience, field, op)| {
                        let audience = AUDIENCES[usize::from(audience) % AUDIENCES.len()];
                        let field = schema.fields()[usize::from(field) % schema.len()].name();
                        policy.rule(audience, field, op.into_operator())
                    })
            }
        };
        let Ok(masker) = Masker::new(schema, &policy, keys()) else {
            return;
        };
        let masker = masker.with_today(today);
        let audience = AUDIENCES[usize::from(input.audience) % AUDIENCES.len()];
        if let Ok(masked) = masker.mask(&record, audience) {
            let _ = masker.detokenize(masked, audience);
        }
        let _ = masker.mask_normalized(Normalized::stored(record.clone()), audience);
        if let Ok(normalized) = Normalizer::new(schema).normalize(&record)
            && let Ok(masked) = masker.mask_normalized(normalized, audience)
        {
            let _ = masker.detokenize(masked, audience);
        }
    });
}

// ------------------------------------------------------------ settings

/// `settings_json`: masking policy, merge policy, dedupe settings or a
/// model from JSON (the first byte chooses); what parses survives its own
/// JSON and is put to use on a few customers.
pub fn settings_json(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let Ok(json) = std::str::from_utf8(rest) else {
        return;
    };
    let schema = customer();
    match choice % 4 {
        0 => {
            let Ok(policy) = Policy::from_json(json) else {
                return;
            };
            let again = Policy::from_json(&policy.to_json());
            assert!(
                again.as_ref().is_ok_and(|p| *p == policy),
                "a policy does not survive its own JSON: {again:?}"
            );
            if let Ok(masker) = Masker::new(schema, &policy, keys()) {
                for audience in policy.audiences() {
                    for record in sample_records() {
                        let _ = masker.mask(record, audience);
                    }
                }
            }
        }
        1 => {
            let Ok(policy) = MergePolicy::from_json(json) else {
                return;
            };
            let again = MergePolicy::from_json(&policy.to_json());
            assert!(
                again.as_ref().is_ok_and(|p| *p == policy),
                "a merge policy does not survive its own JSON: {again:?}"
            );
            if let Ok(merger) = Merger::new(schema, &policy) {
                let _ = merger.merge(sample_records(), &[0, 0, 1, 0]);
            }
        }
        2 => {
            let Ok(config) = Config::from_json(json) else {
                return;
            };
            let again = Config::from_json(&config.to_json());
            assert!(
                again.as_ref().is_ok_and(|c| same_config(c, &config)),
                "dedupe settings do not survive their own JSON: {again:?}"
            );
            if let Ok(deduper) = Deduper::with_config(schema, config) {
                let _ = deduper.run(sample_records());
            }
        }
        _ => {
            let Ok(model) = Model::from_json(json) else {
                return;
            };
            assert!(
                Model::from_json(&model.to_json()).is_ok(),
                "a model does not survive its own JSON"
            );
            let Ok(deduper) = Deduper::new(schema) else {
                return;
            };
            let records = sample_records();
            let _ = deduper.run_with(records, &model);
            let _ = deduper.link_with(&records[..2], &records[2..], &model);
            if let Ok(mut index) = deduper.index(&model) {
                let _ = index.extend(records);
                let _ = index.query(&records[0], 3);
            }
        }
    }
}

/// Settings compare equal, NaN thresholds included (NaN is refused later).
fn same_config(a: &Config, b: &Config) -> bool {
    a.to_json() == b.to_json()
}

/// Four customers, two of them one person.
fn sample_records() -> &'static [Record] {
    static RECORDS: OnceLock<Vec<Record>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        [
            r#"{"customer_id": "1", "full_name": "Ann O'Neil", "email": "ann@example.com",
                "phone": "+1 415 555 0100", "birth_date": "1990-02-03", "updated_at": "2024-01-01",
                "source": "crm"}"#,
            r#"{"customer_id": "2", "full_name": "Anne ONeil", "email": "ann@example.com",
                "phone": "4155550100", "birth_date": "1990-02-03", "country": "US"}"#,
            r#"{"customer_id": "3", "full_name": "张伟", "phone": "13800138000",
                "national_id": "11010519491231002X", "country": "CN"}"#,
            r#"{"customer_id": "4", "full_name": "Michał Kowalski", "email": "m@x.pl",
                "street": "ul. Długa 5", "postcode": "00-001", "iban": "DE89370400440532013000"}"#,
        ]
        .iter()
        .filter_map(|json| Record::from_json(customer(), json).ok())
        .collect()
    })
}

// -------------------------------------------------------------- dedupe

/// A person, with the fields duplicate detection leans on most.
#[derive(Arbitrary, Debug)]
struct Person {
    full_name: Option<Text>,
    given_name: Option<Text>,
    family_name: Option<Text>,
    birth_date: Option<Text>,
    email: Option<Text>,
    phone: Option<Text>,
    other: Vec<(u8, ArbValue)>,
}

impl Person {
    fn into_record(self, schema: &Schema) -> Record {
        let mut record = build_record(schema, self.other);
        for (name, value) in [
            ("full_name", self.full_name),
            ("given_name", self.given_name),
            ("family_name", self.family_name),
            ("birth_date", self.birth_date),
            ("email", self.email),
            ("phone", self.phone),
        ] {
            if let Some(value) = value {
                let _ = record.set(name, value.0);
            }
        }
        record
    }
}

/// At most this many records per set, so that an execution stays short.
const MAX_RECORDS: usize = 40;

#[derive(Arbitrary, Debug)]
struct DedupeInput {
    schema: SchemaChoice,
    independent: bool,
    connected: bool,
    sorted_neighbourhood: bool,
    split: u8,
    people: Vec<Person>,
    explain: Vec<(u8, u8)>,
}

fn people(schema: &Schema, people: Vec<Person>) -> Vec<Record> {
    people
        .into_iter()
        .take(MAX_RECORDS)
        .map(|p| p.into_record(schema))
        .collect()
}

/// `dedupe`: up to 40 records of people with arbitrary names (every
/// script) and contact details, deduplicated, linked as two sources,
/// explained and merged into golden records.
pub fn dedupe(data: &[u8]) {
    with(data, |input: DedupeInput| {
        let schema = input.schema.schema();
        let records = people(schema, input.people);
        let mut config = Config::default();
        config.contact_evidence = if input.independent {
            ContactEvidence::Independent
        } else {
            ContactEvidence::Strongest
        };
        config.clustering = if input.connected {
            Clustering::Connected
        } else {
            Clustering::default()
        };
        config.sorted_neighbourhood = input.sorted_neighbourhood;
        // The least sample and a few EM rounds: the same code, in a
        // fraction of the time per execution.
        config.u_pairs = 1000;
        config.iterations = 10;
        let Ok(deduper) = Deduper::with_config(schema, config) else {
            return;
        };
        if let Ok(outcome) = deduper.run(&records) {
            assert_eq!(outcome.clusters().len(), records.len());
            // With the model given, every candidate goes through pruned
            // scoring instead of the levels training compared: the same
            // pairs and clusters.
            if let Ok(again) = deduper.run_with(&records, outcome.model()) {
                assert_eq!(again.clusters(), outcome.clusters());
                assert_eq!(again.pairs().len(), outcome.pairs().len());
            }
            for (a, b) in input.explain.iter().take(4) {
                let n = records.len().max(1);
                let _ = outcome.explain(usize::from(*a) % n, usize::from(*b) % n);
            }
            for pair in outcome.pairs().iter().take(4) {
                let _ = outcome.explain(pair.a, pair.b);
            }
            if let Ok(merger) = Merger::new(schema, &MergePolicy::for_schema(schema)) {
                let _ = merger.merge(&records, outcome.clusters());
            }
        }
        let split = usize::from(input.split) % (records.len() + 1);
        let _ = deduper.link(&records[..split], &records[split..]);
    });
}

#[derive(Arbitrary, Debug)]
struct IndexInput {
    schema: SchemaChoice,
    bulk: bool,
    inserted: Vec<Person>,
    queries: Vec<(Person, u8)>,
}

/// `index`: an incremental index of up to 40 such records (inserted one by
/// one or in bulk), queried for the top k and explained.
pub fn index(data: &[u8]) {
    with(data, |input: IndexInput| {
        let schema = input.schema.schema();
        let Ok(deduper) = Deduper::new(schema) else {
            return;
        };
        let model = match input.schema {
            SchemaChoice::Customer => Model::customer(),
            SchemaChoice::EveryKind(_) => match deduper.train(&sample_like(schema), &[]) {
                Ok(model) => model,
                Err(_) => return,
            },
        };
        let Ok(mut index) = deduper.index(&model) else {
            return;
        };
        let records = people(schema, input.inserted);
        if input.bulk {
            let _ = index.extend(&records);
        } else {
            for record in &records {
                let _ = index.insert(record);
            }
        }
        for (person, k) in input.queries.into_iter().take(8) {
            let record = person.into_record(schema);
            if let Ok(found) = index.query(&record, usize::from(k)) {
                assert!(found.len() <= usize::from(k));
                for m in found {
                    let _ = index.explain(&record, m.row);
                }
            }
            let _ = index.explain(&record, usize::from(k));
        }
    });
}

/// A few records of `schema` to train a model on (the schema of every
/// kind has no shipped model).
fn sample_like(schema: &Schema) -> Vec<Record> {
    let names = [
        "Ann Lee",
        "Anne Lee",
        "Bo Chen",
        "张伟",
        "Zoë Ørsted",
        "Li Na",
    ];
    names
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            Record::from_pairs(
                schema,
                [
                    ("id", i.to_string()),
                    ("full_name", (*name).to_owned()),
                    ("email", format!("p{}@example.com", i / 2)),
                ],
            )
            .ok()
        })
        .collect()
}

// ------------------------------------------------------------ pipeline

/// Pipeline settings the `pipeline` target chooses from (the first input
/// byte): every format, header and delimiter choice, column mapping,
/// dropping and keeping, each step, and a link.
const PIPELINES: &[&str] = &[
    r#"{}"#,
    r#"{"header": false, "delimiter": ";", "warnings_column": true}"#,
    r#"{"format": "jsonl"}"#,
    r#"{"steps": ["clean", "dedupe"], "dedupe": {"config": {"u_pairs": 1000, "iterations": 10}}}"#,
    r#"{"steps": ["clean", "mask"], "mask": {"audience": "support"}}"#,
    r#"{"steps": ["clean", "dedupe", "mask"], "mask": {"audience": "analytics"},
        "dedupe": {"config": {"u_pairs": 1000, "iterations": 10, "clustering": {"mode": "connected"}}}}"#,
    r#"{"map": {"mobile": "phone", "name": "full_name"}, "drop": ["internal"], "keep": ["ref"],
        "delimiter": "tab", "reject_on": ["phone_possible_not_valid"]}"#,
    r#"{"format": "jsonl", "steps": ["clean", "dedupe"],
        "dedupe": {"config": {"u_pairs": 1000, "iterations": 10}}}"#,
    r#"{"steps": ["clean", "dedupe"], "sources": {"right": {"map": {"mobile": "phone"}}},
        "dedupe": {"config": {"u_pairs": 1000, "iterations": 10}}}"#,
];

/// `pipeline`: the library's whole pipeline (what the CLI and the C
/// pipeline functions run) over raw CSV or JSON Lines bytes, with one of
/// [`PIPELINES`] (first byte; the last ones link the input split in two at
/// the second byte). Every run that succeeds must account for every row:
/// rows in = rows out + rows rejected.
pub fn pipeline(data: &[u8]) {
    let [choice, split, input @ ..] = data else {
        return;
    };
    let index = usize::from(*choice) % (PIPELINES.len() + 2);
    let link = index >= PIPELINES.len();
    let json = match index - PIPELINES.len().min(index) {
        _ if !link => PIPELINES[index],
        0 => PIPELINES[3],
        _ => PIPELINES[8],
    };
    let Ok(config) = custodia::pipeline::PipelineConfig::from_json(json) else {
        panic!("pipeline settings {index} do not load");
    };
    let Ok((pipeline, options)) = config.build(keys()) else {
        panic!("pipeline settings {index} do not build");
    };
    let (mut rows, mut rejects, mut pairs, mut golden) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let outputs = custodia::pipeline::Outputs::new(&mut rows)
        .rejects(&mut rejects)
        .pairs(&mut pairs)
        .golden(&mut golden);
    let summary = if link {
        let at = usize::from(*split) * input.len() / 256;
        let (left, right) = input.split_at(at);
        let Ok(right_options) = config.options_for("right") else {
            return;
        };
        pipeline.link(
            custodia::pipeline::Side {
                name: "left",
                options: &options,
                input: left,
            },
            custodia::pipeline::Side {
                name: "right",
                options: &right_options,
                input: right,
            },
            outputs,
            None,
        )
    } else {
        pipeline.run(&options, input, outputs, None)
    };
    if let Ok(summary) = summary {
        assert_eq!(
            summary.rows_in,
            summary.rows_out + summary.rows_rejected,
            "a run lost or made up rows: {summary:?}"
        );
    }
}

// ------------------------------------------------------------------- C

#[path = "c_api.rs"]
mod c_api;
pub use c_api::c_api;
