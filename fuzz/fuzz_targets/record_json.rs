#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| custodia_fuzz::record_json(data));
