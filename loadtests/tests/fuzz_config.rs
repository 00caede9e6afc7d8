//! The environments file never panics the loader: any text either loads or is refused with a
//! message, and the built-in file with one key changed is still handled.

use loadtests::config::Config;
use proptest::prelude::*;

const BUILT_IN: &str = include_str!("../environments.toml");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_text_loads_or_is_refused_without_a_panic(text in "\\PC{0,200}") {
        let _ = Config::parse(&text);
    }

    #[test]
    fn the_built_in_file_with_a_random_cut_or_splice_is_handled(
        at in 0usize..BUILT_IN.len(),
        len in 0usize..40,
        insert in "[a-z_\\[\\]=\" .<>()0-9]{0,12}",
    ) {
        let mut text = BUILT_IN.to_string();
        let start = (0..=at).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len).min(text.len());
        let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text.replace_range(start..end, &insert);
        if let Ok(c) = Config::parse(&text) {
            for name in c.environments.keys() {
                for suite in loadtests::Suite::ALL {
                    let _ = c.thresholds(suite.name(), name);
                }
            }
        }
    }
}
