//! `infra.toml` at the project root: settings of the whole project, today where the
//! state lives (`[state]`). Without the file the state stays in `state/`.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::display_path;
use super::source::{Diagnostic, Loc, SourceFile};

pub const PROJECT_FILE: &str = "infra.toml";

/// Where the environments' state documents live.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StateBackend {
    /// `state/<env>.json` beside the manifests.
    #[default]
    Local,
    S3(S3Backend),
}

/// `backend = "s3"`: objects `<prefix>/<env>.json` and `<prefix>/<env>.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Backend {
    pub bucket: String,
    /// Without slashes at either end; empty puts the objects at the bucket's top.
    pub prefix: String,
    /// The bucket's region when it is not the run's.
    pub region: Option<String>,
    /// SSE-KMS with this key; without it SSE-S3.
    pub kms_key_id: Option<String>,
}

impl S3Backend {
    pub fn key(&self, environment: &str, suffix: &str) -> String {
        if self.prefix.is_empty() {
            format!("{environment}.{suffix}")
        } else {
            format!("{}/{environment}.{suffix}", self.prefix)
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    state: Option<Spanned<StateTable>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateTable {
    backend: Spanned<String>,
    bucket: Option<Spanned<String>>,
    prefix: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
    kms_key_id: Option<Spanned<String>>,
}

/// Read `infra.toml`; a missing file means the local backend.
pub fn load(root: &Path) -> Result<StateBackend, Vec<Diagnostic>> {
    let path = root.join(PROJECT_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StateBackend::Local),
        Err(e) => return Err(vec![Diagnostic::file(&display_path(root, &path), format!("cannot read: {e}"))]),
    };
    let file = SourceFile::new(display_path(root, &path), text);
    let at = |span: std::ops::Range<usize>, msg: String| Diagnostic::at(Loc::new(&file, span), msg);
    let parsed: File = toml::from_str(&file.text).map_err(|e| vec![at(e.span().unwrap_or(0..0), e.message().trim_end().to_string())])?;
    let Some(table) = parsed.state else { return Ok(StateBackend::Local) };
    let table_span = table.span();
    let table = table.into_inner();
    match table.backend.get_ref().as_str() {
        "local" => {
            let extra = [&table.bucket, &table.prefix, &table.region, &table.kms_key_id].into_iter().flatten().next();
            match extra {
                Some(v) => Err(vec![at(v.span(), format!("`{}` applies to backend = \"s3\" only", v.get_ref()))]),
                None => Ok(StateBackend::Local),
            }
        }
        "s3" => {
            let Some(bucket) = table.bucket else {
                return Err(vec![at(table_span, "backend = \"s3\" needs `bucket = \"NAME\"`".into())]);
            };
            let mut diags = Vec::new();
            if let Some(problem) = bucket_name_problem(bucket.get_ref()) {
                diags.push(at(bucket.span(), format!("bucket name `{}` {problem}", bucket.get_ref())));
            }
            let prefix = table.prefix.map(|p| p.into_inner().trim_matches('/').to_string()).unwrap_or_default();
            if diags.is_empty() {
                Ok(StateBackend::S3(S3Backend {
                    bucket: bucket.into_inner(),
                    prefix,
                    region: table.region.map(Spanned::into_inner),
                    kms_key_id: table.kms_key_id.map(Spanned::into_inner),
                }))
            } else {
                Err(diags)
            }
        }
        other => Err(vec![at(table.backend.span(), format!("unknown state backend `{other}`; expected \"local\" or \"s3\""))]),
    }
}

/// S3's naming rules for general purpose buckets, checked before any request.
fn bucket_name_problem(name: &str) -> Option<&'static str> {
    if !(3..=63).contains(&name.len()) {
        return Some("must be 3 to 63 characters long");
    }
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') {
        return Some("may hold only lowercase letters, digits, dots and hyphens");
    }
    let ends = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !ends(name.as_bytes()[0]) || !ends(name.as_bytes()[name.len() - 1]) {
        return Some("must start and end with a letter or digit");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<StateBackend, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PROJECT_FILE), text).unwrap();
        load(dir.path()).map_err(|d| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
    }

    #[test]
    fn the_documented_form_reads_and_mistakes_name_the_line() {
        let s3 =
            parse("[state]\nbackend = \"s3\"\nbucket = \"my-team-infra-state\"\nprefix = \"alex/\"\nregion = \"eu-west-1\"\n").unwrap();
        let StateBackend::S3(b) = s3 else { panic!("not s3") };
        assert_eq!(b.key("dev", "json"), "alex/dev.json");
        assert_eq!(b.region.as_deref(), Some("eu-west-1"));
        assert_eq!(parse("").unwrap(), StateBackend::Local);
        let err = parse("[state]\nbackend = \"s3\"\nbucket = \"My_Bucket\"\n").unwrap_err();
        assert!(err.contains("infra.toml:3") && err.contains("My_Bucket"), "{err}");
        let err = parse("[state]\nbackend = \"gcs\"\n").unwrap_err();
        assert!(err.contains("infra.toml:2") && err.contains("gcs"), "{err}");
        let err = parse("[state]\nbackend = \"s3\"\nbucket = \"b-1\"\nlock_table = \"t\"\n").unwrap_err();
        assert!(err.contains("infra.toml:4") && err.contains("lock_table"), "{err}");
    }
}
