//! The built-in standard customer schema.

use std::sync::LazyLock;

use super::{Field, FieldKind, IdScheme, Schema};

/// The field names of the standard customer schema, in order. [`Customer`]
/// has one member for each.
///
/// [`Customer`]: super::Customer
pub(crate) const CUSTOMER_FIELDS: [&str; 18] = [
    "customer_id",
    "source",
    "full_name",
    "given_name",
    "family_name",
    "gender",
    "birth_date",
    "email",
    "phone",
    "street",
    "city",
    "region",
    "postcode",
    "country",
    "national_id",
    "iban",
    "payment_card",
    "updated_at",
];

static CUSTOMER: LazyLock<Schema> = LazyLock::new(build);

fn build() -> Schema {
    use FieldKind as K;
    let kinds = [
        K::Text,
        K::Text,
        K::FullName,
        K::GivenName,
        K::FamilyName,
        K::Gender,
        K::BirthDate,
        K::Email,
        K::Phone,
        K::Street,
        K::City,
        K::Region,
        K::Postcode,
        K::Country,
        K::NationalId(IdScheme::ByCountry),
        K::Iban,
        K::PaymentCard,
        K::Date,
    ];
    let about = [
        "the customer's identifier in the source system",
        "the system the record came from (CRM, billing...), for survivorship",
        "the whole name as written",
        "given (first) name",
        "family name (surname)",
        "female, male, other or unknown",
        "date of birth",
        "email address",
        "telephone number",
        "street address line",
        "city, town or suburb",
        "state, province or region",
        "postal code",
        "country",
        "personal national id, checked by the scheme of the record's country",
        "bank account (IBAN)",
        "payment card number",
        "when the record was last changed, for survivorship",
    ];
    let mut builder = Schema::builder("customer").description(
        "custodia's standard customer schema: identity, contact, address and payment fields",
    );
    for ((name, kind), about) in CUSTOMER_FIELDS.into_iter().zip(kinds).zip(about) {
        let required = name == "customer_id";
        builder = builder.field(Field::new(name, kind).required(required).description(about));
    }
    match builder.build() {
        Ok(schema) => schema,
        // The fields above are fixed and valid; the unit test below proves it.
        Err(_) => unreachable!("the standard customer schema is valid"),
    }
}

impl Schema {
    /// The built-in standard customer schema: `customer_id` (required),
    /// `source`, `full_name`, `given_name`, `family_name`, `gender`,
    /// `birth_date`, `email`, `phone`, `street`, `city`, `region`, `postcode`,
    /// `country`, `national_id` (by the scheme of the record's country,
    /// [`IdScheme::ByCountry`]), `iban`, `payment_card`
    /// and `updated_at`. It is built once and shared.
    pub fn customer() -> Self {
        CUSTOMER.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_schema_is_valid_and_ordered() {
        let schema = build();
        let names: Vec<_> = schema.fields().iter().map(Field::name).collect();
        assert_eq!(names, CUSTOMER_FIELDS);
        assert!(schema.field("customer_id").unwrap().is_required());
        assert!(schema.field("phone").unwrap().is_sensitive());
        assert!(!schema.field("city").unwrap().is_sensitive());
        assert!(Schema::customer().ptr_eq(&Schema::customer()));
    }
}
