#![no_main]

use std::sync::Once;

static QUIET_PANICS: Once = Once::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // `read_workbook` contains calamine's panics and reports the file as
    // malformed; libFuzzer's panic hook would abort on them before they are
    // caught, ending every run at the first such file. A panic that escapes
    // `read_workbook` still aborts in libfuzzer-sys's wrapper, so it is
    // still found.
    QUIET_PANICS.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    fuzz_entry::read_spreadsheet(data)
});
