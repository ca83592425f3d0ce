//! Property tests (test-only, at the crate root because they drive three layers: the
//! manifest loader, the graph and the pricing parser): the manifest loader, the `${...}` parser and the pricing expression
//! parser never panic, whatever they are given, and every error they report points at
//! a line of the input. Inputs that once broke them live in `tests/corpus/` and are
//! replayed here on every run (proptest also keeps the seeds of failures it finds in
//! `proptest-regressions/`).

use std::path::Path;

use proptest::prelude::*;

use crate::manifest::{expr, load, Diagnostic, LoadOptions};

/// Load one module file from a temporary project; must never panic.
fn load_text(text: &str) -> Result<usize, Vec<Diagnostic>> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("modules")).expect("mkdir");
    std::fs::write(dir.path().join("modules/m.toml"), text).expect("write");
    let opts = LoadOptions { root: dir.path().to_path_buf(), environment: "dev".into(), vars: vec![] };
    let project = load(&opts)?;
    crate::graph::Graph::build(&project)?;
    Ok(project.modules.len())
}

fn check_diagnostics(text: &str) {
    if let Err(diags) = load_text(text) {
        assert!(!diags.is_empty());
        for d in diags {
            let shown = d.to_string();
            assert!(shown.starts_with("modules/m.toml"), "every error names the file: {shown}");
        }
    }
}

/// Lines a manifest is made of, good and bad, to combine at random.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[module]".to_string()),
        Just("[variables]".to_string()),
        Just("[locals]".to_string()),
        Just("[outputs]".to_string()),
        "[resources\\.[a-z_]{1,6}]".prop_map(|s| s),
        "[data\\.[a-z]{1,4}]".prop_map(|s| s),
        prop::sample::select(vec![
            "type = \"sqs.queue\"",
            "type = \"lambda.function\"",
            "type = \"ec2.default_vpc\"",
            "type = \"nope\"",
            "type = 3",
            "depends_on = [\"resources.a\"]",
            "depends_on = \"x\"",
            "enabled = \"${var.on}\"",
            "wait_timeout = \"5m\"",
            "wait_timeout = \"soon\"",
            "name = \"${resources.a.arn}\"",
            "name = \"${module.m.out}\"",
            "name = \"${local.l}\"",
            "name = \"${var.x\"",
            "name = \"$${literal}\"",
            "redrive = { dead_letter_target_arn = \"${resources.b.arn}\", max_receive_count = 3 }",
            "visibility_timeout_seconds = \"${var.n}\"",
            "environment = { A = \"${aws.region}\" }",
            "x = 1",
            "on = true",
            "n = 1.5",
            "l = \"${resources.a.name}\"",
            "out = \"${resources.a.url}\"",
            "out = { value = \"${resources.a.url}\", sensitive = true }",
            "a = [1, \"two\", { three = 3 }]",
            "b = 1979-05-27",
            "c = 99999999999999999999",
            "= broken",
            "[[resources.a.body.widgets]]",
        ])
        .prop_map(str::to_string),
        "[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn the_loader_never_panics_on_manifest_like_text(lines in prop::collection::vec(fragment(), 0..30)) {
        check_diagnostics(&lines.join("\n"));
    }

    #[test]
    fn the_loader_never_panics_on_arbitrary_text(text in "\\PC{0,300}") {
        check_diagnostics(&text);
    }

    #[test]
    fn the_reference_parser_never_panics(text in "\\PC{0,80}") {
        let _ = expr::parse(&text);
    }

    #[test]
    fn references_round_trip(ns in prop::sample::select(vec!["var", "local", "resources", "data", "module", "aws"]),
                             a in "[a-z0-9_-]{1,8}", b in "[a-z0-9_-]{1,8}") {
        let text = match ns {
            "var" | "local" | "aws" => format!("${{{ns}.{a}}}"),
            _ => format!("${{{ns}.{a}.{b}}}"),
        };
        let t = expr::parse(&text).expect("valid reference");
        prop_assert_eq!(t.whole_reference().expect("one reference").to_string(), text);
    }

    #[test]
    fn the_pricing_expression_parser_never_panics(text in "[a-z0-9_.+*/() ,-]{0,40}") {
        if let Ok(e) = crate::cost::parse(&text) {
            let _ = e.eval(&|_| Some(1.0));
        }
    }
}

/// Every file in `tests/corpus/` loads without panicking and with located errors.
#[test]
fn the_corpus_of_past_failures_still_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("tests/corpus") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        check_diagnostics(&text);
        n += 1;
    }
    assert!(n > 0);
}
