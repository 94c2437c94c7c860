//! Email syntax per RFC 5321/5322, with internationalized addresses
//! (RFC 6531/6532) and IDNA domains, following the rules of the reference
//! implementation `email-validator` (Python) for deliverable addresses:
//! dot-atom local parts of ASCII `atext` or any character from U+0080 that
//! is a letter, number, punctuation or symbol (marks after the first);
//! no white space, control, format (zero-width, soft hyphen) or unassigned
//! characters anywhere; a domain of at least two labels ending in a letter,
//! valid under IDNA, not a special-use name (RFC 6761, 6762, 7686: `test`,
//! `local`, `localhost`, `invalid`, `onion`, `arpa`); 254 octets in all.
//! Quoted local parts and IP literals only when allowed. Stricter than the
//! reference in one rule: a local part of more than 64 octets is refused
//! (RFC 5321 §4.5.3.1.1), as mail servers may.

use std::borrow::Cow;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

use crate::issue::IssueCode;

/// Which rarely used forms are accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EmailRules {
    /// Accept quoted local parts such as `"john smith"@example.com`.
    pub quoted_local_part: bool,
    /// Accept IP literal domains such as `user@[192.0.2.1]`.
    pub ip_literal: bool,
}

/// What is wrong with an address: an issue code and a detail that never
/// quotes the address.
pub type EmailProblem = (IssueCode, &'static str);

/// An address that passed, in canonical form.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckedEmail<'a> {
    /// The local part, Unicode NFC (RFC 6532 §3.1); the RFC 2142 role
    /// mailboxes (`info`, `sales`, `postmaster`...) in lower case.
    pub local: Cow<'a, str>,
    /// The domain in lower case, Unicode form for internationalized names.
    pub domain: Cow<'a, str>,
    /// The domain in ASCII (`xn--`) form, when it differs from `domain`.
    ascii: Option<Cow<'a, str>>,
}

impl CheckedEmail<'_> {
    /// The domain in ASCII (`xn--`) form.
    pub fn ascii_domain(&self) -> &str {
        self.ascii.as_deref().unwrap_or(&self.domain)
    }
}

/// Special-use domain names that cannot receive mail: RFC 6761 (`test`,
/// `localhost`, `invalid`), RFC 6762 (`local`), RFC 7686 (`onion`), and
/// the infrastructure domain `arpa` (RFC 3172).
const SPECIAL_USE: [&str; 6] = ["arpa", "invalid", "local", "localhost", "onion", "test"];

/// Role mailboxes that RFC 2142 makes case-insensitive.
const ROLE_MAILBOXES: [&str; 15] = [
    "info",
    "marketing",
    "sales",
    "support",
    "abuse",
    "noc",
    "security",
    "postmaster",
    "hostmaster",
    "usenet",
    "news",
    "webmaster",
    "www",
    "uucp",
    "ftp",
];

/// ASCII `atext` (RFC 5322 §3.2.3), by byte.
const ATEXT: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            );
        c += 1;
    }
    table
};

fn is_ascii_atext(c: char) -> bool {
    c.is_ascii() && ATEXT[c as usize]
}

/// Characters not allowed anywhere in an address: anything but letters,
/// numbers, punctuation, symbols and marks (so white space, controls,
/// format characters such as zero-width spaces and soft hyphens,
/// unassigned and private-use code points).
static UNSAFE: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r"[^\p{L}\p{N}\p{P}\p{S}\p{M}]|\A\p{M}").ok());

fn has_unsafe_chars(text: &str) -> bool {
    !text.is_ascii() && UNSAFE.as_ref().is_none_or(|re| re.is_match(text))
}

/// Checks one address as written (callers trim surrounding white space).
pub fn check(address: &str, rules: EmailRules) -> Result<(), EmailProblem> {
    analyze(address, rules).map(|_| ())
}

/// Checks one address and gives its canonical parts.
pub fn analyze(address: &str, rules: EmailRules) -> Result<CheckedEmail<'_>, EmailProblem> {
    if let Some(checked) = plain_ascii(address) {
        return Ok(checked);
    }
    let syntax = |detail| Err((IssueCode::EmailSyntax, detail));
    let (local, domain) = split(address)?;
    if local.is_empty() {
        return syntax("empty local part");
    }
    let local = if let Some(quoted) = local
        .strip_prefix('"')
        .and_then(|l| l.strip_suffix('"'))
        .filter(|_| local.len() >= 2)
    {
        check_quoted(quoted)?;
        if !rules.quoted_local_part {
            return syntax("quoted local part not accepted");
        }
        Cow::Borrowed(local)
    } else {
        check_local(local)?;
        let nfc = nfc(local);
        if let Cow::Owned(normalized) = &nfc {
            check_local(normalized)?;
        }
        let lower = nfc.is_ascii() && ROLE_MAILBOXES.iter().any(|r| nfc.eq_ignore_ascii_case(r));
        if lower && nfc.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(nfc.to_ascii_lowercase())
        } else {
            nfc
        }
    };
    if local.len() > 64 {
        return Err((IssueCode::EmailLength, "local part longer than 64 octets"));
    }
    if domain.is_empty() {
        return syntax("empty domain");
    }
    let (domain, ascii_domain) =
        if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
            if !rules.ip_literal {
                return Err((IssueCode::EmailDomain, "IP literal domain not accepted"));
            }
            let ok = match literal.strip_prefix("IPv6:") {
                Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
                None => literal.parse::<std::net::Ipv4Addr>().is_ok(),
            };
            if !ok {
                return Err((IssueCode::EmailDomain, "IP literal is not an IP address"));
            }
            (Cow::Borrowed(domain), Cow::Borrowed(domain))
        } else {
            check_domain(domain)?
        };
    // As written, as stored and in its ASCII form.
    let longest = address
        .len()
        .max(local.len() + 1 + domain.len().max(ascii_domain.len()));
    if longest > 254 {
        return Err((IssueCode::EmailLength, "address longer than 254 octets"));
    }
    let ascii = (ascii_domain != domain).then_some(ascii_domain);
    Ok(CheckedEmail {
        local,
        domain,
        ascii,
    })
}

/// The common case in one pass over the bytes: a valid ASCII address of a
/// dot-atom local part and a domain of plain (not `xn--`) labels. `None`
/// for anything else, valid or not, which [`analyze`] then checks in full
/// (and finds the same for the addresses this accepts).
fn plain_ascii(address: &str) -> Option<CheckedEmail<'_>> {
    let b = address.as_bytes();
    let at = b.iter().position(|&c| c == b'@')?;
    let (local, domain) = (&b[..at], &b[at + 1..]);
    if local.is_empty() || local.len() > 64 || b.len() > 254 || domain.len() > 253 {
        return None;
    }
    let mut previous = b'.';
    for &c in local {
        let ok = if c == b'.' {
            previous != b'.'
        } else {
            ATEXT[usize::from(c)]
        };
        if !ok {
            return None;
        }
        previous = c;
    }
    if previous == b'.' {
        return None;
    }
    let mut upper = false;
    let mut labels = 0;
    for label in domain.split(|&c| c == b'.') {
        labels += 1;
        let plain = !label.is_empty()
            && label.len() <= 63
            && label[0] != b'-'
            && label[label.len() - 1] != b'-'
            && !(label.len() >= 4 && &label[2..4] == b"--")
            && label
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'-');
        if !plain {
            return None;
        }
        upper |= label.iter().any(u8::is_ascii_uppercase);
    }
    let tld = domain.rsplit(|&c| c == b'.').next()?;
    if labels < 2
        || !tld.last().is_some_and(u8::is_ascii_alphabetic)
        || SPECIAL_USE
            .iter()
            .any(|s| s.as_bytes().eq_ignore_ascii_case(tld))
    {
        return None;
    }
    let local = &address[..at];
    let domain = &address[at + 1..];
    let local = if local.len() <= 10
        && local.bytes().any(|c| c.is_ascii_uppercase())
        && ROLE_MAILBOXES.iter().any(|r| local.eq_ignore_ascii_case(r))
    {
        Cow::Owned(local.to_ascii_lowercase())
    } else {
        Cow::Borrowed(local)
    };
    let domain = if upper {
        Cow::Owned(domain.to_ascii_lowercase())
    } else {
        Cow::Borrowed(domain)
    };
    Some(CheckedEmail {
        local,
        domain,
        ascii: None,
    })
}

/// Splits at the first `@` outside a quoted local part.
fn split(address: &str) -> Result<(&str, &str), EmailProblem> {
    let syntax = |detail| Err((IssueCode::EmailSyntax, detail));
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in address.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' if i == 0 || quoted => quoted = !quoted,
            '<' if !quoted => return syntax("display name and angle brackets not accepted"),
            '@' if !quoted => return Ok((&address[..i], &address[i + 1..])),
            _ => {}
        }
    }
    if address.contains(['\u{FF20}', '\u{FE6B}']) {
        return syntax("a full-width or small at sign instead of @");
    }
    syntax("no @")
}

fn check_quoted(inner: &str) -> Result<(), EmailProblem> {
    let syntax = |detail| Err((IssueCode::EmailSyntax, detail));
    let mut escaped = false;
    for c in inner.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return syntax("unescaped quote in quoted local part"),
            (false, c) if c.is_control() => return syntax("control character in local part"),
            _ => {}
        }
    }
    if escaped {
        return syntax("quoted local part ends in a backslash");
    }
    if has_unsafe_chars(&inner.replace(' ', "")) {
        return syntax("unsafe character in local part");
    }
    Ok(())
}

/// A dot-atom of `atext` and characters from U+0080 (RFC 5322 §3.2.3,
/// RFC 6531 §3.3), none of them unsafe.
fn check_local(local: &str) -> Result<(), EmailProblem> {
    let syntax = |detail| Err((IssueCode::EmailSyntax, detail));
    if !local
        .chars()
        .all(|c| c == '.' || is_ascii_atext(c) || !c.is_ascii())
    {
        return syntax("character not allowed in the local part");
    }
    if local.starts_with('.') || local.ends_with('.') {
        return syntax("local part starts or ends with a dot");
    }
    if local.contains("..") {
        return syntax("two dots in a row in the local part");
    }
    if has_unsafe_chars(local) {
        return syntax("unsafe character (white space, control, invisible) in the local part");
    }
    Ok(())
}

fn nfc(text: &str) -> Cow<'_, str> {
    if text.is_ascii()
        || unicode_normalization::is_nfc_quick(text.chars())
            == unicode_normalization::IsNormalized::Yes
    {
        return Cow::Borrowed(text);
    }
    let normalized: String = text.nfc().collect();
    if normalized == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(normalized)
    }
}

fn is_hostname_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || !c.is_ascii()
}

/// Checks a domain name; gives its Unicode and ASCII forms, lower case.
fn check_domain(domain: &str) -> Result<(Cow<'_, str>, Cow<'_, str>), EmailProblem> {
    let bad = |detail| Err((IssueCode::EmailDomain, detail));
    if domain.chars().count() > 253 {
        return Err((IssueCode::EmailLength, "domain longer than 253 octets"));
    }
    if !domain.chars().all(is_hostname_char) {
        return bad("character not allowed in a domain name");
    }
    if has_unsafe_chars(domain) {
        return bad("unsafe character (white space, control, invisible) in the domain");
    }
    // Characters that decompose to a full stop (`⒈`) would hide a label
    // separator; the full-width full stop is one.
    if !domain.is_ascii()
        && domain
            .chars()
            .any(|c| !matches!(c, '.' | '\u{FF0E}') && c.to_string().nfkd().any(|d| d == '.'))
    {
        return bad("character not allowed in a domain name");
    }
    // UTS #46 mapping: lower case, full-width forms, ideographic full stop.
    let mapped: Cow<'_, str> = if domain.is_ascii() {
        if domain.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(domain.to_ascii_lowercase())
        } else {
            Cow::Borrowed(domain)
        }
    } else {
        let (unicode, result) = idna::domain_to_unicode(domain);
        if result.is_err() {
            return bad("not a valid internationalized domain name");
        }
        Cow::Owned(unicode)
    };
    if !mapped.chars().all(is_hostname_char) {
        return bad("character not allowed in a domain name");
    }
    if mapped.starts_with('.') || mapped.ends_with('.') || mapped.contains("..") {
        return bad("empty domain label");
    }
    if mapped.starts_with('-')
        || mapped.ends_with('-')
        || mapped.contains(".-")
        || mapped.contains("-.")
    {
        return bad("domain label starts or ends with a hyphen");
    }
    for label in mapped.split('.') {
        let b = label.as_bytes();
        if b.len() >= 4 && &b[2..4] == b"--" && !b[..2].eq_ignore_ascii_case(b"xn") {
            return bad("domain label with hyphens in the third and fourth places");
        }
    }
    let ascii: Cow<'_, str> = if mapped.is_ascii() {
        mapped.clone()
    } else {
        match idna::domain_to_ascii(&mapped) {
            Ok(ascii) => Cow::Owned(ascii),
            Err(_) => return bad("not a valid internationalized domain name"),
        }
    };
    if ascii.len() > 253 {
        return Err((IssueCode::EmailLength, "domain longer than 253 octets"));
    }
    for label in ascii.split('.') {
        if label.len() > 63 {
            return bad("domain label longer than 63 octets");
        }
        if label.is_empty()
            || !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return bad("not a valid domain name");
        }
    }
    if !ascii.contains('.') {
        return bad("domain has no dot");
    }
    if !ascii.ends_with(|c: char| c.is_ascii_alphabetic()) {
        return bad("top-level domain does not end in a letter");
    }
    if SPECIAL_USE.iter().any(|s| {
        ascii
            .strip_suffix(s)
            .is_some_and(|head| head.is_empty() || head.ends_with('.'))
    }) {
        return bad("a special-use domain name (RFC 6761) that receives no mail");
    }
    if !ascii.contains("xn--") {
        return Ok((ascii.clone(), ascii));
    }
    let (unicode, result) = idna::domain_to_unicode(&ascii);
    if result.is_err() || has_unsafe_chars(&unicode) || !unicode.chars().all(is_hostname_char) {
        return bad("not a valid internationalized domain name");
    }
    Ok((Cow::Owned(unicode), Cow::Owned(ascii.into_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(address: &str) -> bool {
        check(address, EmailRules::default()).is_ok()
    }

    #[test]
    fn accepts_what_mail_systems_accept() {
        for good in [
            "ann@example.com",
            "Ann.O'Neil@example.co.uk",
            "a+tag@sub.example.org",
            "user_name-1@xn--bcher-kva.de",
            "nana@例子.中国",
            "用户@例子.广告",
            "x@a-b.io",
        ] {
            assert!(ok(good), "{good}");
        }
    }

    #[test]
    fn rejects_what_mail_systems_reject() {
        for (bad, code) in [
            ("a@b", IssueCode::EmailDomain),
            ("x..y@example.com", IssueCode::EmailSyntax),
            (".x@example.com", IssueCode::EmailSyntax),
            ("x.@example.com", IssueCode::EmailSyntax),
            ("no-at-sign", IssueCode::EmailSyntax),
            ("@example.com", IssueCode::EmailSyntax),
            ("a b@example.com", IssueCode::EmailSyntax),
            ("a@-example.com", IssueCode::EmailDomain),
            ("a@example..com", IssueCode::EmailDomain),
            ("a@example.1", IssueCode::EmailDomain),
            ("a@exa_mple.com", IssueCode::EmailDomain),
            ("\"quoted\"@example.com", IssueCode::EmailSyntax),
            ("a@[192.0.2.1]", IssueCode::EmailDomain),
        ] {
            assert_eq!(
                check(bad, EmailRules::default()).map_err(|e| e.0),
                Err(code),
                "{bad}"
            );
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(
            check(&long_local, EmailRules::default()).unwrap_err().0,
            IssueCode::EmailLength
        );
        let long_domain = format!("a@{}.com", vec!["b".repeat(60); 5].join("."));
        assert_eq!(
            check(&long_domain, EmailRules::default()).unwrap_err().0,
            IssueCode::EmailLength
        );
    }

    #[test]
    fn special_use_domains_and_hidden_characters_are_refused() {
        for bad in [
            "x@mail.test",
            "x@printer.local",
            "x@localhost",
            "x@a.localhost",
            "x@nothing.invalid",
            "x@abc.onion",
            "x@1.168.192.in-addr.arpa",
            "a\u{7}b@example.com",
            "a\u{7f}b@example.com",
            "a\u{1b}b@example.com",
            "a\u{200b}b@example.com",
            "a\u{ad}b@example.com",
            "ab@exam\u{200d}ple.com",
            "ann@example.com.",
            "ann @example.com",
            "ann\u{ff20}example.com",
            "Ann <ann@example.com>",
            "ann@ab--cd.com",
            "ann@example.c1",
            "\u{301}a@example.com",
        ] {
            assert!(check(bad, EmailRules::default()).is_err(), "{bad:?}");
        }
        for good in [
            "x@mytest.com",
            "x@example.c",
            "x@a.xn--p1ai",
            "ｚｈａｎｇ@example.com",
        ] {
            assert!(ok(good), "{good}");
        }
        let checked = analyze("INFO@XN--FSQU00A.xn--fiqs8s", EmailRules::default()).unwrap();
        assert_eq!(checked.local, "info");
        assert_eq!(checked.domain, "例子.中国");
        assert_eq!(checked.ascii_domain(), "xn--fsqu00a.xn--fiqs8s");
        let plain = analyze("Ann@Example.COM", EmailRules::default()).unwrap();
        assert_eq!((&*plain.local, &*plain.domain), ("Ann", "example.com"));
        assert_eq!(plain.ascii_domain(), "example.com");
    }

    #[test]
    fn optional_forms() {
        let all = EmailRules {
            quoted_local_part: true,
            ip_literal: true,
        };
        assert!(check("\"john smith\"@example.com", all).is_ok());
        assert!(check("\"a\\\"b\"@example.com", all).is_ok());
        assert!(check("\"a\"b\"@example.com", all).is_err());
        assert!(check("a@[192.0.2.1]", all).is_ok());
        assert!(check("a@[IPv6:2001:db8::1]", all).is_ok());
        assert!(check("a@[300.1.1.1]", all).is_err());
    }
}
