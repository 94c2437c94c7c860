//! Email addresses: canonical form and matching key.

use std::borrow::Cow;

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

/// Where the `@` is in a plain ASCII address: one `@` with text on both
/// sides, no white space or controls, a domain without a final dot or ACE
/// labels. [`normalize`] only lower-cases such a domain.
fn plain_ascii_at(address: &str) -> Option<usize> {
    let at = address.find('@')?;
    let domain = &address[at + 1..];
    let plain = at > 0
        && !domain.is_empty()
        && !domain.ends_with('.')
        && address.bytes().all(|b| b.is_ascii_graphic())
        && !domain.contains('@')
        && !has_ace_label(domain);
    plain.then_some(at)
}

fn has_ace_label(domain: &str) -> bool {
    domain
        .split('.')
        .any(|label| label.len() > 4 && label[..4].eq_ignore_ascii_case("xn--"))
}

/// The canonical address: cleaned, local part kept as given, domain lower
/// case in Unicode form (or ASCII form when `ascii_domain`). Text without
/// a usable `@` is only cleaned; validation reports it.
pub fn normalize(address: &str, ascii_domain: bool) -> Cow<'_, str> {
    if let Some(at) = plain_ascii_at(address) {
        if !address[at..].bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Borrowed(address);
        }
        let mut out = address.to_owned();
        out[at..].make_ascii_lowercase();
        return Cow::Owned(out);
    }
    let Some(parts) = parse(address) else {
        return text::clean(address);
    };
    let domain = match (&parts.domain_ascii, ascii_domain) {
        (Some(ascii), true) => ascii,
        _ => &parts.domain_unicode,
    };
    let out = format!("{}@{domain}", parts.local);
    if out == address {
        Cow::Borrowed(address)
    } else {
        Cow::Owned(out)
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
    let domain = if domain == "googlemail.com" {
        "gmail.com"
    } else {
        domain
    };
    let mut local = local.to_owned();
    if PLUS_TAG_PROVIDERS.contains(&domain)
        && let Some(plus) = local.find('+')
        && plus > 0
    {
        local.truncate(plus);
    }
    if domain == "gmail.com" {
        local.retain(|c| c != '.');
    }
    (local, domain.to_owned())
}

/// The key duplicate detection compares: case folded, provider rules
/// applied, domain in ASCII form. `None` without a usable `@`.
pub fn match_key(address: &str) -> Option<String> {
    let parts = parse(address)?;
    let domain = parts.domain_ascii.unwrap_or(parts.domain_unicode);
    let (local, domain) = apply_provider_rules(&parts.local.to_lowercase(), &domain);
    Some(format!("{local}@{domain}"))
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
        assert_eq!(
            normalize("ｚｈａｎｇ＠example.com", false),
            "zhang@example.com"
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
