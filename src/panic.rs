//! A panic hook that says where, never what.
//!
//! Rust's default hook prints a panic's message to standard error, and a
//! message may quote the text being processed (a third-party crate slicing
//! a string prints the string). custodia processes customer data, so the
//! command-line tool and the C library replace that hook with one that
//! prints only the place of the panic. Rust programs that embed the crate
//! may call [`install_panic_hook`] too.

use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    /// Where the last panic on this thread happened, for the C layer's
    /// error message.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Replaces the process's panic hook, once, with one that writes
/// `custodia: internal error at FILE:LINE` to standard error and nothing
/// of the panic's message. Later calls do nothing. The previous hook is
/// dropped: the message it would print may carry a customer value.
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let place = info.location().map_or_else(
                || "an unknown place".to_owned(),
                |l| format!("{}:{}", short_path(l.file()), l.line()),
            );
            LAST_PANIC.with(|last| {
                if let Ok(mut last) = last.try_borrow_mut() {
                    *last = Some(place.clone());
                }
            });
            // Standard error may be closed; there is nowhere else to say it.
            let _ = std::io::Write::write_all(
                &mut std::io::stderr(),
                format!("custodia: internal error at {place} (the data involved is not shown)\n")
                    .as_bytes(),
            );
        }));
    });
}

/// Where the last panic on this thread happened (`file:line`), if the
/// hook of [`install_panic_hook`] saw it. Taking it clears it.
pub fn take_last_panic() -> Option<String> {
    LAST_PANIC.with(|last| last.try_borrow_mut().ok().and_then(|mut l| l.take()))
}

/// A source path without the build machine's directories: from the crate
/// directory of a dependency (`rphonetic-4.0.0/src/...`), or from `src/`.
fn short_path(file: &str) -> &str {
    let file = file
        .rsplit_once("/registry/src/")
        .map_or(file, |(_, rest)| rest);
    // `index.crates.io-HASH/crate-version/src/...`
    let file = match file.split_once('/') {
        Some((index, rest)) if index.starts_with("index.") => rest,
        _ => file,
    };
    match file.find("/rustc/") {
        Some(_) => file.rsplit_once("/library/").map_or(file, |(_, rest)| rest),
        None => file,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_the_build_machine() {
        assert_eq!(
            short_path(
                "/home/u/.cargo/registry/src/index.crates.io-1949cf8c/rphonetic-4.0.0/src/a.rs"
            ),
            "rphonetic-4.0.0/src/a.rs"
        );
        assert_eq!(short_path("src/dedupe/names.rs"), "src/dedupe/names.rs");
        assert_eq!(
            short_path("/rustc/5980761/library/core/src/str/mod.rs"),
            "core/src/str/mod.rs"
        );
    }
}
