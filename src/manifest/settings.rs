//! `infra.toml` at the project root: settings of the whole project: where the state
//! lives (`[state]`; without it `state/`) and the AWS account and region of each
//! environment (`[env.NAME]`; without it the usual credential chain).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

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

/// Everything `infra.toml` holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub state: StateBackend,
    /// `[env.NAME]` tables by environment name.
    pub environments: BTreeMap<String, EnvSettings>,
}

/// `[env.NAME]`: where one environment runs. What the command line gives (`--profile`,
/// `--region`) wins over it; it wins over `AWS_PROFILE` and `AWS_REGION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvSettings {
    pub credentials: Option<EnvCredentials>,
    pub region: Option<String>,
    /// `infra.toml:LINE [env.NAME]`, for messages about these settings.
    pub origin: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvCredentials {
    /// A profile of the shared config files.
    Profile(String),
    /// A role assumed through STS, the usual credential chain being the source.
    Role(RoleSettings),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSettings {
    pub arn: String,
    pub external_id: Option<String>,
    /// Defaults to `infra-<env>`: CloudTrail then shows which environment acted.
    pub session_name: String,
    /// The session's length; STS's default (one hour) without it.
    pub duration: Option<Duration>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    state: Option<Spanned<StateTable>>,
    env: Option<BTreeMap<Spanned<String>, Spanned<EnvTable>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvTable {
    profile: Option<Spanned<String>>,
    role_arn: Option<Spanned<String>>,
    external_id: Option<Spanned<String>>,
    session_name: Option<Spanned<String>>,
    duration: Option<Spanned<String>>,
    region: Option<Spanned<String>>,
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

/// Where the state lives, from `infra.toml`; a missing file means the local backend.
pub fn load(root: &Path) -> Result<StateBackend, Vec<Diagnostic>> {
    load_settings(root).map(|s| s.state)
}

/// Read and check all of `infra.toml`; a missing file means the defaults.
pub fn load_settings(root: &Path) -> Result<Settings, Vec<Diagnostic>> {
    let path = root.join(PROJECT_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
        Err(e) => return Err(vec![Diagnostic::file(&display_path(root, &path), format!("cannot read: {e}"))]),
    };
    let file = SourceFile::new(display_path(root, &path), text);
    let at = |span: std::ops::Range<usize>, msg: String| Diagnostic::at(Loc::new(&file, span), msg);
    let parsed: File = toml::from_str(&file.text).map_err(|e| vec![at(e.span().unwrap_or(0..0), e.message().trim_end().to_string())])?;
    let state = state_backend(parsed.state, &at);
    let environments = environments(parsed.env.unwrap_or_default(), &file, &at);
    match (state, environments) {
        (Ok(state), Ok(environments)) => Ok(Settings { state, environments }),
        (state, environments) => Err(state.err().into_iter().chain(environments.err()).flatten().collect()),
    }
}

fn state_backend(
    table: Option<Spanned<StateTable>>,
    at: &impl Fn(std::ops::Range<usize>, String) -> Diagnostic,
) -> Result<StateBackend, Vec<Diagnostic>> {
    let Some(table) = table else { return Ok(StateBackend::Local) };
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

fn environments(
    tables: BTreeMap<Spanned<String>, Spanned<EnvTable>>,
    file: &std::sync::Arc<SourceFile>,
    at: &impl Fn(std::ops::Range<usize>, String) -> Diagnostic,
) -> Result<BTreeMap<String, EnvSettings>, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let mut out = BTreeMap::new();
    for (name, table) in tables {
        let before = diags.len();
        if let Err(e) = super::check_environment_name(name.get_ref()) {
            diags.push(at(name.span(), format!("[env.{}]: {e}", name.get_ref())));
        }
        let name = name.into_inner();
        let origin = format!("{}:{} [env.{name}]", file.display.display(), file.line_col(table.span().start).0);
        let table = table.into_inner();
        let mut problem = |value: &Spanned<String>, msg: String| diags.push(at(value.span(), msg));
        if let (Some(profile), Some(role)) = (&table.profile, &table.role_arn) {
            problem(
                role,
                format!(
                    "[env.{name}] names both profile = \"{}\" and role_arn = \"{}\"; give one (a profile may itself assume a role)",
                    profile.get_ref(),
                    role.get_ref()
                ),
            );
        }
        if table.role_arn.is_none() {
            for (key, value) in [("external_id", &table.external_id), ("session_name", &table.session_name), ("duration", &table.duration)]
            {
                if let Some(v) = value {
                    problem(v, format!("[env.{name}]: `{key} = \"{}\"` applies only with `role_arn`", v.get_ref()));
                }
            }
        }
        if let Some(p) = table.profile.as_ref().filter(|p| p.get_ref().trim().is_empty()) {
            problem(p, format!("[env.{name}]: `profile` is empty"));
        }
        if let Some(arn) = &table.role_arn {
            if !is_role_arn(arn.get_ref()) {
                problem(
                    arn,
                    format!(
                        "[env.{name}]: `role_arn = \"{}\"` is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)",
                        arn.get_ref()
                    ),
                );
            }
        }
        if let Some(id) = &table.external_id {
            if !(2..=1224).contains(&id.get_ref().len()) || !id.get_ref().chars().all(|c| sts_char(c) || c == ':' || c == '/') {
                problem(id, format!("[env.{name}]: `external_id = \"{}\"` must be 2 to 1224 letters, digits or +=,.@:/_-", id.get_ref()));
            }
        }
        if let Some(s) = &table.session_name {
            if !(2..=64).contains(&s.get_ref().len()) || !s.get_ref().chars().all(sts_char) {
                problem(s, format!("[env.{name}]: `session_name = \"{}\"` must be 2 to 64 letters, digits or +=,.@_-", s.get_ref()));
            }
        }
        let mut duration = None;
        if let Some(d) = &table.duration {
            match humantime::parse_duration(d.get_ref()) {
                Ok(v) if (Duration::from_secs(900)..=Duration::from_secs(12 * 3600)).contains(&v) => duration = Some(v),
                Ok(_) => problem(d, format!("[env.{name}]: `duration = \"{}\"` must be between 15m and 12h (STS's limits)", d.get_ref())),
                Err(_) => problem(d, format!("[env.{name}]: `duration = \"{}\"` is not a duration such as \"1h\" or \"45m\"", d.get_ref())),
            }
        }
        if let Some(r) = &table.region {
            if !is_region(r.get_ref()) {
                problem(r, format!("[env.{name}]: `region = \"{}\"` is not an AWS region name such as \"eu-west-1\"", r.get_ref()));
            }
        }
        if diags.len() > before {
            continue;
        }
        let credentials = match (table.profile, table.role_arn) {
            (Some(profile), _) => Some(EnvCredentials::Profile(profile.into_inner())),
            (None, Some(arn)) => Some(EnvCredentials::Role(RoleSettings {
                arn: arn.into_inner(),
                external_id: table.external_id.map(Spanned::into_inner),
                session_name: table.session_name.map(Spanned::into_inner).unwrap_or_else(|| format!("infra-{name}")),
                duration,
            })),
            (None, None) => None,
        };
        out.insert(name, EnvSettings { credentials, region: table.region.map(Spanned::into_inner), origin });
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`, which is what STS accepts.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [scheme, partition, service, region, account, resource] = parts[..] else { return false };
    let name = resource.strip_prefix("role/").map(|r| r.rsplit('/').next().unwrap_or_default()).unwrap_or_default();
    scheme == "arn"
        && partition.starts_with("aws")
        && partition.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (1..=64).contains(&name.len())
        && name.chars().all(sts_char)
}

/// The characters STS allows in session names (and, with `:` and `/`, external ids).
fn sts_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`: letters in parts, a number last.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
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

    fn envs(text: &str) -> Result<BTreeMap<String, EnvSettings>, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PROJECT_FILE), text).unwrap();
        load_settings(dir.path()).map(|s| s.environments).map_err(|d| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
    }

    #[test]
    fn environments_name_a_profile_or_a_role_and_mistakes_name_the_line_and_value() {
        let all = envs(
            "[state]\nbackend = \"local\"\n\n[env.dev]\nprofile = \"dev-admin\"\nregion = \"eu-west-1\"\n\n[env.prod]\n\
             role_arn = \"arn:aws:iam::111111111111:role/ci/deploy\"\nexternal_id = \"team-42\"\nduration = \"2h\"\n",
        )
        .unwrap();
        assert_eq!(all["dev"].credentials, Some(EnvCredentials::Profile("dev-admin".into())));
        assert_eq!(all["dev"].region.as_deref(), Some("eu-west-1"));
        assert_eq!(all["dev"].origin, "infra.toml:4 [env.dev]");
        let Some(EnvCredentials::Role(role)) = &all["prod"].credentials else { panic!("prod assumes a role") };
        assert_eq!(role.arn, "arn:aws:iam::111111111111:role/ci/deploy");
        assert_eq!(role.session_name, "infra-prod", "the default names the environment");
        assert_eq!((role.external_id.as_deref(), role.duration), (Some("team-42"), Some(Duration::from_secs(7200))));
        assert_eq!(all["prod"].region, None);

        for (text, line, value) in [
            ("[env.prod]\nprofile = \"p\"\nrole_arn = \"arn:aws:iam::111111111111:role/deploy\"\n", 3, "both profile = \"p\""),
            ("[env.prod]\nrole_arn = \"arn:aws:iam::11111111111:role/deploy\"\n", 2, "arn:aws:iam::11111111111:role/deploy"),
            ("[env.prod]\nrole_arn = \"arn:aws:iam::111111111111:user/deploy\"\n", 2, "is not an IAM role ARN"),
            ("[env.prod]\nrole_arn = \"arn:aws:iam::111111111111:role/deploy\"\nrolearn = \"x\"\n", 3, "rolearn"),
            ("[env.prod]\nprofile = \"p\"\nexternal_id = \"x1\"\n", 3, "`external_id = \"x1\"` applies only with `role_arn`"),
            ("[env.prod]\nrole_arn = \"arn:aws:iam::111111111111:role/deploy\"\nduration = \"13h\"\n", 3, "13h"),
            ("[env.prod]\nrole_arn = \"arn:aws:iam::111111111111:role/deploy\"\nsession_name = \"a b\"\n", 3, "a b"),
            ("[env.prod]\nregion = \"Europe\"\n", 2, "Europe"),
            ("[env.\"../x\"]\nregion = \"eu-west-1\"\n", 1, "../x"),
        ] {
            let err = envs(text).unwrap_err();
            assert!(err.contains(&format!("infra.toml:{line}:")) && err.contains(value), "{text}\n---\n{err}");
        }
    }
}
