//! AWS's documented rules for names and values (lengths, characters, ranges, CIDRs,
//! ARNs), as data a property declares with `check(...)`. The same rule runs at
//! `validate` (with the file and line of the value) and before any call to AWS, so a bad
//! name never leaves a half-built resource behind, and the reference shows the rule.

use serde_json::Value;

/// Which characters a name may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chars {
    /// `a-z 0-9 . -` (S3 bucket names).
    LowerDotDash,
    /// `A-Z a-z 0-9 - _` (SQS queues, Lambda functions, dashboards).
    AlnumDashUnderscore,
    /// `A-Z a-z 0-9 -` (RDS identifiers, SageMaker names).
    AlnumDash,
    /// `A-Z a-z 0-9 + = , . @ - _` (IAM names).
    Iam,
    /// `A-Z a-z 0-9 / _ + = . @ -` (Secrets Manager names).
    Secret,
    /// `A-Z a-z 0-9 . - _ / #` (CloudWatch Logs group names).
    LogGroup,
    /// `a-z 0-9 . _ - /` (ECR repository names).
    Ecr,
    /// `A-Z a-z 0-9 - _ .` (Scheduler names).
    AlnumDashUnderscoreDot,
    /// `A-Z a-z 0-9 _` (Bedrock AgentCore runtime names).
    AlnumUnderscore,
    /// `A-Z a-z 0-9 -`, beginning with a letter, no `--`, no `-` at the end (RDS identifiers).
    RdsIdentifier,
    /// `A-Z a-z 0-9 _`, beginning with a letter (database user names).
    DbUser,
    /// `A-Z a-z 0-9 -`, beginning and ending with a letter or digit (SageMaker names).
    SageMaker,
    /// `A-Z a-z 0-9 - _`, beginning with a letter or digit (App Runner service names).
    AppRunner,
    /// `A-Z a-z 0-9 _`, beginning with a letter (Bedrock AgentCore runtime names).
    AgentRuntime,
    /// `A-Z a-z 0-9 . _ - : / ( ) # , @ [ ] + = & ; { } ! $ *` and space (security groups).
    SecurityGroup,
    /// Printable ASCII, tab, line breaks and Latin-1 letters (IAM descriptions).
    Latin1,
    /// Anything but `:` and `*`; `/` only between other characters (Logs resource policies).
    LogsPolicy,
    /// Anything but `:` and `*` (Logs metric filter names).
    NoColonStar,
    /// `A-Z a-z 0-9 / . - _` (EventBridge event bus names).
    EventBus,
    /// `alias/`, then `A-Z a-z 0-9 / _ -` (KMS aliases; `alias/aws/` is AWS's own).
    KmsAlias,
    /// Any character but whitespace (Lambda handlers).
    NoSpace,
    /// Anything but whitespace, control characters, brackets, backquotes and `?*"#%\^|~$&,;:/` (Step Functions names).
    StepFunctions,
    /// Any character: only the length is ruled.
    Any,
}

impl Chars {
    fn allows(self, c: char) -> bool {
        let alnum = c.is_ascii_alphanumeric();
        match self {
            Chars::LowerDotDash => c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-',
            Chars::AlnumDashUnderscore => alnum || c == '-' || c == '_',
            Chars::AlnumDash => alnum || c == '-',
            Chars::Iam => alnum || "+=,.@-_".contains(c),
            Chars::Secret => alnum || "/_+=.@-".contains(c),
            Chars::LogGroup => alnum || "._-/#".contains(c),
            Chars::Ecr => c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c),
            Chars::AlnumDashUnderscoreDot => alnum || "-_.".contains(c),
            Chars::AlnumUnderscore | Chars::AgentRuntime | Chars::DbUser => alnum || c == '_',
            Chars::RdsIdentifier | Chars::SageMaker => alnum || c == '-',
            Chars::AppRunner => alnum || c == '-' || c == '_',
            Chars::SecurityGroup => alnum || " ._-:/()#,@[]+=&;{}!$*".contains(c),
            Chars::Latin1 => matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{a1}'..='\u{ff}'),
            Chars::LogsPolicy | Chars::NoColonStar => c != ':' && c != '*',
            Chars::EventBus => alnum || "/.-_".contains(c),
            Chars::KmsAlias => alnum || "/_-".contains(c),
            Chars::NoSpace => !c.is_whitespace(),
            Chars::StepFunctions => !c.is_whitespace() && !c.is_control() && !"<>{}[]?*\"#%\\^|~`$&,;:/".contains(c),
            Chars::Any => true,
        }
    }

    /// Where the characters may stand, beyond which they are: `Err` says what is wrong.
    fn shape(self, what: &str, s: &str) -> Result<(), String> {
        let first = s.chars().next();
        let last = s.chars().last();
        let letter = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
        let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        let fail = |rule: &str| Err(format!("{what} `{s}` {rule}"));
        match self {
            Chars::LowerDotDash => bucket_rules(s),
            Chars::Ecr => ecr_rules(s),
            Chars::RdsIdentifier if !letter(first) => fail("must begin with a letter"),
            Chars::RdsIdentifier if s.contains("--") || last == Some('-') => fail("must not contain `--` or end with `-`"),
            Chars::DbUser | Chars::AgentRuntime if !letter(first) => fail("must begin with a letter"),
            Chars::SageMaker if !alnum(first) || !alnum(last) => fail("must begin and end with a letter or digit"),
            Chars::AppRunner if !alnum(first) => fail("must begin with a letter or digit"),
            Chars::LogsPolicy if first == Some('/') || last == Some('/') || s.contains("//") => {
                fail("must not begin or end with `/` or contain `//`")
            }
            Chars::KmsAlias => match s.strip_prefix("alias/") {
                Some(rest) if rest.starts_with("aws/") => fail("must not begin with `alias/aws/` (AWS's own aliases)"),
                Some(rest) if !rest.is_empty() => Ok(()),
                _ => fail("must be `alias/` followed by a name"),
            },
            _ => Ok(()),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Chars::LowerDotDash => "lowercase letters, digits, `.` and `-`",
            Chars::AlnumDashUnderscore => "letters, digits, `-` and `_`",
            Chars::AlnumDash => "letters, digits and `-`",
            Chars::Iam => "letters, digits and `+=,.@-_`",
            Chars::Secret => "letters, digits and `/_+=.@-`",
            Chars::LogGroup => "letters, digits and `._-/#`",
            Chars::Ecr => "lowercase letters, digits and `._-/`",
            Chars::AlnumDashUnderscoreDot => "letters, digits, `-`, `_` and `.`",
            Chars::AlnumUnderscore => "letters, digits and `_`",
            Chars::RdsIdentifier => "letters, digits and `-`, beginning with a letter, no `--`, not ending in `-`",
            Chars::DbUser => "letters, digits and `_`, beginning with a letter",
            Chars::SageMaker => "letters, digits and `-`, beginning and ending with a letter or digit",
            Chars::AppRunner => "letters, digits, `-` and `_`, beginning with a letter or digit",
            Chars::AgentRuntime => "letters, digits and `_`, beginning with a letter",
            Chars::SecurityGroup => "letters, digits, spaces and `._-:/()#,@[]+=&;{}!$*`",
            Chars::Latin1 => "printable ASCII, tabs, line breaks and Latin-1 letters",
            Chars::LogsPolicy => "any characters but `:` and `*`, `/` only between others",
            Chars::NoColonStar => "any characters but `:` and `*`",
            Chars::EventBus => "letters, digits and `/.-_`",
            Chars::KmsAlias => "`alias/` then letters, digits and `/_-`",
            Chars::NoSpace => "characters other than spaces",
            Chars::StepFunctions => {
                "characters other than spaces, control characters, brackets (`<>{}[]`), backquotes and `?*\"#%\\^|~$&,;:/`"
            }
            Chars::Any => "characters",
        }
    }
}

/// One rule for a property's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Check {
    /// A name: length in characters, allowed characters, and the kind of name (for
    /// extra rules of that kind, such as S3's "no IP addresses").
    Name { what: &'static str, min: usize, max: usize, chars: Chars },
    /// An integer (or number) between two bounds, inclusive.
    Range { min: i64, max: i64 },
    /// A number between two bounds, inclusive.
    FloatRange { min: f64, max: f64 },
    /// One of these integers.
    OneOfInt(&'static [i64]),
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// An IPv4 CIDR block, `10.0.0.0/16`.
    Cidr,
    /// An ARN, `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
    Arn,
    /// At most this many characters.
    MaxLen(usize),
}

impl Check {
    /// The rule in words, for the reference.
    pub fn describe(&self) -> String {
        match self {
            Check::Name { min, max, chars, what } => format!("{what}: {min}-{max} {}", chars.describe()),
            Check::Range { min, max } => format!("{min} to {max}"),
            Check::FloatRange { min, max } => format!("{min} to {max}"),
            Check::OneOfInt(v) => format!("one of {}", v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
            Check::OneOf(v) => format!("one of {}", v.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ")),
            Check::Cidr => "an IPv4 CIDR block".into(),
            Check::Arn => "an ARN".into(),
            Check::MaxLen(n) => format!("at most {n} characters"),
        }
    }

    /// Check a known value; `Err` says what is wrong in words a user can act on.
    pub fn run(&self, value: &Value) -> Result<(), String> {
        match (self, value) {
            (Check::Name { what, min, max, chars }, Value::String(s)) => name(what, s, *min, *max, *chars),
            (Check::Range { min, max }, Value::Number(n)) => match n.as_f64() {
                Some(x) if x >= *min as f64 && x <= *max as f64 => Ok(()),
                _ => Err(format!("{n} is out of range: must be {min} to {max}")),
            },
            (Check::FloatRange { min, max }, Value::Number(n)) => match n.as_f64() {
                Some(x) if x >= *min && x <= *max => Ok(()),
                _ => Err(format!("{n} is out of range: must be {min} to {max}")),
            },
            (Check::OneOfInt(allowed), Value::Number(n)) if n.as_i64().is_some_and(|i| allowed.contains(&i)) => Ok(()),
            (Check::OneOfInt(_), Value::Number(n)) => Err(format!("{n} is not allowed: must be {}", self.describe())),
            (Check::OneOf(allowed), Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
            (Check::OneOf(_), Value::String(s)) => Err(format!("`{s}` is not allowed: must be {}", self.describe())),
            (Check::Cidr, Value::String(s)) => cidr(s),
            (Check::Arn, Value::String(s)) => arn(s),
            (Check::MaxLen(max), Value::String(s)) if s.chars().count() > *max => {
                Err(format!("is {} characters long; at most {max} are allowed", s.chars().count()))
            }
            // A type mismatch is reported by the schema check, not here.
            _ => Ok(()),
        }
    }
}

fn name(what: &str, s: &str, min: usize, max: usize, chars: Chars) -> Result<(), String> {
    let len = s.chars().count();
    if len < min || len > max {
        return Err(format!("{what} `{s}` is {len} characters long; it must be {min} to {max}"));
    }
    if let Some(bad) = s.chars().find(|c| !chars.allows(*c)) {
        return Err(format!("{what} `{s}` contains `{bad}`; it may only use {}", chars.describe()));
    }
    chars.shape(what, s)
}

/// ECR's repository names: components separated by `/`, each letters and digits joined
/// by single `.`, `_` or `__`, or by runs of `-`.
fn ecr_rules(s: &str) -> Result<(), String> {
    for part in s.split('/') {
        let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        let separators = part.split(|c: char| c.is_ascii_alphanumeric()).filter(|sep| !sep.is_empty());
        let bad_separator = separators.into_iter().find(|sep| !matches!(*sep, "." | "_" | "__") && !sep.chars().all(|c| c == '-'));
        if !alnum(part.chars().next()) || !alnum(part.chars().last()) {
            return Err(format!("repository name `{s}`: each `/`-separated part must begin and end with a lowercase letter or digit"));
        }
        if let Some(sep) = bad_separator {
            return Err(format!("repository name `{s}` joins characters with `{sep}`; only `.`, `_`, `__` or dashes may"));
        }
    }
    Ok(())
}

/// S3's further bucket naming rules.
fn bucket_rules(s: &str) -> Result<(), String> {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge_ok(s.chars().next()) || !edge_ok(s.chars().last()) {
        return Err(format!("bucket name `{s}` must begin and end with a lowercase letter or digit"));
    }
    if s.contains("..") {
        return Err(format!("bucket name `{s}` must not contain two adjacent periods"));
    }
    if s.split('.').count() == 4 && s.split('.').all(|p| p.parse::<u8>().is_ok()) {
        return Err(format!("bucket name `{s}` must not be formatted as an IP address"));
    }
    for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] {
        if s.starts_with(prefix) {
            return Err(format!("bucket name `{s}` must not start with `{prefix}` (reserved by AWS)"));
        }
    }
    for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3"] {
        if s.ends_with(suffix) {
            return Err(format!("bucket name `{s}` must not end with `{suffix}` (reserved by AWS)"));
        }
    }
    Ok(())
}

fn cidr(s: &str) -> Result<(), String> {
    let bad = || Err(format!("`{s}` is not an IPv4 CIDR block (write e.g. 10.0.0.0/16)"));
    let Some((addr, len)) = s.split_once('/') else { return bad() };
    let octets: Vec<&str> = addr.split('.').collect();
    if octets.len() != 4 || octets.iter().any(|o| o.is_empty() || o.len() > 3 || o.parse::<u8>().is_err()) {
        return bad();
    }
    match len.parse::<u8>() {
        Ok(n) if n <= 32 && !len.starts_with('+') => Ok(()),
        _ => bad(),
    }
}

/// Whether CIDR block `inner` lies inside `outer` (a subnet in its VPC's range); `None`
/// when either is not an IPv4 CIDR block (reported by [`Check::Cidr`]).
pub fn cidr_within(inner: &str, outer: &str) -> Option<bool> {
    let (inner_addr, inner_len) = parse_cidr(inner)?;
    let (outer_addr, outer_len) = parse_cidr(outer)?;
    let mask = |len: u32| u32::MAX.checked_shl(32 - len).unwrap_or(0);
    Some(inner_len >= outer_len && inner_addr & mask(outer_len) == outer_addr & mask(outer_len))
}

fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    cidr(s).ok()?;
    let (addr, len) = s.split_once('/')?;
    Some((u32::from(addr.parse::<std::net::Ipv4Addr>().ok()?), len.parse().ok()?))
}

fn arn(s: &str) -> Result<(), String> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" && !parts[1].is_empty() && !parts[2].is_empty() && !parts[5].is_empty() {
        Ok(())
    } else {
        Err(format!("`{s}` is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"))
    }
}

/// Common rules, named once.
pub mod rules {
    use super::{Chars, Check};

    pub const S3_BUCKET: Check = Check::Name { what: "bucket name", min: 3, max: 63, chars: Chars::LowerDotDash };
    /// `.` only in a FIFO queue's `.fifo` suffix, which `sqs.queue` checks.
    pub const DYNAMODB_TABLE: Check = Check::Name { what: "table name", min: 3, max: 255, chars: Chars::AlnumDashUnderscoreDot };
    pub const SQS_QUEUE: Check = Check::Name { what: "queue name", min: 1, max: 80, chars: Chars::AlnumDashUnderscoreDot };
    pub const LAMBDA_FUNCTION: Check = Check::Name { what: "function name", min: 1, max: 64, chars: Chars::AlnumDashUnderscore };
    pub const IAM_ROLE: Check = Check::Name { what: "role name", min: 1, max: 64, chars: Chars::Iam };
    pub const IAM_POLICY_NAME: Check = Check::Name { what: "policy name", min: 1, max: 128, chars: Chars::Iam };
    pub const LOG_GROUP: Check = Check::Name { what: "log group name", min: 1, max: 512, chars: Chars::LogGroup };
    pub const SECRET: Check = Check::Name { what: "secret name", min: 1, max: 512, chars: Chars::Secret };
    pub const RDS_IDENTIFIER: Check = Check::Name { what: "identifier", min: 1, max: 63, chars: Chars::RdsIdentifier };
    /// A database's master user (RDS: letters, digits and `_`, a letter first; 63 is
    /// PostgreSQL's limit, the longest of the engines infra runs).
    pub const DB_MASTER_USER: Check = Check::Name { what: "master user name", min: 1, max: 63, chars: Chars::DbUser };
    pub const RDS_SUBNET_GROUP: Check = Check::Name { what: "subnet group name", min: 1, max: 255, chars: Chars::AlnumDashUnderscoreDot };
    pub const SECURITY_GROUP: Check = Check::Name { what: "security group name", min: 1, max: 255, chars: Chars::SecurityGroup };
    pub const SAGEMAKER: Check = Check::Name { what: "name", min: 1, max: 63, chars: Chars::SageMaker };
    pub const ECR_REPOSITORY: Check = Check::Name { what: "repository name", min: 2, max: 256, chars: Chars::Ecr };
    pub const DASHBOARD: Check = Check::Name { what: "dashboard name", min: 1, max: 255, chars: Chars::AlnumDashUnderscore };
    pub const SCHEDULE: Check = Check::Name { what: "schedule name", min: 1, max: 64, chars: Chars::AlnumDashUnderscoreDot };
    pub const STATEMENT_ID: Check = Check::Name { what: "statement id", min: 1, max: 100, chars: Chars::AlnumDashUnderscore };
    pub const APP_RUNNER: Check = Check::Name { what: "service name", min: 4, max: 40, chars: Chars::AppRunner };
    pub const PORT: Check = Check::Range { min: -1, max: 65535 };
    /// CloudWatch Logs retention periods.
    pub const LOG_RETENTION: Check =
        Check::OneOfInt(&[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);
}
