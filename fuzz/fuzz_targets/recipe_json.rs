#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_entry::recipe_json(data));
