//! The Rust API: schemas, records, customers and errors.

use custodia::{
    CsvHeader, Customer, ErrorCode, ErrorKind, Field, FieldKind, IdScheme, Record, RegionCode,
    Schema, SettingProblem, Value,
};

const EVERY_KIND: &str = r#"{
  "name": "everything",
  "version": 7,
  "region": "de",
  "description": "one field of every kind",
  "allow_extra_fields": true,
  "max_value_bytes": 4096,
  "fields": [
    {"name": "full", "kind": "full_name", "required": true, "max_length": 80},
    {"name": "given", "kind": "given_name"},
    {"name": "family", "kind": "family_name"},
    {"name": "email", "kind": "email", "sensitive": false},
    {"name": "phone", "kind": "phone", "region": "CN",
     "mask": {"support": "phone_cn", "analytics": {"op": "hash", "key": "k1", "bytes": 16}}},
    {"name": "street", "kind": "street"},
    {"name": "city", "kind": "city", "sensitive": true, "case": "upper"},
    {"name": "region", "kind": "region"},
    {"name": "postcode", "kind": "postcode"},
    {"name": "country", "kind": "country"},
    {"name": "joined", "kind": "date"},
    {"name": "dob", "kind": "birth_date"},
    {"name": "gender", "kind": "gender"},
    {"name": "rid", "kind": "national_id", "scheme": "cn_resident_id"},
    {"name": "uscc", "kind": "national_id", "scheme": "cn_uscc"},
    {"name": "ssn", "kind": "national_id", "scheme": "us_ssn"},
    {"name": "iban", "kind": "iban"},
    {"name": "card", "kind": "payment_card"},
    {"name": "note", "kind": "text", "description": "free text"},
    {"name": "visits", "kind": "integer"},
    {"name": "limit", "kind": "decimal"},
    {"name": "vip", "kind": "boolean"},
    {"name": "tier", "kind": "enum", "values": ["gold", "silver"]},
    {"name": "member", "kind": "pattern", "pattern": "M[0-9]{4}"}
  ]
}"#;

fn schema_error(json: &str) -> custodia::Error {
    Schema::from_json(json).expect_err("schema should be refused")
}

fn one_field(field: &str) -> String {
    format!(r#"{{"name": "s", "fields": [{field}]}}"#)
}

#[test]
fn every_kind_loads_and_round_trips() {
    let schema = Schema::from_json(EVERY_KIND).unwrap();
    assert_eq!(schema.name(), "everything");
    assert_eq!(schema.version(), 7);
    assert_eq!(schema.default_region(), RegionCode::new("DE"));
    // Regions outside ISO 3166-1 that the phone and IBAN registries use.
    for code in ["XK", "AC", "TA"] {
        let json = format!(
            r#"{{"name": "s", "region": "{code}", "fields": [{{"name": "a", "kind": "phone"}}]}}"#
        );
        assert_eq!(
            Schema::from_json(&json).unwrap().default_region(),
            RegionCode::new(code)
        );
    }
    assert_eq!(RegionCode::new("ZZ"), None);
    let err = schema_error(
        r#"{"name": "s", "fields": [{"name": "a", "kind": "phone", "region": "QQ"}]}"#,
    );
    assert_eq!(err.code(), ErrorCode::BadOption);
    assert!(err.to_string().contains("region"), "{err}");
    assert_eq!(schema.len(), 24);
    assert!(schema.allows_extra_fields());
    assert_eq!(schema.max_value_bytes(), 4096);
    assert_eq!(
        schema.field("rid").unwrap().kind(),
        &FieldKind::NationalId(IdScheme::CnResidentId)
    );
    assert!(!schema.field("email").unwrap().is_sensitive());
    assert!(schema.field("city").unwrap().is_sensitive());
    assert_eq!(
        schema.region_for(schema.field("phone").unwrap()),
        RegionCode::new("CN")
    );
    assert_eq!(
        schema.region_for(schema.field("postcode").unwrap()),
        RegionCode::new("DE")
    );
    match schema.field("member").unwrap().kind() {
        FieldKind::Pattern(p) => {
            assert!(p.is_match("M1234"));
            assert!(!p.is_match("xM1234"), "patterns are anchored");
        }
        other => panic!("{other:?}"),
    }
    let again = Schema::from_json(&schema.to_json()).unwrap();
    assert_eq!(again, schema);
    assert!(!again.ptr_eq(&schema));
    // serde sees the same format.
    let via_serde: Schema = serde_json::from_str(&serde_json::to_string(&schema).unwrap()).unwrap();
    assert_eq!(via_serde, schema);
}

#[test]
fn masking_rules_can_live_in_the_schema() {
    let schema = Schema::from_json(EVERY_KIND).unwrap();
    let policy = custodia::Policy::from_schema(&schema);
    assert_eq!(
        policy.audiences().collect::<Vec<_>>(),
        ["analytics", "support"]
    );
    assert_eq!(
        policy.audience("support").unwrap()["phone"],
        custodia::mask::Operator::Profile(custodia::mask::Profile::PhoneCn)
    );
    let keys = custodia::KeyRing::new().with(custodia::Key::new("k1", &[1u8; 16]).unwrap());
    let masker = custodia::Masker::new(&schema, &policy, keys).unwrap();
    let record = Record::from_json(&schema, r#"{"full": "张伟", "phone": "13812345678"}"#).unwrap();
    let support = masker.mask(&record, "support").unwrap();
    assert_eq!(support.text("phone"), Some("138****5678"));
    assert_eq!(
        support.text("full"),
        Some("[redacted]"),
        "fields without a rule are redacted"
    );
}

#[test]
fn standard_schema_round_trips() {
    let schema = Schema::customer();
    assert_eq!(Schema::from_json(&schema.to_json()).unwrap(), schema);
    assert_eq!(schema.index_of("email"), Some(7));
    assert!(schema.field("nope").is_none());
}

#[test]
fn builder_matches_json() {
    let built = Schema::builder("s")
        .region(RegionCode::new("cn").unwrap())
        .field(Field::new("id", FieldKind::Text).required(true))
        .field(Field::new(
            "tier",
            FieldKind::Enumeration(vec!["a".into(), "b".into()]),
        ))
        .build()
        .unwrap();
    let loaded = Schema::from_json(
        r#"{"name": "s", "region": "CN", "fields": [
            {"name": "id", "kind": "text", "required": true},
            {"name": "tier", "kind": "enum", "values": ["a", "b"]}]}"#,
    )
    .unwrap();
    assert_eq!(built, loaded);
}

#[test]
fn malformed_json_names_line_and_column() {
    let err = schema_error("{\n  \"name\": \"s\",\n  \"fields\": [,]\n}");
    assert_eq!(err.code(), ErrorCode::Json);
    match err.kind() {
        ErrorKind::Json { line, column, .. } => assert_eq!((*line, *column), (3, 14)),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with("schema JSON, line 3, column 14: "),
        "{err}"
    );
}

#[test]
fn misspelt_keys_are_refused() {
    let err = schema_error(r#"{"name": "s", "feilds": []}"#);
    assert_eq!(err.code(), ErrorCode::InvalidSchema);
    assert_eq!(err.setting_path().unwrap().to_string(), "feilds");
    assert!(err.to_string().contains("unknown field `feilds`"), "{err}");
    assert!(err.to_string().contains("did you mean `fields`"), "{err}");
    let err = schema_error(&one_field(
        r#"{"name": "a", "kind": "text", "requird": true}"#,
    ));
    assert_eq!(err.code(), ErrorCode::InvalidSchema);
    assert_eq!(err.setting_path().unwrap().to_string(), "fields[0].requird");
    assert!(err.to_string().contains("did you mean `required`"), "{err}");
    // A value of the wrong type is named by its place too.
    let err = schema_error(&one_field(
        r#"{"name": "a", "kind": "text", "required": "yes"}"#,
    ));
    assert_eq!(err.code(), ErrorCode::InvalidSchema);
    assert_eq!(
        err.setting_path().unwrap().to_string(),
        "fields[0].required"
    );
}

#[test]
fn retention_round_trips_and_its_mistakes_point_at_the_setting() {
    let with = |retention: &str| {
        format!(
            r#"{{"name": "s", "fields": [{{"name": "id", "kind": "text"}},
                {{"name": "updated_at", "kind": "date"}}, {{"name": "seen", "kind": "date"}},
                {{"name": "born", "kind": "birth_date"}}], "retention": {retention}}}"#
        )
    };
    let schema = Schema::from_json(&with(
        r#"{"stale_after_months": 24, "delete_after_months": 84}"#,
    ))
    .unwrap();
    let retention = schema.retention().unwrap();
    assert_eq!(
        (
            retention.field(),
            retention.stale_after(),
            retention.delete_after()
        ),
        ("updated_at", Some(24), Some(84))
    );
    assert_eq!(Schema::from_json(&schema.to_json()).unwrap(), schema);
    let other =
        Schema::from_json(&with(r#"{"field": "seen", "delete_after_months": 12}"#)).unwrap();
    assert_eq!(other.retention().unwrap().field(), "seen");
    assert_eq!(other.retention().unwrap().stale_after(), None);
    assert_ne!(other, schema);
    for (retention, path, says) in [
        (
            r#"{"field": "nope", "stale_after_months": 1}"#,
            "retention.field",
            "not a field",
        ),
        (
            r#"{"field": "born", "stale_after_months": 1}"#,
            "retention.field",
            "kind `date`",
        ),
        (
            r#"{"field": "id", "stale_after_months": 1}"#,
            "retention.field",
            "kind `date`",
        ),
        ("{}", "retention.stale_after_months", "needs"),
        (
            r#"{"stale_after_months": 0}"#,
            "retention.stale_after_months",
            "at least 1",
        ),
        (
            r#"{"stale_after_months": 24, "delete_after_months": 24}"#,
            "retention.delete_after_months",
            "more than",
        ),
        (
            r#"{"stale_after_mnths": 24}"#,
            "retention.stale_after_mnths",
            "did you mean",
        ),
        (
            r#"{"stale_after_months": -1}"#,
            "retention.stale_after_months",
            "",
        ),
    ] {
        let err = schema_error(&with(retention));
        assert_eq!(err.code(), ErrorCode::InvalidSchema, "{retention}: {err}");
        assert_eq!(err.setting_path().unwrap().to_string(), path, "{retention}");
        assert!(err.to_string().contains(says), "{retention}: {err}");
    }
}

#[test]
fn unknown_kind_names_the_field() {
    let err = schema_error(&one_field(r#"{"name": "price", "kind": "money"}"#));
    assert_eq!(err.code(), ErrorCode::UnknownKind);
    assert_eq!(err.field_path().unwrap().as_str(), "fields[0] (price)");
    assert_eq!(
        err.to_string(),
        "field `fields[0] (price)`: unknown kind `money`"
    );
}

#[test]
fn duplicate_fields_are_refused() {
    let err = Schema::from_json(
        r#"{"name": "s", "fields": [
            {"name": "a", "kind": "text"}, {"name": "a", "kind": "email"}]}"#,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::DuplicateField);
    assert_eq!(err.field_path().unwrap().as_str(), "fields[1] (a)");
}

#[test]
fn bad_options_are_refused_with_their_name() {
    let cases = [
        (
            r#"{"name": "a", "kind": "national_id"}"#,
            "scheme",
            "is required",
        ),
        (
            r#"{"name": "a", "kind": "national_id", "scheme": "xx"}"#,
            "scheme",
            "unknown scheme `xx`",
        ),
        (
            r#"{"name": "a", "kind": "text", "scheme": "us_ssn"}"#,
            "scheme",
            "only applies",
        ),
        (r#"{"name": "a", "kind": "enum"}"#, "values", "is required"),
        (
            r#"{"name": "a", "kind": "enum", "values": []}"#,
            "values",
            "at least one",
        ),
        (
            r#"{"name": "a", "kind": "enum", "values": ["x", "x"]}"#,
            "values",
            "twice",
        ),
        (
            r#"{"name": "a", "kind": "enum", "values": [""]}"#,
            "values",
            "empty",
        ),
        (
            r#"{"name": "a", "kind": "text", "values": ["x"]}"#,
            "values",
            "only applies",
        ),
        (
            r#"{"name": "a", "kind": "pattern"}"#,
            "pattern",
            "is required",
        ),
        (
            r#"{"name": "a", "kind": "pattern", "pattern": "("}"#,
            "pattern",
            "not a valid",
        ),
        (
            r#"{"name": "a", "kind": "pattern", "pattern": "\\w{1000}{1000}"}"#,
            "pattern",
            "too large",
        ),
        (
            r#"{"name": "a", "kind": "phone", "pattern": "x"}"#,
            "pattern",
            "only applies",
        ),
        (
            r#"{"name": "a", "kind": "phone", "region": "CHN"}"#,
            "region",
            "two-letter",
        ),
        (
            r#"{"name": "a", "kind": "text", "max_length": 0}"#,
            "max_length",
            "at least 1",
        ),
        (
            r#"{"name": "a", "kind": "text", "case": "shout"}"#,
            "case",
            "must be one of",
        ),
    ];
    for (field, option, reason) in cases {
        let err = schema_error(&one_field(field));
        assert_eq!(err.code(), ErrorCode::BadOption, "{field}: {err}");
        match err.kind() {
            ErrorKind::BadOption {
                option: o,
                reason: r,
                path,
                setting,
                problem,
            } => {
                assert_eq!(o, option, "{field}");
                assert!(r.contains(reason), "{field}: {r}");
                assert_eq!(path.as_str(), "fields[0] (a)");
                // The setting: the option, or the list entry at fault.
                let expected = match reason {
                    "twice" => "fields[0].values[1]".to_owned(),
                    "empty" => "fields[0].values[0]".to_owned(),
                    _ => format!("fields[0].{option}"),
                };
                assert_eq!(setting.to_string(), expected, "{field}");
                assert_eq!(err.setting_path(), Some(setting));
                assert_eq!(err.setting_problem(), Some(*problem));
                let want = match reason {
                    "is required" => SettingProblem::Missing,
                    "only applies" => SettingProblem::Conflict,
                    "twice" => SettingProblem::Duplicate,
                    "at least one" | "empty" => SettingProblem::Empty,
                    "at least 1" => SettingProblem::OutOfRange,
                    "not a valid" | "too large" => SettingProblem::Invalid,
                    _ => SettingProblem::UnknownName,
                };
                assert_eq!(*problem, want, "{field}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn unknown_kinds_point_at_the_kind_setting() {
    let err = schema_error(
        r#"{"name": "s", "fields": [{"name": "a", "kind": "text"},
            {"name": "tier", "kind": "tiers"}]}"#,
    );
    assert_eq!(err.code(), ErrorCode::UnknownKind);
    assert_eq!(
        err.setting_path().map(ToString::to_string).as_deref(),
        Some("fields[1].kind")
    );
    assert_eq!(err.setting_problem(), Some(SettingProblem::UnknownName));
    // A bad operator in a field's `mask` points inside it.
    let err = schema_error(&one_field(
        r#"{"name": "a", "kind": "text", "mask": {"support": {"op": "hash"}}}"#,
    ));
    assert_eq!(err.code(), ErrorCode::BadOption);
    assert_eq!(
        err.setting_path().map(ToString::to_string).as_deref(),
        Some("fields[0].mask.support.key")
    );
    assert_eq!(err.setting_problem(), Some(SettingProblem::Missing));
}

#[test]
fn invalid_schemas_say_why() {
    use SettingProblem as P;
    let cases = [
        (
            r#"{"name": "s", "fields": []}"#,
            "at least one field",
            "fields",
            P::Empty,
        ),
        (
            r#"{"name": "", "fields": [{"name": "a", "kind": "text"}]}"#,
            "schema name is empty",
            "name",
            P::BadName,
        ),
        (
            r#"{"name": "s", "fields": [{"name": "a", "kind": "text"}, {"name": " a", "kind": "text"}]}"#,
            "white space",
            "fields[1].name",
            P::BadName,
        ),
        (
            r#"{"name": "s", "fields": [{"name": "", "kind": "text"}]}"#,
            "field name is empty",
            "fields[0].name",
            P::BadName,
        ),
        (
            r#"{"format": 9, "name": "s", "fields": [{"name": "a", "kind": "text"}]}"#,
            "format 9",
            "format",
            P::Unsupported,
        ),
        (
            r#"{"name": "s", "region": "x", "fields": [{"name": "a", "kind": "text"}]}"#,
            "region",
            "region",
            P::UnknownName,
        ),
        (
            r#"{"name": "s", "region": "ZZ", "fields": [{"name": "a", "kind": "text"}]}"#,
            "region",
            "region",
            P::UnknownName,
        ),
        (
            r#"{"name": "s", "max_value_bytes": 0, "fields": [{"name": "a", "kind": "text"}]}"#,
            "max_value_bytes",
            "max_value_bytes",
            P::OutOfRange,
        ),
    ];
    for (json, reason, path, problem) in cases {
        let err = schema_error(json);
        assert_eq!(err.code(), ErrorCode::InvalidSchema, "{json}: {err}");
        assert!(err.to_string().contains(reason), "{json}: {err}");
        assert!(
            err.to_string()
                .starts_with(&format!("schema at `{path}`: ")),
            "{json}: {err}"
        );
        match err.kind() {
            ErrorKind::InvalidSchema {
                path: at,
                problem: p,
                ..
            } => {
                assert_eq!(at.to_string(), path, "{json}");
                assert_eq!(*p, problem, "{json}");
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn records_from_json_fit_values_to_kinds() {
    let schema = Schema::from_json(EVERY_KIND).unwrap();
    let record = Record::from_json(
        &schema,
        r#"{"full": "欧阳娜娜", "postcode": 2000, "visits": "12", "limit": 1500.25,
            "vip": "no", "tier": "gold", "email": "", "note": null, "loyalty": 3}"#,
    )
    .unwrap();
    assert_eq!(record.text("full"), Some("欧阳娜娜"));
    assert_eq!(record.text("postcode"), Some("2000"));
    assert_eq!(record.get("visits"), Some(&Value::Integer(12)));
    assert_eq!(record.get("limit").unwrap().to_text().unwrap(), "1500.25");
    assert_eq!(record.get("vip"), Some(&Value::Boolean(false)));
    assert!(record.get("email").unwrap().is_null(), "empty text is null");
    assert!(record.get("note").unwrap().is_null());
    assert_eq!(
        record.extras(),
        &[("loyalty".to_owned(), Value::Integer(3))]
    );
    // Unparsable numbers are kept as text for validation to report.
    let record = Record::from_json(&schema, r#"{"visits": "twelve"}"#).unwrap();
    assert_eq!(record.text("visits"), Some("twelve"));
    // JSON out, JSON in: the same record.
    let again = Record::from_json(&schema, &record.to_json()).unwrap();
    assert_eq!(again, record);
}

#[test]
fn record_errors_name_the_field_never_the_value() {
    let schema = Schema::customer();
    let err = Record::from_json(&schema, r#"{"emial": "x@example.com"}"#).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnknownField);
    assert_eq!(err.field_path().unwrap().as_str(), "emial");

    let err = Record::from_json(&schema, r#"{"phone": ["13800138000"]}"#).unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongType);
    assert_eq!(
        err.to_string(),
        "field `phone`: expected text, found an array"
    );

    let err = Record::from_json(&schema, r#"{"phone": true}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "field `phone`: expected text, found boolean"
    );

    let err = Record::from_json(&schema, r#""secret-13800138000""#).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Json);
    assert!(!err.to_string().contains("13800138000"), "{err}");
    let err = Record::from_json(&schema, r#"{"phone": "13800138000""#).unwrap_err();
    assert!(!err.to_string().contains("13800138000"), "{err}");
    assert!(!format!("{err:?}").contains("13800138000"), "{err:?}");
}

#[test]
fn oversized_values_are_refused() {
    let schema = Schema::from_json(
        r#"{"name": "s", "max_value_bytes": 10, "allow_extra_fields": true,
            "fields": [{"name": "a", "kind": "text"}]}"#,
    )
    .unwrap();
    let mut record = Record::new(&schema);
    record.set("a", "0123456789").unwrap();
    let err = record.set("a", "0123456789x").unwrap_err();
    assert_eq!(err.code(), ErrorCode::TooLarge);
    assert_eq!(
        err.to_string(),
        "field `a`: 11 bytes exceeds the limit of 10 bytes"
    );
    assert_eq!(
        record.text("a"),
        Some("0123456789"),
        "a failed set changes nothing"
    );
    assert_eq!(
        record.set("extra", "0123456789x").unwrap_err().code(),
        ErrorCode::TooLarge
    );
    // The default limit is 1 MiB.
    let big = "x".repeat((1 << 20) + 1);
    let mut record = Record::new(&Schema::customer());
    assert_eq!(
        record.set("full_name", big.as_str()).unwrap_err().code(),
        ErrorCode::TooLarge
    );
}

#[test]
fn records_by_index_and_pairs() {
    let schema = Schema::customer();
    let mut record =
        Record::from_pairs(&schema, [("email", "a@b.example"), ("city", "Sydney")]).unwrap();
    assert_eq!(record.get_at(7), Some(&Value::from("a@b.example")));
    record.set_at(10, "Melbourne").unwrap();
    assert_eq!(record.text("city"), Some("Melbourne"));
    let err = record.set_at(99, "x").unwrap_err();
    assert_eq!(err.code(), ErrorCode::IndexOutOfRange);
    assert_eq!(record.get_at(99), None);
    assert_eq!(record.iter().len(), schema.len());
    let err = Record::from_pairs(&schema, [("nope", "x")]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnknownField);
}

#[test]
fn csv_rows() {
    let schema = Schema::customer();
    let header = CsvHeader::new(&schema, &["\u{feff}customer_id", "email", "phone"]).unwrap();
    assert_eq!(header.len(), 3);
    assert_eq!(
        header.field_indices().collect::<Vec<_>>(),
        [Some(0), Some(7), Some(8)]
    );
    let record = header.record(&["c1", "", "+61 2 9999 0000"]).unwrap();
    assert_eq!(record.text("customer_id"), Some("c1"));
    assert!(record.get("email").unwrap().is_null());
    let err = header.record(&["c1", "x"]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::RowLength);
    assert_eq!(err.to_string(), "row has 2 columns but the header has 3");
    let err = CsvHeader::new(&schema, &["email", "email"]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::DuplicateField);
    let err = CsvHeader::new(&schema, &["email", "mail"]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnknownField);
    let one = Record::from_csv(&schema, &["city"], &["Perth"]).unwrap();
    assert_eq!(one.text("city"), Some("Perth"));
}

#[test]
fn customers_convert_both_ways() {
    let json = r#"{"customer_id": "42", "full_name": "Zhang Wei", "phone": "13800138000"}"#;
    let customer: Customer = serde_json::from_str(json).unwrap();
    let record = customer.to_record().unwrap();
    assert_eq!(record.text("full_name"), Some("Zhang Wei"));
    assert_eq!(
        record.to_json(),
        Record::from_json(&Schema::customer(), json)
            .unwrap()
            .to_json()
    );
    assert_eq!(Customer::from(&record), customer);
    assert_eq!(Record::try_from(&customer).unwrap(), record);
    assert!(serde_json::from_str::<Customer>(r#"{"nope": "x"}"#).is_err());
    // A record of another schema gives what it has.
    let crm = Schema::from_json(
        r#"{"name": "crm", "fields": [{"name": "email", "kind": "email"},
            {"name": "visits", "kind": "integer"}]}"#,
    )
    .unwrap();
    let other = Record::from_json(&crm, r#"{"email": "a@b.example", "visits": 3}"#).unwrap();
    let customer = Customer::from_record(&other);
    assert_eq!(customer.email.as_deref(), Some("a@b.example"));
    assert_eq!(customer.customer_id, None);
}

#[test]
fn debug_never_shows_values() {
    let record = Record::from_json(
        &Schema::customer(),
        r#"{"full_name": "Ann Secretname", "phone": "13800138000"}"#,
    )
    .unwrap();
    let shown = format!("{record:?}");
    assert!(
        shown.contains("full_name") && shown.contains("phone"),
        "{shown}"
    );
    assert!(
        !shown.contains("Secretname") && !shown.contains("13800138000"),
        "{shown}"
    );
    let customer = Customer::from_record(&record);
    let shown = format!("{customer:?}");
    assert!(
        shown.contains("full_name") && !shown.contains("Secretname"),
        "{shown}"
    );
}

#[test]
fn shared_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Schema>();
    assert_send_sync::<Record>();
    assert_send_sync::<CsvHeader>();
    assert_send_sync::<custodia::Error>();
}

/// A pipeline that masks, audited: each processed row and each golden
/// record whose view holds sensitive fields in clear is disclosed; one
/// that masks nothing discloses each row with sensitive fields; one
/// that rewraps cannot be audited.
#[test]
fn an_audited_pipeline_discloses_rows_and_golden_records() {
    use custodia::audit::{Action, AuditEvent, AuditSink, Auditor, UNMASKED};
    use custodia::dedupe::Deduper;
    use custodia::mask::{Key, KeyRing, Masker, Policy};
    use custodia::pipeline::Pipeline;
    use std::sync::{Arc, Mutex};
    /// Events kept in memory.
    #[derive(Default)]
    struct Memory(Mutex<Vec<AuditEvent>>);
    impl AuditSink for Memory {
        fn append(&self, event: &AuditEvent) -> custodia::Result<()> {
            self.0.lock().unwrap().push(event.clone());
            Ok(())
        }
    }
    let key = || Key::new("audit", &[11; 32]).unwrap();
    let schema = Schema::customer();
    let ring = KeyRing::new()
        .with(Key::new("pseudonym", &[3u8; 32]).unwrap())
        .with(Key::new("token", &[4u8; 32]).unwrap());
    let masker = Masker::new(&schema, &Policy::customer(), ring).unwrap();
    let sink = Arc::new(Memory::default());
    let auditor = Auditor::new(sink.clone(), &key(), "ops", "export 4").unwrap();
    let pipeline = Pipeline::builder(&schema)
        .mask(masker, "auditor")
        .dedupe(Deduper::new(&schema).unwrap(), None, None)
        .build()
        .unwrap()
        .audited(auditor.clone())
        .unwrap();
    let rows = [
        r#"{"customer_id": "c-1", "full_name": "Ann Lee", "email": "ann@example.com"}"#,
        r#"{"customer_id": "c-2", "full_name": "Ann Lee", "email": "ann@example.com"}"#,
        r#"{"customer_id": "c-3", "city": "Beijing"}"#,
    ];
    let mut kept = Vec::new();
    for row in rows {
        let done = pipeline
            .process(Record::from_json(&schema, row).unwrap())
            .unwrap();
        kept.push(pipeline.comparable(&done));
    }
    assert_eq!(sink.0.lock().unwrap().len(), 2);
    let golden = pipeline.golden(&kept, &[0, 0, 2]).unwrap();
    assert_eq!(golden.len(), 2);
    let events = sink.0.lock().unwrap().clone();
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(events.iter().all(|e| e.action == Action::Disclose));
    assert_eq!(
        events[0].fields,
        ["full_name", "given_name", "family_name", "email"]
    );
    assert_eq!(events[0].record, auditor.record_ref("c-1"));
    // A pipeline that masks nothing writes every row as it is.
    let sink = Arc::new(Memory::default());
    let auditor = Auditor::new(sink.clone(), &key(), "ops", "export 4").unwrap();
    let clean = Pipeline::builder(&schema)
        .build()
        .unwrap()
        .audited(auditor.clone())
        .unwrap();
    for row in rows {
        clean
            .process(Record::from_json(&schema, row).unwrap())
            .unwrap();
    }
    let events = sink.0.lock().unwrap().clone();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[1].audience, UNMASKED);
    assert_eq!(events[1].record, auditor.record_ref("c-2"));
    assert!(events[1].fields.contains(&"email".to_owned()));
    // A rewrap writes only ciphertexts where masking left them.
    let ring = KeyRing::new()
        .with(Key::new("pseudonym", &[3u8; 32]).unwrap())
        .with(Key::new("token", &[4u8; 32]).unwrap());
    let masker = Masker::new(&schema, &Policy::customer(), ring).unwrap();
    let rewrap = Pipeline::builder(&schema)
        .rewrap(masker, "auditor")
        .build()
        .unwrap();
    assert!(rewrap.audited(auditor).is_err());
}
