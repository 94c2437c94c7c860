//! Email syntax per RFC 5321/5322, with internationalized addresses
//! (RFC 6531) and IDNA domains.
//!
//! The `validator` crate's email rule is a loose web-form check (it accepts
//! `a@b` and `x..y@example.com`), so custodia checks what real mail systems
//! enforce: dot-atom local parts, the 64/254 length limits, a dotted domain
//! of valid labels; quoted local parts and IP literals only when allowed.

use super::report::IssueCode;

/// Which rarely used forms are accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmailRules {
    /// Accept quoted local parts such as `"john smith"@example.com`.
    pub quoted_local_part: bool,
    /// Accept IP literal domains such as `user@[192.0.2.1]`.
    pub ip_literal: bool,
}

/// What is wrong with an address: an issue code and a detail that never
/// quotes the address.
pub type EmailProblem = (IssueCode, &'static str);

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
}

/// Checks one address.
pub fn check(address: &str, rules: EmailRules) -> Result<(), EmailProblem> {
    let syntax = |detail| Err((IssueCode::EmailSyntax, detail));
    let Some((local, domain)) = address.rsplit_once('@') else {
        return syntax("no @");
    };
    if local.is_empty() {
        return syntax("empty local part");
    }
    if local.len() > 64 {
        return Err((IssueCode::EmailLength, "local part longer than 64 octets"));
    }
    if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        if !rules.quoted_local_part {
            return syntax("quoted local part not accepted");
        }
        let mut escaped = false;
        for c in local[1..local.len() - 1].chars() {
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
    } else {
        if local.starts_with('.') || local.ends_with('.') {
            return syntax("local part starts or ends with a dot");
        }
        if local.contains("..") {
            return syntax("two dots in a row in the local part");
        }
        if !local.chars().all(|c| c == '.' || is_atext(c)) {
            return syntax("character not allowed in the local part");
        }
    }
    if domain.is_empty() {
        return syntax("empty domain");
    }
    let ascii_len =
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
            domain.len()
        } else {
            check_domain(domain)?
        };
    if local.len() + 1 + ascii_len > 254 {
        return Err((IssueCode::EmailLength, "address longer than 254 octets"));
    }
    Ok(())
}

/// Checks a domain name and returns the length of its ASCII form.
fn check_domain(domain: &str) -> Result<usize, EmailProblem> {
    let bad = |detail| Err((IssueCode::EmailDomain, detail));
    let converted;
    let ascii = if domain.is_ascii() {
        domain
    } else {
        match idna::domain_to_ascii_strict(domain) {
            Ok(a) => {
                converted = a;
                &converted
            }
            Err(_) => return bad("not a valid internationalized domain name"),
        }
    };
    if ascii.len() > 253 {
        return Err((IssueCode::EmailLength, "domain longer than 253 octets"));
    }
    let Some((_, tld)) = ascii.rsplit_once('.') else {
        return bad("domain has no dot");
    };
    for label in ascii.split('.') {
        if label.is_empty() {
            return bad("empty domain label");
        }
        if label.len() > 63 {
            return bad("domain label longer than 63 octets");
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return bad("character not allowed in a domain name");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("domain label starts or ends with a hyphen");
        }
    }
    if tld.len() < 2 || tld.bytes().all(|b| b.is_ascii_digit()) {
        return bad("top-level domain is too short or numeric");
    }
    Ok(ascii.len())
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
