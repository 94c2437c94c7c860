//! Email addresses: canonical form and matching key.

use std::borrow::Cow;

use super::email_syntax::{EmailRules, analyze};
use super::text;

/// An address split at its last `@`, with the domain in both forms.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmailParts {
    /// The local part, as given (it may be case-sensitive).
    pub local: String,
    /// The domain, lower case, in Unicode (`例子.中国`).
    pub domain_unicode: String,
    /// The domain in ASCII (`xn--fsqu00a.xn--fiqs8s`), if it converts.
    pub domain_ascii: Option<String>,
}

/// Splits and converts an address; `None` when there is no `@` with text on
/// both sides. The domain is converted with IDNA (UTS #46).
pub fn parse(address: &str) -> Option<EmailParts> {
    let address = text::clean(address);
    let (local, domain) = address.rsplit_once('@')?;
    let (local, domain) = (local.trim(), domain.trim().trim_end_matches('.').trim());
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    let (domain_unicode, domain_ascii) = if domain.is_ascii() && !has_ace_label(domain) {
        let lower = domain.to_ascii_lowercase();
        (lower.clone(), Some(lower))
    } else {
        let (unicode, status) = idna::domain_to_unicode(domain);
        let ascii = status
            .ok()
            .and_then(|()| idna::domain_to_ascii(domain).ok());
        (
            if ascii.is_some() {
                unicode
            } else {
                domain.to_lowercase()
            },
            ascii,
        )
    };
    // IDNA mapping can produce spaces (U+1FED maps to a space and marks):
    // such a domain is not one to keep.
    if domain_unicode
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    Some(EmailParts {
        local: local.to_owned(),
        domain_unicode,
        domain_ascii,
    })
}

fn has_ace_label(domain: &str) -> bool {
    domain
        .split('.')
        .any(|label| label.len() > 4 && label[..4].eq_ignore_ascii_case("xn--"))
}

/// The canonical address, as the reference `email-validator` writes it:
/// surrounding white space trimmed, the local part in Unicode NFC (kept
/// as given otherwise: it belongs to the receiving host, RFC 5321 §2.4;
/// RFC 2142 role mailboxes such as `INFO` in lower case), the domain in
/// lower case, in Unicode form (or ASCII form when `ascii_domain`). Nothing
/// else is repaired: an address with white space, control or invisible
/// characters inside, a full-width `＠` or a final dot is not a valid
/// address and is kept as written (trimmed) for validation to report.
pub fn normalize(address: &str, ascii_domain: bool) -> Cow<'_, str> {
    let trimmed = address.trim();
    let rules = EmailRules {
        quoted_local_part: true,
        ip_literal: true,
    };
    let Ok(checked) = analyze(trimmed, rules) else {
        return Cow::Borrowed(trimmed);
    };
    let borrowed = matches!(
        (&checked.local, &checked.domain),
        (Cow::Borrowed(_), Cow::Borrowed(_))
    );
    let domain = if ascii_domain {
        checked.ascii_domain()
    } else {
        &checked.domain
    };
    // Borrowed parts are the very text of the address.
    let unchanged = (borrowed && domain.len() == checked.domain.len())
        || (trimmed.len() == checked.local.len() + 1 + domain.len()
            && trimmed.starts_with(&*checked.local)
            && trimmed.ends_with(domain));
    if unchanged {
        Cow::Borrowed(trimmed)
    } else {
        Cow::Owned(format!("{}@{domain}", checked.local))
    }
}

/// Providers that deliver `name+tag@` to `name@`.
const PLUS_TAG_PROVIDERS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "fastmail.com",
    "protonmail.com",
    "proton.me",
    "yahoo.com",
];

/// Applies the provider rules users ask for: Gmail ignores dots in the
/// local part and `googlemail.com` is `gmail.com`; the listed providers
/// drop `+tags`. Used for the match key always, and for the canonical value
/// only when the normalizer is told to.
pub fn apply_provider_rules(local: &str, domain: &str) -> (String, String) {
    let (local, domain, dotless) = provider_rules(local, domain);
    let mut local = local.to_owned();
    if dotless {
        local.retain(|c| c != '.');
    }
    (local, domain.to_owned())
}

/// [`apply_provider_rules`] without a new string: the local part without
/// its `+tag` where the provider drops it, the domain it delivers for,
/// and whether the provider ignores dots in the local part.
fn provider_rules<'a>(local: &'a str, domain: &'a str) -> (&'a str, &'a str, bool) {
    let domain = if domain == "googlemail.com" {
        "gmail.com"
    } else {
        domain
    };
    let local = match local.find('+') {
        Some(plus) if plus > 0 && PLUS_TAG_PROVIDERS.contains(&domain) => &local[..plus],
        _ => local,
    };
    (local, domain, domain == "gmail.com")
}

/// The key duplicate detection compares: case folded, provider rules
/// applied, domain in ASCII form. `None` without a usable `@`.
pub fn match_key(address: &str) -> Option<String> {
    graphic_ascii_match_key(address).unwrap_or_else(|| any_match_key(address))
}

/// [`match_key`] of any text.
fn any_match_key(address: &str) -> Option<String> {
    let parts = parse(address)?;
    let domain = parts.domain_ascii.unwrap_or(parts.domain_unicode);
    let (local, domain) = apply_provider_rules(&parts.local.to_lowercase(), &domain);
    Some(format!("{local}@{domain}"))
}

/// [`match_key`] of an address of printable ASCII (no space, no
/// control) whose domain has no `xn--` label: such text is clean already,
/// its domain needs no IDNA and lower-casing is ASCII lower-casing, so the
/// key is made in one string instead of seven. `None` for any other
/// address (the general path decides); `Some(None)` for one without a
/// usable `@`. Every deduplicated row with an email takes this path.
fn graphic_ascii_match_key(address: &str) -> Option<Option<String>> {
    if !address.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return Some(None);
    };
    let domain = domain.trim_end_matches('.');
    if local.is_empty() || domain.is_empty() {
        return Some(None);
    }
    if has_ace_label(domain) {
        return None;
    }
    // The rules read a lower-case domain; a domain already in lower case,
    // as normalized ones are, is not copied.
    let lower: Cow<'_, str> = if domain.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(domain.to_ascii_lowercase())
    } else {
        Cow::Borrowed(domain)
    };
    let (local, domain, dotless) = provider_rules(local, &lower);
    let mut key = String::with_capacity(local.len() + 1 + domain.len());
    key.extend(
        local
            .bytes()
            .filter(|&b| !(dotless && b == b'.'))
            .map(|b| char::from(b.to_ascii_lowercase())),
    );
    key.push('@');
    key.push_str(domain);
    Some(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_keeps_local_part_and_lowers_domain() {
        assert_eq!(
            normalize("  Ann.ONeil@Example.COM ", false),
            "Ann.ONeil@example.com"
        );
        assert_eq!(normalize("ann@example.com", false), "ann@example.com");
        assert!(matches!(
            normalize("ann@example.com", false),
            Cow::Borrowed(_)
        ));
        assert_eq!(normalize("nana@例子.中国", false), "nana@例子.中国");
        assert_eq!(
            normalize("nana@例子.中国", true),
            "nana@xn--fsqu00a.xn--fiqs8s"
        );
        assert_eq!(
            normalize("nana@XN--FSQU00A.xn--fiqs8s", false),
            "nana@例子.中国"
        );
        assert_eq!(normalize("no-at-sign ", false), "no-at-sign");
        assert_eq!(normalize("INFO@Example.com", false), "info@example.com");
        assert_eq!(
            normalize("jose\u{301}@example.com", false),
            "jos\u{e9}@example.com"
        );
        assert_eq!(
            normalize("zhang@ｅｘａｍｐｌｅ．ｃｏｍ", false),
            "zhang@example.com"
        );
    }

    #[test]
    fn repairs_that_would_change_or_hide_the_address_are_not_made() {
        for address in [
            "a\u{7}b@example.com",
            "a\u{7f}b@example.com",
            "a\u{1b}b@example.com",
            "an\u{200b}n@example.com",
            "an\u{ad}n@example.com",
            "ann@example.com.",
            "ann smith@example.com",
            "ｚｈａｎｇ＠example.com",
        ] {
            assert_eq!(normalize(address, false), address, "{address:?}");
        }
        // A full-width local part is a different mailbox: kept as written.
        assert_eq!(
            normalize("ｚｈａｎｇ@example.com", false),
            "ｚｈａｎｇ@example.com"
        );
    }

    #[test]
    fn parts_give_both_domain_forms() {
        let parts = parse("x@Bücher.DE").unwrap();
        assert_eq!(parts.domain_unicode, "bücher.de");
        assert_eq!(parts.domain_ascii.as_deref(), Some("xn--bcher-kva.de"));
        assert!(parse("@example.com").is_none());
        assert!(parse("ann@").is_none());
    }

    proptest::proptest! {
        /// The match key of printable ASCII is made by the short path, and
        /// is the key the general path makes: provider rules, dots, tags,
        /// case, final dots, `@`s and `xn--` labels included.
        #[test]
        fn ascii_match_keys_are_the_general_ones(
            local in "[a-zA-Z0-9.+_@-]{0,10}",
            domain in "(([a-zA-Z0-9-]{0,6}|xn--[a-z0-9]{1,6})\\.){0,2}(com|GMail.com|googlemail.COM|outlook.com|yahoo.com|[a-z]{0,4})\\.?",
            other in "[ -~]{0,12}",
        ) {
            for address in [format!("{local}@{domain}"), other] {
                let fast = graphic_ascii_match_key(&address);
                let graphic = address.bytes().all(|b| b.is_ascii_graphic());
                if !graphic {
                    proptest::prop_assert!(fast.is_none(), "{:?}", address);
                } else if !address.to_ascii_lowercase().contains("xn--") {
                    proptest::prop_assert!(fast.is_some(), "{:?}", address);
                }
                if let Some(fast) = fast {
                    proptest::prop_assert_eq!(fast, any_match_key(&address), "{:?}", address);
                }
            }
        }
    }

    #[test]
    fn match_keys_apply_provider_rules() {
        assert_eq!(
            match_key("J.Smith+news@GoogleMail.com").unwrap(),
            "jsmith@gmail.com"
        );
        assert_eq!(match_key("j.smith@gmail.com").unwrap(), "jsmith@gmail.com");
        assert_eq!(
            match_key("Ann+billing@outlook.com").unwrap(),
            "ann@outlook.com"
        );
        // Other domains keep dots and tags: they may be different mailboxes.
        assert_eq!(match_key("a.b+c@example.org").unwrap(), "a.b+c@example.org");
        assert_eq!(
            match_key("nana@例子.中国").unwrap(),
            "nana@xn--fsqu00a.xn--fiqs8s"
        );
        assert!(match_key("nope").is_none());
    }
}
