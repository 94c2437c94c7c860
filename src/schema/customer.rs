//! A typed customer, for the common case of the standard schema.

use serde::{Deserialize, Serialize};

use super::{Record, Schema, Value};
use crate::error::Result;

macro_rules! customer {
    ($($name:ident),* $(,)?) => {
        /// A customer of the standard schema ([`Schema::customer`]), typed.
        ///
        /// Every member is optional text as it came in (or as normalization
        /// left it). With serde it reads and writes the same JSON as a
        /// [`Record`] of the standard schema. `Debug` shows which members are
        /// set, never their values.
        #[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        #[non_exhaustive]
        pub struct Customer {
            $(
                #[doc = concat!("The `", stringify!($name), "` field.")]
                #[serde(skip_serializing_if = "Option::is_none")]
                pub $name: Option<String>,
            )*
        }

        impl Customer {
            /// The customer as a record of [`Schema::customer`].
            pub fn to_record(&self) -> Result<Record> {
                let schema = Schema::customer();
                let mut record = Record::new(&schema);
                $( record.set(stringify!($name), self.$name.clone())?; )*
                Ok(record)
            }

            /// Reads a customer from any record, by field name: fields the
            /// record's schema lacks stay `None`, other fields are ignored,
            /// and non-text values are written as text.
            pub fn from_record(record: &Record) -> Self {
                let text = |name: &str| {
                    record.get(name).and_then(Value::to_text).map(|t| t.into_owned())
                };
                Self { $( $name: text(stringify!($name)), )* }
            }

            fn set_members(&self) -> Vec<&'static str> {
                let mut set = Vec::new();
                $( if self.$name.is_some() { set.push(stringify!($name)); } )*
                set
            }
        }
    };
}

customer!(
    customer_id,
    source,
    full_name,
    given_name,
    family_name,
    gender,
    birth_date,
    email,
    phone,
    street,
    city,
    region,
    postcode,
    country,
    national_id,
    iban,
    payment_card,
    updated_at,
);

impl std::fmt::Debug for Customer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Customer")
            .field("set", &self.set_members())
            .finish_non_exhaustive()
    }
}

impl TryFrom<&Customer> for Record {
    type Error = crate::Error;

    fn try_from(customer: &Customer) -> Result<Self> {
        customer.to_record()
    }
}

impl From<&Record> for Customer {
    fn from(record: &Record) -> Self {
        Self::from_record(record)
    }
}

#[cfg(test)]
mod tests {
    use super::super::standard::CUSTOMER_FIELDS;
    use super::*;

    #[test]
    fn members_match_the_standard_schema() {
        let json: serde_json::Map<String, serde_json::Value> = CUSTOMER_FIELDS
            .iter()
            .map(|n| (n.to_string(), n.to_string().into()))
            .collect();
        let customer: Customer = serde_json::from_value(json.into()).unwrap();
        assert_eq!(customer.set_members(), CUSTOMER_FIELDS);
        let record = customer.to_record().unwrap();
        assert_eq!(Customer::from_record(&record), customer);
    }
}
