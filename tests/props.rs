//! Property tests: no input panics, round trips are lossless, and errors
//! never echo values.

use custodia::{ErrorCode, Record, Schema};
use proptest::prelude::*;

fn json_scalar() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    json_scalar().prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(serde_json::Value::from),
            prop::collection::btree_map(".{0,8}", inner, 0..3)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    let names = Schema::customer()
        .fields()
        .iter()
        .map(|f| f.name().to_owned())
        .collect::<Vec<_>>();
    prop_oneof![prop::sample::select(names), "[a-z_]{1,10}"]
}

proptest! {
    /// Whole months between two dates agree with the days between them (a
    /// month has 28 to 31 days) and grow by at most one a day.
    #[test]
    fn months_between_dates_agree_with_days(
        from in -200_000i64..200_000,
        days in 0i64..40_000,
    ) {
        use custodia::schema::Date;
        let (a, b) = (Date::from_days_since_epoch(from), Date::from_days_since_epoch(from + days));
        let months = a.months_until(b);
        prop_assert!(months >= 0);
        prop_assert!(28 * months <= days, "{a} to {b}: {months} months in {days} days");
        prop_assert!(days <= 31 * months + 30, "{a} to {b}: {months} months in {days} days");
        let next = a.months_until(Date::from_days_since_epoch(from + days + 1));
        prop_assert!(next == months || next == months + 1);
        prop_assert!(b.months_until(a) <= 0);
        // On the same day of a later month, exactly the months between.
        if b.day() == a.day() {
            let whole = i64::from(b.year() - a.year()) * 12 + i64::from(b.month()) - i64::from(a.month());
            prop_assert_eq!(months, whole);
        }
    }

    #[test]
    fn any_json_object_builds_a_record_or_a_typed_error(
        object in prop::collection::btree_map(field_name(), json_value(), 0..6)
    ) {
        let json = serde_json::Value::Object(object.into_iter().collect()).to_string();
        match Record::from_json(&Schema::customer(), &json) {
            Ok(record) => {
                // What went in comes back out.
                let again = Record::from_json(&Schema::customer(), &record.to_json()).unwrap();
                prop_assert_eq!(again, record);
            }
            Err(err) => prop_assert!(matches!(
                err.code(),
                ErrorCode::UnknownField | ErrorCode::WrongType
            ), "{err}"),
        }
    }

    #[test]
    fn any_text_is_refused_cleanly_or_parsed(text in ".{0,200}") {
        let _ = Record::from_json(&Schema::customer(), &text);
        let _ = Schema::from_json(&text);
    }

    #[test]
    fn errors_never_echo_a_value(secret in "[A-Za-z0-9]{12,20}", name in field_name()) {
        let schema = Schema::customer();
        let attempts = [
            format!(r#"{{"{name}": ["{secret}"]}}"#),
            format!(r#"{{"{name}": {{"v": "{secret}"}}}}"#),
            format!(r#"["{secret}"]"#),
            format!(r#"{{"{name}": "{secret}"#),
            format!(r#"{{"{secret}x": "{secret}"}}"#),
        ];
        for json in attempts {
            if let Err(err) = Record::from_json(&schema, &json) {
                let message = err.to_string();
                // The secret may appear only as a field *name* the caller sent.
                let shown = message.replace(&format!("`{secret}x`"), "");
                prop_assert!(!shown.contains(&secret), "{}", message);
            }
        }
    }

    #[test]
    fn schema_json_round_trips(
        names in prop::collection::hash_set("[a-z][a-z0-9_]{0,12}", 1..8),
        required in any::<bool>(),
    ) {
        let kinds = ["text", "email", "phone", "integer", "birth_date", "country"];
        let fields: Vec<_> = names.iter().enumerate().map(|(i, n)| serde_json::json!({
            "name": n, "kind": kinds[i % kinds.len()], "required": required && i == 0
        })).collect();
        let json = serde_json::json!({"name": "p", "fields": fields}).to_string();
        let schema = Schema::from_json(&json).unwrap();
        prop_assert_eq!(Schema::from_json(&schema.to_json()).unwrap(), schema);
    }

    #[test]
    fn error_codes_round_trip_through_u32(n in any::<u32>()) {
        if let Some(code) = ErrorCode::from_u32(n) {
            prop_assert_eq!(code.as_u32(), n);
        }
    }
}

mod normalize_validate {
    use custodia::checksum;
    use custodia::normalize::{address, date, email, id, name, phone, text};
    use custodia::{IdScheme, Normalizer, Record, RegionCode, Schema, Validator};
    use proptest::prelude::*;

    /// Text of every sort: any Unicode, CJK and full-width forms, spaces.
    fn messy() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<String>(),
            "[ 　a-zA-Z0-9ａ-ｚＡ-Ｚ０-９张伟欧阳娜·@.+\\-()\u{200B}\u{0301}İıß]{0,30}",
        ]
    }

    fn region() -> impl Strategy<Value = Option<RegionCode>> {
        prop::sample::select(vec![
            None,
            Some("CN"),
            Some("US"),
            Some("DE"),
            Some("AU"),
            Some("GB"),
            Some("NL"),
            Some("FR"),
        ])
        .prop_map(|r| r.and_then(RegionCode::new))
    }

    /// A valid id of a scheme with a check, from random parts: the body
    /// drawn, the check character(s) found by trying each.
    fn valid_national_id() -> impl Strategy<Value = (IdScheme, String)> {
        let body = |scheme: IdScheme, pattern: &'static str| {
            proptest::string::string_regex(pattern)
                .unwrap()
                .prop_map(move |b| (scheme, b))
        };
        // A permutation of the ten digits with its last replaced by its
        // first: one digit twice, as a German IdNr has.
        let idnr = Just((0..10u8).collect::<Vec<_>>())
            .prop_shuffle()
            .prop_map(|mut d| {
                d[9] = d[0];
                if d[0] == 0 {
                    d.rotate_left(1);
                }
                (
                    IdScheme::DeIdnr,
                    d.iter().map(|d| char::from(b'0' + d)).collect(),
                )
            });
        prop_oneof![
            body(IdScheme::UsSsn, "[1-5][0-9]{2}[1-9][0-9][1-9][0-9]{2}"),
            body(
                IdScheme::GbNino,
                "[ACEHJ-MPRSW-Y][ABCEGHJ-NPRSTW-Z][0-9]{6}"
            ),
            body(IdScheme::EsDni, "[0-9]{8}|[XYZ][0-9]{7}"),
            body(IdScheme::FrNir, "[12][0-9]{4}(2A|2B|[0-9]{2})[0-9]{6}"),
            body(
                IdScheme::ItCodiceFiscale,
                "[A-Z]{6}[0-9]{2}[ABCDEHLMPRST][0-2][1-8][A-Z][0-9]{3}"
            ),
            idnr,
            body(IdScheme::NlBsn, "[1-9][0-9]{7}"),
            body(IdScheme::BrCpf, "[1-9][0-9]{8}"),
            body(IdScheme::InAadhaar, "[2-9][0-9]{10}"),
            body(
                IdScheme::KrRrn,
                "[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[12][0-8][0-9]{4}"
            ),
            body(IdScheme::CaSin, "[1-79][0-9]{7}"),
        ]
        .prop_filter_map("no check character completes the body", |(scheme, body)| {
            let today = custodia::schema::Date::new(2026, 11, 22)?;
            let valid = |id: &String| checksum::national_id(scheme, id, today).is_ok();
            let alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
            let one = alphabet.chars().map(|c| format!("{body}{c}"));
            let two = (0..100).map(|n| format!("{body}{n:02}"));
            let found = one.chain(two).find(valid);
            found.map(|id| (scheme, id))
        })
    }

    proptest! {
        #[test]
        fn text_normalizers_are_idempotent(s in messy()) {
            let once = text::clean(&s).into_owned();
            prop_assert_eq!(text::clean(&once), once.as_str());
            let key = text::match_key(&s);
            prop_assert_eq!(text::match_key(&key), key);
            let fixed = name::fix_case(&once).into_owned();
            prop_assert_eq!(name::fix_case(&fixed), fixed.as_str());
            let street = address::expand_street_type(&once).into_owned();
            prop_assert_eq!(address::expand_street_type(&street), street.as_str());
            let compact = id::compact(&s).into_owned();
            prop_assert_eq!(id::compact(&compact), compact.as_str());
        }

        #[test]
        fn kind_normalizers_are_idempotent(s in messy(), r in region()) {
            let mail = email::normalize(&s, false).into_owned();
            prop_assert_eq!(email::normalize(&mail, false), mail.as_str());
            if let Some(p) = phone::normalize(&s, r) {
                prop_assert_eq!(phone::normalize(&p, r), Some(p));
            }
            let code = address::normalize_postcode(&s, r).into_owned();
            prop_assert_eq!(address::normalize_postcode(&code, r), code.as_str());
            if let Ok(d) = date::parse(&s, r) {
                let iso = d.date.to_string();
                prop_assert_eq!(date::parse(&iso, r).map(|p| p.date), Ok(d.date));
            }
            for &scheme in IdScheme::ALL {
                let nid = id::normalize_national_id_in(&s, scheme, r).into_owned();
                prop_assert_eq!(id::normalize_national_id_in(&nid, scheme, r), nid.as_str());
            }
        }

        #[test]
        fn valid_national_ids_stay_valid_when_written_loosely(
            (scheme, valid) in valid_national_id(),
            cuts in prop::collection::vec((0usize..20, prop::sample::select(vec![" ", "-", ".", " - "])), 0..4),
            lower in any::<bool>(),
        ) {
            let today = custodia::schema::Date::new(2026, 11, 22).unwrap();
            prop_assert!(checksum::national_id(scheme, &valid, today).is_ok(), "{}", valid);
            let mut loose = if lower { valid.to_lowercase() } else { valid.clone() };
            for (at, separator) in cuts {
                let at = at.min(loose.len());
                loose.insert_str(at, separator);
            }
            let loose = loose.trim();
            prop_assert_eq!(id::normalize_national_id(loose, scheme), valid.as_str());
            // Read by its country, it is the same id.
            let country = IdScheme::BY_COUNTRY.iter().find(|(_, s)| *s == scheme).unwrap().0;
            let by_country = id::normalize_national_id_in(loose, IdScheme::ByCountry, RegionCode::new(country));
            prop_assert_eq!(by_country, valid.as_str());
        }

        #[test]
        fn email_normalization_never_repairs_an_invalid_address(
            s in prop_oneof![
                "[a-zA-Z0-9.+_@ -]{0,24}",
                "[ a-zA-Zü0-9.@\u{7}\u{7f}\u{200B}\u{AD}＠ｚ。．]{0,24}",
            ],
            ascii_domain in any::<bool>(),
        ) {
            let rules = custodia::validate::EmailRules::default();
            let normalized = email::normalize(&s, ascii_domain);
            let valid = custodia::validate::email::check(s.trim(), rules).is_ok();
            // Valid before (white space around aside) exactly when valid after...
            prop_assert_eq!(custodia::validate::email::check(&normalized, rules).is_ok(), valid);
            // ...and an invalid address is kept as written.
            if !valid {
                prop_assert_eq!(normalized, s.trim());
            }
        }

        #[test]
        fn normalization_keeps_the_verdict_of_every_field_kind(
            value in prop_oneof![
                messy(),
                "[+0-9 ()\u{7}\u{200B}ext.x;=-]{0,24}",
                "[0-9Xx -]{15,22}",
                // Dates, postcodes and codes in their many spellings.
                "[0-9./ Tt:年月日A-Za-z-]{0,14}",
            ],
            country in prop::sample::select(vec!["", "CN", "US", "DE", "AU", "GB"]),
            field in prop::sample::select(vec![
                "phone", "email", "national_id", "iban", "payment_card", "birth_date",
                "postcode", "country", "gender", "updated_at", "full_name", "city",
            ]),
        ) {
            let schema = Schema::customer();
            let mut record = Record::new(&schema);
            record.set(field, value.as_str()).unwrap();
            if !country.is_empty() {
                record.set("country", country).unwrap();
            }
            let errors = |report: custodia::Report| {
                report
                    .issues()
                    .iter()
                    .any(|i| i.path().as_str() == field && i.level() == custodia::Severity::Error)
            };
            let validator = Validator::new(&schema);
            let before = errors(validator.validate(&record).unwrap());
            let normalized = Normalizer::new(&schema).normalize(&record).unwrap();
            let after = errors(validator.validate_normalized(&normalized).unwrap());
            let fresh = errors(validator.validate(&normalized.record).unwrap());
            prop_assert_eq!(before, after, "{:?}", normalized.record.get(field));
            prop_assert_eq!(after, fresh);
        }

        #[test]
        fn records_normalize_idempotently_and_validate_without_panics(
            values in prop::collection::vec(messy(), 18)
        ) {
            let schema = Schema::customer();
            let pairs = schema.fields().iter().map(|f| f.name()).zip(values.iter().map(String::as_str));
            let record = Record::from_pairs(&schema, pairs).unwrap();
            let normalizer = Normalizer::new(&schema);
            let once = normalizer.normalize(&record).unwrap();
            let twice = normalizer.normalize(&once.record).unwrap();
            prop_assert_eq!(&twice.record, &once.record);
            prop_assert!(twice.changes.is_empty(), "{:?}", twice.changes);
            let validator = Validator::new(&schema);
            let _ = validator.validate(&record).unwrap();
            let _ = validator.validate_normalized(&once).unwrap();
        }

        #[test]
        fn issue_messages_never_contain_the_value(
            secret in "[a-z0-9]{9,16}",
            index in 0usize..18,
        ) {
            let schema = Schema::customer();
            let mut record = Record::new(&schema);
            for (i, field) in schema.fields().iter().enumerate() {
                let value = if i == index { secret.clone() } else { format!("{secret}{i}") };
                record.set(field.name(), value).unwrap();
            }
            let report = Validator::new(&schema).validate(&record).unwrap();
            for issue in report.issues() {
                prop_assert!(!issue.message().contains(&secret), "{}", issue.message());
            }
        }

        #[test]
        fn normalized_valid_values_stay_valid(
            mobile in 0u32..100_000_000,
            (y, m, d) in (1900i32..2020, 1u32..13, 1u32..29),
            format in 0usize..6,
            local in "[a-z][a-z0-9_]{0,5}(\\.[a-z0-9_]{1,5}){0,2}",
            upper in any::<bool>(),
        ) {
            let date = match format {
                0 => format!("{y:04}-{m:02}-{d:02}"),
                1 => format!("{y}/{m}/{d}"),
                2 => format!("{y}年{m}月{d}日"),
                3 => format!("{d:02}.{m:02}.{y}"),
                4 => format!("{y:04}{m:02}{d:02}"),
                _ => format!("{d} {} {y}", ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m as usize - 1]),
            };
            let domain = if upper { "Example.COM" } else { "例子.中国" };
            let json = serde_json::json!({
                "customer_id": "c1",
                "phone": format!("138 {:04} {:04}", mobile / 10_000, mobile % 10_000),
                "birth_date": date,
                "email": format!("{local}@{domain}"),
                "country": "中国",
            });
            let schema = Schema::customer();
            let record = Record::from_json(&schema, &json.to_string()).unwrap();
            let normalized = Normalizer::new(&schema).normalize(&record).unwrap();
            let report = Validator::new(&schema).validate(&normalized.record).unwrap();
            prop_assert!(report.is_valid(), "{:?}", report.issues());
            let iso = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(normalized.record.text("birth_date"), Some(iso.as_str()));
        }
    }
}

mod masking {
    use custodia::mask::{Key, KeyRing, Masker, Partial, Policy, Profile, partial, profile};
    use custodia::{Record, Schema};
    use proptest::prelude::*;
    use unicode_segmentation::UnicodeSegmentation;

    fn masker() -> Masker {
        let keys = KeyRing::new()
            .with(Key::new("pseudonym", &[5u8; 32]).unwrap())
            .with(Key::new("token", &[6u8; 16]).unwrap());
        Masker::new(&Schema::customer(), &Policy::customer(), keys).unwrap()
    }

    /// The longest run of consecutive characters shared by `a` and `b`.
    fn longest_common_run(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut best = 0;
        for i in 0..a.len() {
            for j in 0..b.len() {
                let mut n = 0;
                while i + n < a.len() && j + n < b.len() && a[i + n] == b[j + n] {
                    n += 1;
                }
                best = best.max(n);
            }
        }
        best
    }

    proptest! {
        #[test]
        fn partial_never_reveals_more_than_it_keeps(
            text in "\\PC{0,30}", first in 0usize..6, last in 0usize..6, fixed in prop::option::of(0usize..8),
        ) {
            let mut p = Partial::new(first, last).mask_char('\u{2022}');
            p.fixed = fixed;
            let out = partial(&text, p);
            let shown = out.graphemes(true).filter(|g| *g != "\u{2022}").count();
            let n = text.graphemes(true).count();
            prop_assert!(shown <= first + last, "{} shows {}", out, shown);
            prop_assert!(n == 0 || shown < n, "the whole value is never shown");
            prop_assert_eq!(&partial(&text, p), &out, "deterministic");
            // Masking a masked value does not reveal anything new.
            let again = partial(&out, p);
            let shown_again = again.graphemes(true).filter(|g| *g != "\u{2022}").count();
            prop_assert!(shown_again <= shown);
        }

        #[test]
        fn display_masks_are_idempotent(
            national in "1[3-9][0-9]{9}", local in "[a-z][a-z0-9.]{0,10}",
            (y, m, d) in (1900i32..2020, 1u32..13, 1u32..29), name in "[张王李欧阳娜伟]{2,4}|[A-Z][a-z]{1,8} [A-Z][a-z]{1,8}",
        ) {
            let today = custodia::normalize::date::Date::new(2026, 11, 22).unwrap();
            let phone = format!("+86{national}");
            let email = format!("{local}@example.com");
            let date = format!("{y:04}-{m:02}-{d:02}");
            let values = [
                (phone.as_str(), Profile::Phone),
                (phone.as_str(), Profile::PhoneCn),
                (email.as_str(), Profile::Email),
                (email.as_str(), Profile::EmailDomainMasked),
                (name.as_str(), Profile::Name),
                ("11010519491231002X", Profile::CnResidentId3x4),
                ("4111111111111111", Profile::CardPci),
            ];
            for (value, p) in values {
                let once = profile(value, p);
                prop_assert_eq!(profile(&once, p), once.clone(), "{:?}", p);
            }
            for g in [
                custodia::mask::Generalize::Year,
                custodia::mask::Generalize::YearMonth,
                custodia::mask::Generalize::AgeBand { width: 10 },
            ] {
                let once = custodia::mask::generalize(&date, g, today).unwrap();
                prop_assert_eq!(custodia::mask::generalize(&once, g, today), Some(once.clone()));
            }
        }

        #[test]
        fn phone_masks_hide_the_middle_digits(national in "1[3-9][0-9]{9}") {
            let e164 = format!("+86{national}");
            for p in [Profile::Phone, Profile::PhoneCn] {
                let out = profile(&e164, p);
                // Country code (2), the first 3 and the last 4 are allowed:
                // never 5 consecutive digits of the middle.
                let middle = &national[3..national.len() - 4];
                prop_assert!(longest_common_run(&out, middle) < 5, "{} vs {}", out, middle);
                prop_assert!(longest_common_run(&out, &national) <= 4, "{}", out);
            }
        }

        #[test]
        fn masked_records_never_contain_hidden_values(
            local in "[a-z]{6,12}", digits in "[0-9]{8}", street in "[A-Za-z]{8,16}",
        ) {
            let schema = Schema::customer();
            let json = serde_json::json!({
                "customer_id": "c1", "email": format!("{local}@example.com"),
                "phone": format!("139{digits}"), "street": street, "country": "CN",
                "full_name": format!("Zz{local}"),
            });
            let record = Record::from_json(&schema, &json.to_string()).unwrap();
            let m = masker();
            for audience in ["support", "analytics"] {
                let masked = m.mask(&record, audience).unwrap();
                let out = masked.to_json();
                prop_assert!(!out.contains(&local), "{}: {}", audience, out);
                prop_assert!(!out.contains(&street), "{}: {}", audience, out);
                prop_assert!(longest_common_run(&out, &digits[..digits.len() - 4]) < 5, "{}: {}", audience, out);
                prop_assert_eq!(m.mask(&record, audience).unwrap(), masked, "deterministic");
            }
            let tokens = m.mask(&record, "auditor").unwrap();
            let back = m.detokenize(tokens, "auditor").unwrap();
            let phone = format!("+86139{digits}");
            prop_assert_eq!(back.text("phone"), Some(phone.as_str()));
        }
    }
}

/// A schema of the kinds a text cell is read into differently, and a small
/// size limit.
const CELL_KINDS: &str = r#"{
  "name": "cells",
  "max_value_bytes": 12,
  "fields": [
    {"name": "given", "kind": "given_name"},
    {"name": "email", "kind": "email"},
    {"name": "postcode", "kind": "postcode"},
    {"name": "note", "kind": "text"},
    {"name": "visits", "kind": "integer"},
    {"name": "limit", "kind": "decimal"},
    {"name": "vip", "kind": "boolean"},
    {"name": "tier", "kind": "enum", "values": ["gold", "silver"]}
  ]
}"#;

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ 0-9.+-]{0,14}",
        "(true|no|Y|是| 1 |0)",
        ".{0,16}",
    ]
}

proptest! {
    /// A CSV row becomes the record that setting each field from its cell
    /// makes, or fails with the same error: text, numbers, booleans, empty
    /// cells (null) and cells over the size limit.
    #[test]
    fn a_csv_row_reads_as_each_field_set_from_its_cell(
        cells in prop::collection::vec(cell(), 8),
    ) {
        let schema = Schema::from_json(CELL_KINDS).unwrap();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
        let header = custodia::CsvHeader::new(&schema, &names).unwrap();
        let read = header.record(&cells);
        let mut set = Record::new(&schema);
        let each = names
            .iter()
            .zip(&cells)
            .try_for_each(|(name, cell)| set.set(name, cell.as_str()));
        match (read, each) {
            (Ok(read), Ok(())) => prop_assert!(read == set, "{:?}", cells),
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (read, each) => prop_assert!(
                false,
                "read {:?}, set {:?}",
                read.map(|_| ()).map_err(|e| e.to_string()),
                each.map_err(|e| e.to_string())
            ),
        }
    }
}
