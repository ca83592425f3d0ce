//! `infra`: a native AWS provisioning tool. TOML module manifests are resolved into one
//! dependency graph across modules, reconciled against live AWS by an async executor,
//! and recorded in a local JSON state.
//!
//! Layers, each using only those below it (checked by the test at the end):
//! `cli` → `ops` → `engine` → `plan` → `state` / `graph` / `cost` → `manifest` →
//! `resources` → `aws`; `schema` and `secrets` are used by all, `printer` by `ops`
//! and `cli` only. `resources`, `aws`, `schema` and `secrets` are the crate
//! `infra-resources` (crates/resources), re-exported here under those names.

pub use infra_resources::{self as resources, aws, schema, secrets};

pub mod cli;
pub mod cost;
pub mod engine;
#[cfg(test)]
mod fuzz;
pub mod graph;
pub mod manifest;
pub mod ops;
pub mod plan;
pub mod printer;
pub mod state;

#[cfg(test)]
mod layers {
    /// Which of the crate's modules each module may use. A lower layer importing a
    /// higher one fails here with the file and the import.
    const ALLOWED: &[(&str, &[&str])] = &[
        ("secrets", &[]),
        ("schema", &[]),
        ("printer", &["secrets"]),
        ("aws", &[]),
        ("resources", &["aws", "schema", "secrets"]),
        ("manifest", &["resources", "schema", "secrets"]),
        ("graph", &["manifest"]),
        ("state", &["aws", "manifest", "schema"]),
        ("cost", &["manifest", "resources", "schema"]),
        ("plan", &["aws", "graph", "manifest", "resources", "schema", "secrets", "state"]),
        ("engine", &["aws", "graph", "manifest", "plan", "resources", "schema", "secrets", "state"]),
        ("ops", &["aws", "cost", "engine", "graph", "manifest", "plan", "printer", "resources", "schema", "secrets", "state"]),
        ("cli", &["ops", "printer"]),
    ];

    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The module a file belongs to: its first path component under `src/`; in the
    /// resources crate, `aws`, `schema` and `secrets` by theirs and every other file
    /// `resources` (that crate's root is the `resources` module).
    fn module_of(first: &str, resources_crate: bool) -> String {
        match (resources_crate, first) {
            (true, "aws" | "schema" | "secrets") | (false, _) => first.to_string(),
            (true, _) => "resources".to_string(),
        }
    }

    #[test]
    fn lower_layers_never_import_higher_ones() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut violations = Vec::new();
        for (dir, resources_crate) in [("src", false), ("crates/resources/src", true)] {
            let src = root.join(dir);
            let mut all = Vec::new();
            files(&src, &mut all);
            for path in all {
                let rel = path.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
                let module = module_of(rel.split(['/', '.']).next().unwrap_or_default(), resources_crate);
                let Some((_, allowed)) = ALLOWED.iter().find(|(m, _)| *m == module) else { continue };
                let text = std::fs::read_to_string(&path).unwrap();
                // Test code may reach across layers to set things up, whole test files too.
                let stem = path.file_stem().unwrap_or_default().to_string_lossy().to_string();
                let parent = std::fs::read_to_string(path.with_file_name("mod.rs")).unwrap_or_default();
                if parent.contains(&format!("#[cfg(test)]\nmod {stem};")) {
                    continue;
                }
                let text = text.split("#[cfg(test)]").next().unwrap_or_default();
                for (i, line) in text.lines().enumerate() {
                    for used in line.split("crate::").skip(1) {
                        let name: String = used.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                        if used[name.len()..].starts_with('!') {
                            continue;
                        }
                        let target = if resources_crate { module_of(&name, true) } else { name };
                        let known = ALLOWED.iter().any(|(m, _)| *m == target);
                        if target != module && known && !allowed.contains(&target.as_str()) {
                            violations.push(format!("{dir}/{rel}:{}: {module} uses {target}", i + 1));
                        }
                    }
                }
            }
        }
        assert!(violations.is_empty(), "layer violations:\n{}", violations.join("\n"));
    }
}
