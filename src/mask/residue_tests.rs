//! Key material must be gone from memory once the keys and maskers that
//! held it are dropped. These tests plant random keys, use them in every
//! way a masker does, drop everything, then read this process's own memory
//! (`/proc/self/maps`, `/proc/self/mem`) and look for the secrets.

use std::collections::hash_map::RandomState;
use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::{Read, Seek, SeekFrom};

use zeroize::Zeroizing;

use super::tests::storage_policy;
use super::*;

/// What the needles are stored as: XORed with this, so that the test's own
/// copy of a pattern is never the pattern itself.
const VEIL: u8 = 0xa5;

/// Random bytes from the standard library's per-process hash seeds,
/// written straight into zeroizing memory.
pub(crate) fn random_secret(len: usize) -> Zeroizing<Vec<u8>> {
    let mut secret = Zeroizing::new(vec![0u8; len]);
    for (i, chunk) in secret.chunks_mut(8).enumerate() {
        let mut h = RandomState::new().build_hasher();
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
    }
    secret
}

/// A pattern to look for, kept veiled.
pub(crate) struct Needle {
    what: String,
    veiled: Vec<u8>,
}

impl Needle {
    fn new(what: &str, bytes: &[u8], xor: u8) -> Self {
        let what = match xor {
            0 => what.to_owned(),
            0x36 => format!("{what} XOR ipad"),
            0x5c => format!("{what} XOR opad"),
            _ => format!("{what} XOR {xor:#04x}"),
        };
        Self {
            what,
            veiled: bytes.iter().map(|b| b ^ xor ^ VEIL).collect(),
        }
    }

    fn at(&self, hay: &[u8]) -> bool {
        hay.iter().zip(&self.veiled).all(|(h, v)| h ^ VEIL == *v)
    }
}

/// The needles for a secret: the bytes themselves and, as HMAC keys them,
/// XORed with the inner and outer pads.
fn needles(what: &str, secret: &[u8], out: &mut Vec<Needle>) {
    out.push(Needle::new(what, secret, 0));
    out.push(Needle::new(what, secret, 0x36));
    out.push(Needle::new(what, secret, 0x5c));
}

/// The needles for a key: its secret and the keys derived from it.
pub(crate) fn key_needles(key: &Key, out: &mut Vec<Needle>) {
    let of = format!("of `{}` ({} bytes)", key.id(), key.secret().len());
    needles(&format!("secret {of}"), key.secret(), out);
    // Derived the way a masker derives them, stack scrubbed alike.
    let (pseudonym, token, encrypt, siv, chain, refs) = state::scrubbed_deep(|| {
        (
            key.derive(keys::Purpose::Pseudonym).unwrap(),
            key.derive(keys::Purpose::Token).unwrap(),
            key.derive(keys::Purpose::Encrypt).unwrap(),
            key.derive(keys::Purpose::Siv).unwrap(),
            key.derive(keys::Purpose::AuditChain).unwrap(),
            key.derive(keys::Purpose::AuditRef).unwrap(),
        )
    });
    needles(&format!("audit chain key {of}"), &chain, out);
    needles(&format!("audit record key {of}"), &refs, out);
    needles(&format!("pseudonym key {of}"), &pseudonym, out);
    needles(&format!("token key {of}"), &token, out);
    needles(&format!("encryption key {of}"), &encrypt, out);
    // AES-SIV keys its MAC with the first half and CTR with the second.
    needles(&format!("SIV MAC key {of}"), &siv[..32], out);
    needles(&format!("SIV CTR key {of}"), &siv[32..], out);
}

/// Encrypts, reveals and rewraps the way a storage run does, with the
/// field cipher too, and drops it all.
fn exercise_encryption(ring: KeyRing) {
    let old = ring.get("crypt-old").unwrap().clone();
    let masker = Masker::new(&Schema::customer(), &storage_policy(), ring.clone()).unwrap();
    let record = customer_record();
    let stored = masker.mask(&record, "storage").unwrap();
    for audience in ["auditor", "support", "analytics"] {
        masker.reveal(stored.clone(), audience).unwrap();
    }
    // A value under the old key, rewrapped.
    let old_cipher =
        FieldCipher::new(KeyRing::new().with(old.decrypt_only(false)), "crypt-old").unwrap();
    let mut aged = stored;
    let phone = old_cipher
        .encrypt("phone", "c-1", "+8613812345678")
        .unwrap();
    aged.set("phone", phone.as_str()).unwrap();
    masker.rewrap(aged, "storage").unwrap();
    let cipher = FieldCipher::new(ring, "crypt").unwrap();
    let moved = cipher.rewrap("phone", "c-1", &phone).unwrap();
    drop(cipher.decrypt("phone", "c-1", &moved).unwrap());
    drop(
        cipher
            .encrypt_deterministic("email", "c-1", "a@b.cn")
            .unwrap(),
    );
    drop((cipher, old_cipher, masker));
}

/// Reads every readable mapping of this process and reports which needles
/// occur where.
pub(crate) fn scan(needles: &[Needle]) -> Vec<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mut mem = File::open("/proc/self/mem").unwrap();
    let longest = needles.iter().map(|n| n.veiled.len()).max().unwrap_or(1);
    let mut found = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut first = [false; 256];
    for needle in needles {
        first[usize::from(needle.veiled[0] ^ VEIL)] = true;
    }
    for line in maps.lines() {
        let mut parts = line.split_whitespace();
        let (Some(range), Some(perms)) = (parts.next(), parts.next()) else {
            continue;
        };
        let name = parts.nth(3).unwrap_or("");
        // Writable memory is where secrets are left behind; read-only
        // mappings are the program's code and constants.
        if !perms.starts_with("rw") || name == "[vvar]" || name == "[vsyscall]" {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        let start = u64::from_str_radix(start, 16).unwrap();
        let end = u64::from_str_radix(end, 16).unwrap();
        let mut at = start;
        while at < end {
            let want = ((end - at) as usize).min(buf.len());
            let read = mem
                .seek(SeekFrom::Start(at))
                .and_then(|_| mem.read(&mut buf[..want]));
            let Ok(n) = read else { break };
            if n == 0 {
                break;
            }
            let hay = &buf[..n];
            for i in 0..n {
                if !first[usize::from(hay[i])] {
                    continue;
                }
                for needle in needles {
                    if hay[i] ^ VEIL == needle.veiled[0]
                        && i + needle.veiled.len() <= n
                        && needle.at(&hay[i..])
                    {
                        found.push(format!("{} at {:#x} in {line}", needle.what, at + i as u64));
                    }
                }
            }
            // Overlap so that a pattern across two reads is seen.
            let step = if n > longest { n - longest + 1 } else { n };
            at += step as u64;
        }
    }
    found
}

fn customer_record() -> Record {
    Record::from_json(
        &Schema::customer(),
        r#"{"customer_id": "c-1", "full_name": "欧阳娜娜", "email": "nana@example.com",
            "phone": "+8613812345678", "birth_date": "1990-06-15", "postcode": "200040",
            "national_id": "11010519491231002X", "payment_card": "4111111111111111",
            "iban": "DE89370400440532013000"}"#,
    )
    .unwrap()
}

/// Uses a key ring the way a masking run does, and drops it all.
fn exercise(ring: KeyRing) {
    let masker = Masker::new(&Schema::customer(), &Policy::customer(), ring).unwrap();
    let copy = masker.clone();
    let record = customer_record();
    for audience in ["support", "analytics", "auditor"] {
        let masked = copy.mask(&record, audience).unwrap();
        masker.detokenize(masked, audience).unwrap();
    }
    drop(copy);
    drop(masker);
}

#[test]
fn keys_are_gone_after_drop() {
    let mut planted = Vec::new();
    for len in [16, 24, 32] {
        let pseudonym = random_secret(len);
        let token = random_secret(len);
        let ring = KeyRing::new()
            .with(Key::new("pseudonym", &pseudonym).unwrap())
            .with(Key::new("token", &token).unwrap());
        drop((pseudonym, token));
        for key in ring.keys() {
            key_needles(key, &mut planted);
        }
        exercise(ring);
    }
    // From a keys file, as the command-line tool reads them.
    let pseudonym = random_secret(32);
    let token = random_secret(24);
    let hex = |s: &[u8]| -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::with_capacity(2 * s.len()));
        for b in s {
            for nibble in [b >> 4, b & 0xf] {
                out.push(char::from_digit(u32::from(nibble), 16).unwrap());
            }
        }
        out
    };
    let mut json = Zeroizing::new(String::from("{"));
    for (i, (id, secret)) in [("pseudonym", &pseudonym), ("token", &token)]
        .iter()
        .enumerate()
    {
        json.push_str(if i == 0 { "\"" } else { ", \"" });
        json.push_str(id);
        json.push_str("\": \"");
        json.push_str(&hex(secret));
        json.push('"');
    }
    json.push('}');
    drop((pseudonym, token));
    let ring = KeyRing::from_json(&json).unwrap();
    drop(json);
    for key in ring.keys() {
        key_needles(key, &mut planted);
    }
    exercise(ring);
    // Field encryption, with a decrypt-only key after a rotation.
    let crypt = random_secret(32);
    let old = random_secret(32);
    let ring = KeyRing::new()
        .with(Key::new("pseudonym", &random_secret(32)).unwrap())
        .with(Key::new("token", &random_secret(16)).unwrap())
        .with(Key::new("crypt", &crypt).unwrap())
        .with(Key::new("crypt-old", &old).unwrap().decrypt_only(true));
    drop((crypt, old));
    for key in ring.keys() {
        key_needles(key, &mut planted);
    }
    exercise_encryption(ring);
    // FF1 with a secret as it is (the NIST vectors' way).
    let raw = Key::new("raw", &random_secret(32)).unwrap();
    needles("raw FF1 key", raw.secret(), &mut planted);
    token::ff1(&raw, 10, b"", &[1, 2, 3, 4, 5, 6, 7], false).unwrap();
    drop(raw);

    let found = scan(&planted);
    assert!(
        found.is_empty(),
        "{} copies left:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_scan_finds_a_live_key() {
    let secret = random_secret(32);
    let mut planted = Vec::new();
    needles("live secret", &secret, &mut planted);
    let key = Key::new("live", &secret).unwrap();
    drop(secret);
    let found = scan(&planted);
    assert!(
        !found.is_empty(),
        "the scan must see the key while it is alive"
    );
    drop(key);
}

/// Fills 256 KiB of stack below the caller's frame with a pattern.
#[inline(never)]
fn paint() {
    let area = [0xabu8; 256 * 1024];
    std::hint::black_box(&area);
}

/// How deep below this function's frame `f` wrote to the stack: the stack
/// is painted first, then read back through `/proc/self/mem`.
#[inline(never)]
fn depth_of(f: impl FnOnce()) -> usize {
    let local = 0u8;
    let top = std::hint::black_box(&local) as *const u8 as usize;
    paint();
    f();
    let mut stack = vec![0u8; 256 * 1024];
    let mut mem = File::open("/proc/self/mem").unwrap();
    mem.seek(SeekFrom::Start((top - stack.len()) as u64))
        .unwrap();
    mem.read_exact(&mut stack).unwrap();
    let lowest = stack.iter().position(|&b| b != 0xab).unwrap_or(stack.len());
    stack.len() - lowest
}

/// The stack scrubs reach below the deepest frames of the calls they
/// clear up after (if a dependency starts to go deeper, this fails before
/// a key is left behind).
#[test]
fn scrubs_reach_deeper_than_the_calls_go() {
    let ring = KeyRing::new()
        .with(Key::new("pseudonym", &random_secret(32)).unwrap())
        .with(Key::new("token", &random_secret(16)).unwrap())
        .with(Key::new("crypt", &random_secret(32)).unwrap());
    let expand = depth_of(|| drop(state::KeyStates::expand_all(&ring).unwrap()));
    let masker = Masker::new(&Schema::customer(), &storage_policy(), ring).unwrap();
    let record = masker
        .normalizer
        .normalize(&customer_record())
        .unwrap()
        .record;
    let mut deepest = 0;
    for audience in ["analytics", "auditor"] {
        let ops = masker.audiences[audience].as_slice();
        let masked = masker.apply(ops, record.clone()).unwrap();
        let depth = depth_of(|| drop(masker.apply_fields(ops, record.clone(), &[]).unwrap()));
        eprintln!("{audience}: {depth} bytes");
        deepest = deepest.max(depth);
        let depth = depth_of(|| drop(masker.detokenize_fields(ops, masked).unwrap()));
        deepest = deepest.max(depth);
    }
    // Encrypting, revealing and rewrapping go deeper, and are scrubbed
    // deeper.
    let storage = masker.audiences["storage"].as_slice();
    let mut crypt = depth_of(|| drop(masker.apply_fields(storage, record.clone(), &[]).unwrap()));
    let stored = masker
        .mask_normalized(Normalized::stored(record.clone()), "storage")
        .unwrap();
    let ops = masker.audiences["auditor"].as_slice();
    crypt = crypt.max(depth_of(|| {
        drop(
            masker
                .reveal_fields(ops, "auditor", stored.clone())
                .unwrap(),
        )
    }));
    crypt = crypt.max(depth_of(|| {
        drop(masker.rewrap_fields(storage, stored.clone()).unwrap())
    }));
    eprintln!("encrypting and revealing: {crypt} bytes");
    assert!(
        crypt < state::CRYPT_WORDS * 8,
        "encrypting a record: {crypt} bytes"
    );
    eprintln!("expanding: {expand} bytes, masking: {deepest} bytes");
    assert!(
        expand < state::EXPAND_WORDS * 8,
        "expanding keys: {expand} bytes"
    );
    assert!(
        deepest < state::CALL_WORDS * 8,
        "masking a record: {deepest} bytes"
    );
    // What a scrubbed call leaves: nothing below, as deep as the scrub.
    let ops = masker.audiences["auditor"].as_slice();
    assert!(depth_of(|| drop(masker.apply(ops, record.clone()))) >= state::CALL_WORDS * 8);
}
