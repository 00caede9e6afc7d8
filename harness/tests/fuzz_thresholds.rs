//! The threshold grammar never panics, whatever it is given: every input either parses or is
//! refused with a reason that quotes what was wrong.

use harness::threshold::{parse_expression, parse_selector};
use proptest::prelude::*;

/// Strings made of the grammar's own pieces, so the parser's deeper paths are reached.
fn threshold_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("p(".to_string()),
        Just(")".to_string()),
        Just("avg".to_string()),
        Just("rate".to_string()),
        Just("count".to_string()),
        Just("<".to_string()),
        Just("<=".to_string()),
        Just("===".to_string()),
        Just("!=".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just(":".to_string()),
        Just(",".to_string()),
        "[0-9.eE+-]{0,8}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn an_expression_parses_or_is_refused_without_a_panic(input in threshold_like()) {
        if let Ok(e) = parse_expression(&input) {
            prop_assert!(e.value.is_finite());
            // What parsed prints back as something that parses to the same.
            prop_assert_eq!(parse_expression(&e.to_string()).unwrap(), e);
        }
    }

    #[test]
    fn a_selector_parses_or_is_refused_without_a_panic(input in threshold_like()) {
        if let Ok(s) = parse_selector(&input) {
            prop_assert!(!s.metric.is_empty());
        }
    }

    #[test]
    fn any_text_at_all_is_handled(input in "\\PC*") {
        let _ = parse_expression(&input);
        let _ = parse_selector(&input);
    }
}
