//! Telephone numbers, behind one small module so that the backend could be
//! swapped. The backend is `rlibphonenumber`, a port of Google's
//! libphonenumber that agreed with the original on every number we tried.
//!
//! Its metadata is loaded lazily: the first call in a thread that parses
//! phones costs about 15 ms (under 1 ms when the thread takes over the copy
//! of a thread that has ended); there is one copy per thread for up to as
//! many threads as cores, at most four, and one shared by any others.
//! After that a parse, validity check and E.164 format takes under a
//! microsecond.

use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use rlibphonenumber::{
    PHONE_NUMBER_UTIL, PhoneNumber, PhoneNumberFormat, PhoneNumberType, PhoneNumberUtil, Region,
};

use crate::schema::RegionCode;

/// What kind of line a number is, as far as its numbering plan tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PhoneType {
    /// A landline.
    FixedLine,
    /// A mobile phone.
    Mobile,
    /// Either; the plan does not say (e.g. the USA).
    FixedLineOrMobile,
    /// Free to call.
    TollFree,
    /// Charged at a premium rate.
    PremiumRate,
    /// Cost shared between caller and callee.
    SharedCost,
    /// Voice over IP.
    Voip,
    /// A personal number that forwards elsewhere.
    PersonalNumber,
    /// A pager.
    Pager,
    /// A company's universal access number.
    Uan,
    /// Voicemail access.
    Voicemail,
    /// Not known.
    Unknown,
}

impl PhoneType {
    /// A stable lower-case name such as `"mobile"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::FixedLine => "fixed_line",
            Self::Mobile => "mobile",
            Self::FixedLineOrMobile => "fixed_line_or_mobile",
            Self::TollFree => "toll_free",
            Self::PremiumRate => "premium_rate",
            Self::SharedCost => "shared_cost",
            Self::Voip => "voip",
            Self::PersonalNumber => "personal_number",
            Self::Pager => "pager",
            Self::Uan => "uan",
            Self::Voicemail => "voicemail",
            Self::Unknown => "unknown",
        }
    }
}

/// A parsed number.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParsedPhone {
    /// The number in E.164 form, e.g. `+8613800138000`.
    pub e164: String,
    /// An extension, if one was given.
    pub extension: Option<String>,
    /// The region the number belongs to, if the plan tells.
    pub region: Option<RegionCode>,
    /// The kind of line.
    pub phone_type: PhoneType,
    /// Whether the number is valid in its numbering plan.
    pub valid: bool,
    /// Whether its length is possible (a weaker check than `valid`).
    pub possible: bool,
}

impl ParsedPhone {
    /// E.164 with `;ext=` and the extension if any (RFC 3966 style). Not
    /// what normalization stores: a stored phone is E.164 alone, and its
    /// extension goes to a field of its own.
    pub fn canonical(&self) -> String {
        match &self.extension {
            Some(ext) => format!("{};ext={ext}", self.e164),
            None => self.e164.clone(),
        }
    }
}

/// Why a text is not a phone number at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PhoneError {
    /// No digits that could form a number.
    NotANumber,
    /// A `+` followed by an unknown country calling code.
    InvalidCountryCode,
    /// Too short or too long to be a number.
    BadLength,
    /// A national number with no region to read it in.
    NoRegion,
}

impl PhoneError {
    /// Why, in words, for issue messages.
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotANumber => "not a phone number",
            Self::InvalidCountryCode => "unknown country calling code",
            Self::BadLength => "too short or too long to be a phone number",
            Self::NoRegion => "a national number without a region to read it in",
        }
    }
}

/// Parses `text` (national forms, `+` and `00` international forms,
/// full-width digits, `tel:` URIs, extensions) with `region` as the
/// default for national numbers.
pub fn parse(text: &str, region: Option<RegionCode>) -> Result<ParsedPhone, PhoneError> {
    with_util(|util| {
        let number = parse_number(util, text, region)?;
        let mut parsed = summary(util, &number);
        // The line type costs several pattern matches: only here, on request.
        parsed.phone_type = phone_type(util.get_number_type(&number));
        Ok(parsed)
    })
}

/// Like [`parse`] without the line type, which validation and
/// normalization do not need and which costs as much as the rest.
pub(crate) fn parse_quick(
    text: &str,
    region: Option<RegionCode>,
) -> Result<ParsedPhone, PhoneError> {
    with_util(|util| parse_number(util, text, region).map(|number| summary(util, &number)))
}

/// Every country calling code (1 to 3 digits) the numbering plans know.
static CALLING_CODES: std::sync::LazyLock<Vec<bool>> = std::sync::LazyLock::new(|| {
    let mut known = vec![false; 1000];
    for code in with_util(|util| util.get_supported_calling_codes().collect::<Vec<_>>()) {
        if let Some(slot) = usize::try_from(code).ok().and_then(|c| known.get_mut(c)) {
            *slot = true;
        }
    }
    known
});

/// How many digits the country calling code of an E.164 number (`+`
/// and digits) has, when it starts with a known code (calling codes are
/// prefix-free, so at most one fits).
pub(crate) fn calling_code_len(e164: &str) -> Option<usize> {
    let digits = e164.strip_prefix('+')?.as_bytes();
    let mut code = 0usize;
    for (i, b) in digits.iter().take(3).enumerate() {
        if !b.is_ascii_digit() {
            return None;
        }
        code = code * 10 + usize::from(b - b'0');
        if CALLING_CODES.get(code) == Some(&true) {
            return Some(i + 1);
        }
    }
    None
}

/// Utils no thread holds, for the next thread that needs one.
static SPARE_UTILS: Mutex<Vec<PhoneNumberUtil>> = Mutex::new(Vec::new());

/// At most this many threads get a util of their own (fewer when there
/// are fewer cores); the others share the library's one. Each util holds
/// its own regex programs and caches, which grow with every numbering plan
/// used: about 15 MB with a handful of countries, and over 100 MB per
/// thread once all 245 regions have been parsed (measured; a shared util
/// grows by a similar amount per thread, for its per-thread caches).
const MAX_OWN_UTILS: usize = 4;

static OWN_UTILS_MADE: AtomicUsize = AtomicUsize::new(0);

/// Whether one more thread may make a util of its own.
fn may_make_own_util() -> bool {
    let limit = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_OWN_UTILS);
    OWN_UTILS_MADE
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |made| {
            (made < limit).then_some(made + 1)
        })
        .is_ok()
}

/// A thread's own util, given back when the thread ends; `None` when the
/// thread shares the library's util.
struct ThreadUtil(Option<PhoneNumberUtil>);

impl Drop for ThreadUtil {
    fn drop(&mut self) {
        if let (Some(util), Ok(mut spare)) = (self.0.take(), SPARE_UTILS.lock()) {
            spare.push(util);
        }
    }
}

thread_local! {
    static THREAD_UTIL: ThreadUtil = ThreadUtil(
        SPARE_UTILS
            .lock()
            .ok()
            .and_then(|mut spare| spare.pop())
            .or_else(|| {
                may_make_own_util()
                    .then(PhoneNumberUtil::new)
                    .and_then(Result::ok)
            }),
    );
}

/// Runs `f` with this thread's util. Threads have their own because every
/// regex inside a util keeps its match caches in a pool that is fast for
/// one thread and takes a lock for all others: shared by the two cores of
/// a `clean` run, the locks and the cache lines they bounce cost 15 % of
/// its CPU time. Threads that end give their util back, so short-lived
/// threads reuse utils instead of loading the metadata again.
fn with_util<T>(f: impl Fn(&PhoneNumberUtil) -> T) -> T {
    match THREAD_UTIL.try_with(|own| own.0.as_ref().map(&f)) {
        Ok(Some(out)) => out,
        // Threads beyond the limit, and a thread that is ending (called
        // from another thread-local's destructor): the shared util.
        _ => f(&PHONE_NUMBER_UTIL),
    }
}

fn parse_number(
    util: &PhoneNumberUtil,
    text: &str,
    region: Option<RegionCode>,
) -> Result<PhoneNumber, PhoneError> {
    let default = region.and_then(|r| Region::from_code(r.as_str()).ok());
    util.parse(text, default).map_err(|e| {
        use rlibphonenumber::ParseError as E;
        match e {
            E::InvalidCountryCode => {
                if default.is_none() && !text.trim_start().starts_with(['+', '＋']) {
                    PhoneError::NoRegion
                } else {
                    PhoneError::InvalidCountryCode
                }
            }
            E::NotANumber(_) => PhoneError::NotANumber,
            _ => PhoneError::BadLength,
        }
    })
}

fn summary(util: &PhoneNumberUtil, number: &PhoneNumber) -> ParsedPhone {
    let (region, valid) = region_and_validity(util, number);
    ParsedPhone {
        e164: util.format(number, PhoneNumberFormat::E164).into_owned(),
        extension: number.extension.clone().filter(|e| !e.is_empty()),
        region: region.and_then(|r| RegionCode::new(r.as_region_str().as_str())),
        phone_type: PhoneType::Unknown,
        valid,
        possible: valid || util.is_possible_number_with_reason(number).is_ok(),
    }
}

/// The region of `number` and whether it is valid there: what
/// libphonenumber's `get_region_for_number` and then
/// `is_valid_number_for_region` give (its `is_valid_number`), with the
/// number-type patterns run once instead of twice for the common case.
/// For a calling code shared by several regions (+1, +7, +44) the region
/// search tries each region in turn, the first one first, and takes it
/// when its leading digits or its number-type patterns match; validity
/// then runs those patterns again. A number valid in the first region is
/// one whose patterns match there, so the search would stop at it: that
/// answer is taken at once, and only other numbers search.
fn region_and_validity(util: &PhoneNumberUtil, number: &PhoneNumber) -> (Option<Region>, bool) {
    let Some(mut regions) = util.get_regions_for_country_calling_code(number.country_code) else {
        return (None, false);
    };
    let shared = regions.len() > 1;
    let Some(first) = regions.next() else {
        return (None, false);
    };
    if !shared {
        // The only region: the search takes it without a check.
        return (Some(first), util.is_valid_number_for_region(number, first));
    }
    // A non-geographic code (`001`) has no region the search could read,
    // so it is left to the search.
    if first != Region::World && util.is_valid_number_for_region(number, first) {
        return (Some(first), true);
    }
    let region = util.get_region_for_number(number);
    (
        region,
        region.is_some_and(|r| util.is_valid_number_for_region(number, r)),
    )
}

fn phone_type(t: PhoneNumberType) -> PhoneType {
    match t {
        PhoneNumberType::FixedLine => PhoneType::FixedLine,
        PhoneNumberType::Mobile => PhoneType::Mobile,
        PhoneNumberType::FixedLineOrMobile => PhoneType::FixedLineOrMobile,
        PhoneNumberType::TollFree => PhoneType::TollFree,
        PhoneNumberType::PremiumRate => PhoneType::PremiumRate,
        PhoneNumberType::SharedCost => PhoneType::SharedCost,
        PhoneNumberType::VoIP => PhoneType::Voip,
        PhoneNumberType::PersonalNumber => PhoneType::PersonalNumber,
        PhoneNumberType::Pager => PhoneType::Pager,
        PhoneNumberType::UAN => PhoneType::Uan,
        PhoneNumberType::VoiceMail => PhoneType::Voicemail,
        _ => PhoneType::Unknown,
    }
}

/// What normalization learnt about a phone value, so that validation of
/// the normalized record need not parse it again: the value it stored
/// and what parsing the value gave.
#[derive(Clone, Debug)]
pub(crate) struct PhoneCheck {
    pub(crate) index: usize,
    pub(crate) stored: String,
    pub(crate) parsed: Result<ParsedPhone, PhoneError>,
}

/// The canonical form of a phone value: E.164 when it parses to a number
/// that is valid in its numbering plan; otherwise `None`. An extension is
/// not part of it: see [`ParsedPhone::extension`].
pub fn normalize(text: &str, region: Option<RegionCode>) -> Option<String> {
    parse(text, region).ok().filter(|p| p.valid).map(|p| p.e164)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn() -> Option<RegionCode> {
        RegionCode::new("CN")
    }

    #[test]
    fn many_spellings_of_one_number() {
        for text in [
            "13800138000",
            "138 0013 8000",
            "+86 138 0013 8000",
            "0086 138 0013 8000",
            "１３８００１３８０００",
            "tel:+86-138-0013-8000",
        ] {
            assert_eq!(
                normalize(text, cn()).as_deref(),
                Some("+8613800138000"),
                "{text}"
            );
        }
        let p = parse("13800138000", cn()).unwrap();
        assert_eq!(p.phone_type, PhoneType::Mobile);
        assert_eq!(p.region, RegionCode::new("CN"));
        assert!(p.valid);
    }

    #[test]
    fn extensions_types_and_regions() {
        let au = RegionCode::new("AU");
        assert_eq!(
            normalize("(02) 9374 4000", au).as_deref(),
            Some("+61293744000")
        );
        assert_eq!(
            normalize("+61 2 9374 4000 x 123", au).as_deref(),
            Some("+61293744000")
        );
        let p = parse("+61 2 9374 4000 x 123", au).unwrap();
        assert_eq!(p.extension.as_deref(), Some("123"));
        assert_eq!(p.canonical(), "+61293744000;ext=123");
        let p = parse("+1 800 555 0199", au).unwrap();
        assert_eq!(
            (p.phone_type, p.region),
            (PhoneType::TollFree, RegionCode::new("US"))
        );
        assert_eq!(
            parse("030 1234567", RegionCode::new("DE"))
                .unwrap()
                .phone_type,
            PhoneType::FixedLine
        );
    }

    #[test]
    fn every_thread_parses_alike_even_while_it_ends() {
        struct ParseOnDrop(std::sync::mpsc::Sender<Option<String>>);
        impl Drop for ParseOnDrop {
            fn drop(&mut self) {
                let _ = self.0.send(normalize("138 0013 8000", cn()));
            }
        }
        thread_local! {
            static LATE: std::cell::RefCell<Option<ParseOnDrop>> = const { std::cell::RefCell::new(None) };
        }
        let (tx, rx) = std::sync::mpsc::channel();
        // Short-lived threads one after another (utils handed on) and
        // several at once (one util each).
        for _ in 0..3 {
            std::thread::scope(|s| {
                for _ in 0..4 {
                    let tx = tx.clone();
                    s.spawn(move || {
                        // Set first, so it is dropped after this thread's util.
                        LATE.with(|late| *late.borrow_mut() = Some(ParseOnDrop(tx.clone())));
                        tx.send(normalize("0086 138 0013 8000", cn())).unwrap();
                    });
                }
            });
        }
        drop(tx);
        let all: Vec<_> = rx.iter().collect();
        assert_eq!(all.len(), 24);
        assert!(all.iter().all(|n| n.as_deref() == Some("+8613800138000")));
        // Twelve threads parsed, four at a time: no more own utils than
        // the limit, the other threads shared one.
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let made = OWN_UTILS_MADE.load(Ordering::Relaxed);
        assert!((1..=cores.min(MAX_OWN_UTILS)).contains(&made), "{made}");
    }

    #[test]
    fn e164_input_is_parsed_like_any_other() {
        // A national prefix written after the country code is dropped, as
        // libphonenumber does: the number is +49 201 2345678.
        assert_eq!(
            normalize("+4902012345678", None).as_deref(),
            Some("+492012345678")
        );
        assert_eq!(
            normalize("+49 0201 2345678", None),
            normalize("+4902012345678", None)
        );
        // Possible length but outside every range of the plan: not valid.
        let p = parse("+440201234567", None).unwrap();
        assert_eq!((p.possible, p.valid), (true, false));
        assert_eq!(normalize("+440201234567", None), None);
    }

    #[test]
    fn international_dialling_prefixes_of_the_default_region() {
        let de = RegionCode::new("DE");
        let us = RegionCode::new("US");
        assert_eq!(
            normalize("00 1 251 286 3193", de).as_deref(),
            Some("+12512863193")
        );
        assert_eq!(
            normalize("011 33 6 44 36 76 96", us).as_deref(),
            Some("+33644367696")
        );
        // 011 is not an international prefix in Germany.
        assert_eq!(normalize("011 33 6 44 36 76 96", de), None);
    }

    #[test]
    fn failures_say_why() {
        assert_eq!(parse("abc", cn()), Err(PhoneError::NotANumber));
        assert_eq!(parse("13800138000", None), Err(PhoneError::NoRegion));
        assert_eq!(normalize("123", cn()), None);
        assert!(!parse("123", cn()).unwrap().possible);
    }
}
