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
