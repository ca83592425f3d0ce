//! The resource reference, generated from the registry so it cannot disagree with the
//! code: every type's properties (type, required, default, in place, replaces or refused,
//! AWS's rule, and why where infra differs from AWS's CloudFormation schema: the reviewed
//! `aws_contract.toml`), attributes, identity, tags and example. `infra docs` prints all of it
//! (docs/resources.md is that output, checked by a test); `infra schema TYPE` prints one
//! type. What the emulator cannot run (an example's `skip`) is the conformance test's
//! business and docs/architecture.md's, not the reader's, so it is not printed here; the
//! one exception is `Skip::Discover`, whose reason is the type's (not the emulator's).

use super::OpsError;
use crate::printer::Printer;
use crate::resources::{registry, DynDataSource, DynResource, Identity, Skip};
use crate::schema::aws_contract::{self, Kind};
use crate::schema::{Field, Ty};

/// A cell of a Markdown table: no pipes or newlines.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ").trim().to_string()
}

/// What a property or attribute of a common name means, where its type says nothing
/// more specific.
fn common_doc(name: &str) -> &'static str {
    match name {
        "name" => "The name in AWS.",
        "arn" => "Its ARN.",
        "description" => "Free text, shown in the console.",
        "identifier" => "The identifier in AWS.",
        "environment" => "Environment variables.",
        "function_arn" => "The function's ARN.",
        "engine_version" => "Engine version; left unset, AWS picks one (and later changes are not drift).",
        "vpc_id" => "The VPC it belongs to.",
        "subnet_group" => "The DB subnet group; left unset, AWS uses the default VPC's.",
        "security_group_ids" => "Security groups, by id.",
        "database_name" => "Database created with the cluster.",
        "master_username" => "The master user's name.",
        "runtime" => "Lambda runtime, e.g. `python3.12`.",
        "deletion_protection" => "AWS refuses to delete it while on.",
        "storage_encrypted" => "Encrypt storage at rest.",
        "service_id" | "reader_endpoint" | "root_resource_id" | "stage_name" => "As AWS reports it.",
        _ => "",
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or_default()
}

/// `text`, with why infra differs there from AWS's CloudFormation schema, if it does.
fn unlike_aws(text: &str, type_name: Option<&str>, path: &str, kinds: &[Kind]) -> String {
    let reasons: Vec<&str> = type_name
        .into_iter()
        .flat_map(|t| aws_contract::differences(t, path))
        .filter(|d| kinds.contains(&d.kind))
        .map(|d| d.reason.as_str())
        .collect();
    match (text.is_empty(), reasons.is_empty()) {
        (_, true) => text.to_string(),
        (true, false) => format!("(unlike AWS's schema: {})", reasons.join("; ")),
        (false, false) => format!("{text} (unlike AWS's schema: {})", reasons.join("; ")),
    }
}

/// One row per property, nested tables flattened (`redrive.max_receive_count`,
/// `routes[].path`). `type_name` is a resource type's, for its differences from AWS's
/// schema (`path` leaves out the `[]`: `routes.path`).
fn property_rows(type_name: Option<&str>, fields: &[Field], prefix: &str, path_prefix: &str, out: &mut Vec<String>) {
    for f in fields.iter().filter(|f| !f.computed) {
        let shown = format!("{prefix}{}", f.name);
        let path = format!("{path_prefix}{}", f.name);
        let default = f.default.as_ref().map(|d| format!("`{d}`")).unwrap_or_default();
        let change = match (f.immutable, f.replace) {
            (true, _) => "refused",
            (false, true) => "replaces",
            (false, false) => "in place",
        };
        let change = unlike_aws(change, type_name, &path, &[Kind::Replace]);
        let rule = f.check.map(|c| c.describe()).unwrap_or_default();
        let rule = unlike_aws(&rule, type_name, &path, &[Kind::Enum, Kind::Pattern, Kind::Length, Kind::Bounds]);
        let required = unlike_aws(if f.required { "yes" } else { "" }, type_name, &path, &[Kind::Required]);
        let doc = if f.doc.trim().is_empty() { common_doc(f.name) } else { f.doc };
        let doc = if f.local {
            format!("{doc} infra's own setting: AWS does not hold it, and discover writes its default.")
        } else {
            doc.to_string()
        };
        out.push(format!(
            "| `{shown}` | {} | {} | {} | {} | {} | {} |",
            cell(&f.ty.name()),
            cell(&required),
            cell(&default),
            cell(&change),
            cell(&rule),
            cell(&doc)
        ));
        match &f.ty {
            Ty::Object(inner) => property_rows(type_name, inner, &format!("{shown}."), &format!("{path}."), out),
            Ty::List(item) => {
                if let Ty::Object(inner) = item.as_ref() {
                    property_rows(type_name, inner, &format!("{shown}[]."), &format!("{path}."), out);
                }
            }
            _ => {}
        }
    }
}

fn identity(r: &dyn DynResource) -> String {
    match r.identity() {
        Identity::Named(f) => format!("by `{f}`, which is also its physical id; infra refuses to create one whose `{f}` is taken"),
        Identity::Unique([f]) => format!("by `{f}` (AWS assigns the id); infra refuses to create one whose `{f}` is taken"),
        Identity::Unique(fs) => {
            let list: Vec<String> = fs.iter().map(|f| format!("`{f}`")).collect();
            format!(
                "by {} together (AWS assigns the id); infra refuses to create one whose {} are taken",
                list.join(" and "),
                list.join(" and ")
            )
        }
        Identity::Assigned => {
            "AWS assigns the id and names need not be unique; an interrupted create is found again by infra's tags".into()
        }
        Identity::Local => "nothing in AWS: it lives in the state".into(),
    }
}

/// The reference section of one resource type.
pub fn resource_section(r: &dyn DynResource) -> String {
    let mut out = vec![format!("## `{}`", r.type_name()), String::new(), capitalized(&registry::doc(r.type_name())), String::new()];
    out.push(format!("- Identified {}.", identity(r)));
    out.push(if r.taggable() {
        "- Tagged: the environment's, the module's and its own `tags`, plus infra's (`ManagedBy`, `infra:*`); drift-checked.".into()
    } else {
        "- Not taggable in AWS.".into()
    });
    out.push(match r.example().skip.iter().find(|(s, _)| *s == Skip::Discover) {
        Some((_, why)) => format!("- Not found by `import --discover` ({why}); `infra import ADDRESS ID` adopts one."),
        None => "- Found by `import --discover` (by tag or name prefix), read from its id alone.".into(),
    });
    out.push(String::new());
    out.push("| Property | Type | Required | Default | Change | Rule | Description |".into());
    out.push("|---|---|---|---|---|---|---|".into());
    property_rows(Some(r.type_name()), r.schema().fields(), "", "", &mut out);
    out.push(String::new());
    out.push("| Attribute | Type | Description |".into());
    out.push("|---|---|---|".into());
    for a in r.attributes() {
        let doc = if a.doc.trim().is_empty() { common_doc(a.name) } else { a.doc };
        let doc = if a.sensitive { format!("{doc} Sensitive: never stored or shown.") } else { doc.to_string() };
        out.push(format!("| `{}` | {} | {} |", a.name, a.ty.ty().name(), cell(&doc)));
    }
    out.push(String::new());
    out.push("Example:".into());
    out.push(String::new());
    out.push("```toml".into());
    out.push(r.example().manifest.trim().to_string());
    out.push("```".into());
    out.join("\n")
}

/// The reference section of one data source.
pub fn data_section(d: &dyn DynDataSource) -> String {
    let mut out =
        vec![format!("## `{}` (lookup)", d.type_name()), String::new(), capitalized(&registry::data_doc(d.type_name())), String::new()];
    let fields = d.schema();
    if !fields.fields().is_empty() {
        out.push("| Property | Type | Required | Default | Change | Rule | Description |".into());
        out.push("|---|---|---|---|---|---|---|".into());
        property_rows(None, fields.fields(), "", "", &mut out);
        out.push(String::new());
    }
    out.push("| Attribute | Type | Description |".into());
    out.push("|---|---|---|".into());
    for a in d.attributes() {
        let doc = if a.doc.trim().is_empty() { common_doc(a.name) } else { a.doc };
        out.push(format!("| `{}` | {} | {} |", a.name, a.ty.ty().name(), cell(doc)));
    }
    out.extend([String::new(), "```toml".into(), d.example().trim().to_string(), "```".into()]);
    out.join("\n")
}

/// The CloudFormation types teams ask for most that infra has no native type for yet,
/// each with what it is, for the "Not native yet" section.
const MOST_REQUESTED: &[(&str, &str)] = &[
    ("AWS::Cognito::UserPool", "a Cognito user pool"),
    ("AWS::Route53::HealthCheck", "a Route 53 health check"),
    ("AWS::Pipes::Pipe", "an EventBridge pipe"),
    ("AWS::ElastiCache::ServerlessCache", "a serverless Redis/Valkey/Memcached cache"),
    ("AWS::EFS::FileSystem", "an EFS file system"),
    ("AWS::WAFv2::WebACL", "a WAF web ACL"),
    ("AWS::Budgets::Budget", "a cost budget"),
];

/// How to reach a type infra has no native type for, through `cloudcontrol.resource`;
/// each row's facts come from the AWS schemas infra ships, so they cannot go stale.
fn not_native_yet() -> String {
    use crate::resources::cloudcontrol;
    let code = |paths: Vec<String>| paths.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    let mut out = vec![
        "## Not native yet".to_string(),
        String::new(),
        "A type infra has no native type for is reached through [`cloudcontrol.resource`](#cloudcontrolresource): any type of".into(),
        "AWS's CloudFormation registry by its type name, with its properties as that type's CloudFormation documentation names them."
            .into(),
        "infra reads from AWS's schema of the type which properties replace it when changed, which are read-only (attributes: reference"
            .into(),
        "them as `${resources.NAME.Arn}`) and which are write-only (passwords: never stored, never shown, never compared with AWS),".into(),
        "so a plan says in place or replace as it does for native types; references, outputs, import by identifier, drift and `down`"
            .into(),
        "work the same. What differs from a native type: infra adds no tags (set the type's own `Tags` in `properties`), plans show no"
            .into(),
        "price, `import --discover` does not find these resources, and an interrupted create is found again only when the".into(),
        "identifier is a property the manifest sets (a name). infra's tests prove the Cloud Control protocol handling (requests".into(),
        "followed to the end, failures with AWS's code, patches of only what changed) against a stand-in for the Cloud Control API,".into(),
        "not each type's behaviour on AWS: read the type's CloudFormation documentation for what it requires.".into(),
        String::new(),
        "| `type_name` | What | Import by (identifier) | Replaced when changed | Attributes |".into(),
        "|---|---|---|---|---|".into(),
    ];
    for (type_name, what) in MOST_REQUESTED {
        let Some(facts) = cloudcontrol::facts(type_name) else { continue };
        let join = |paths: &Vec<Vec<String>>| paths.iter().map(|p| p.join("/")).collect::<Vec<_>>();
        let attrs: Vec<String> = facts.read_only.iter().filter(|p| !p.iter().any(|s| s == "*")).map(|p| p.join("_")).collect();
        let primary = cell(&format!("`{}`", join(&facts.primary).join("|")));
        let replaced =
            if facts.create_only.is_empty() { "nothing: all in place".to_string() } else { cell(&code(join(&facts.create_only))) };
        out.push(format!("| `{type_name}` | {what} | {primary} | {replaced} | `identifier`, {} |", cell(&code(attrs))));
    }
    out.extend([
        String::new(),
        "A worked example, `modules/app.toml`: a Cognito user pool, its ARN kept in a parameter for the application, its id an output."
            .into(),
        String::new(),
        "```toml".into(),
        NOT_NATIVE_EXAMPLE.trim().to_string(),
        "```".into(),
        String::new(),
        "`infra plan` shows `+ app.users`; changing `MfaConfiguration` later is an in-place update (a JSON Patch of that one".into(),
        "property), and `UserPoolId`, `Arn`, `ProviderName` and `ProviderURL` are attributes. A pool made elsewhere is adopted with".into(),
        "`infra import app.users us-east-1_AbCdEf123` (its `UserPoolId`).".into(),
    ]);
    out.join("\n")
}

/// The worked example of the "Not native yet" section (a test validates it).
pub const NOT_NATIVE_EXAMPLE: &str = r#"
[resources.users]
type = "cloudcontrol.resource"
type_name = "AWS::Cognito::UserPool"
properties = { UserPoolName = "app-${env}-users", UsernameAttributes = ["email"], AutoVerifiedAttributes = ["email"], MfaConfiguration = "OFF" }

[resources.user_pool_arn]
type = "ssm.parameter"
name = "/app/${env}/user-pool-arn"
parameter_type = "String"
value = "${resources.users.Arn}"

[outputs]
user_pool_id = "${resources.users.UserPoolId}"
"#;

/// The whole reference, as docs/resources.md holds it.
pub fn reference() -> String {
    let mut out = vec![
        "# Resource reference".to_string(),
        String::new(),
        "Generated by `infra docs` from the types themselves; a test fails when this file is stale.".into(),
        "How manifests are written: [manifests.md](manifests.md). `infra schema TYPE` prints one section.".into(),
        String::new(),
        "Every type below passes the shared conformance test (tests/integration/conformance.rs).".into(),
        String::new(),
        "Change: `in place`, `replaces` (deleted and created again: a new id) or `refused` (AWS cannot change it at all).".into(),
        "Where infra differs from AWS's CloudFormation schema of the type (create-only properties, required ones, allowed values),".into(),
        "the cell says why (`unlike AWS's schema: ...`); crates/resources/src/schema/aws_contract.toml lists every such difference, and a test holds it to the schemas.".into(),
        String::new(),
    ];
    out.extend(registry::resources().map(|r| format!("- [`{0}`](#{1})", r.type_name(), r.type_name().replace(['.', '_'], ""))));
    out.extend(
        registry::data_sources().map(|d| format!("- [`{0}`](#{1}-lookup) (lookup)", d.type_name(), d.type_name().replace(['.', '_'], ""))),
    );
    out.push("- [Not native yet](#not-native-yet): any CloudFormation type through `cloudcontrol.resource`".into());
    for r in registry::resources() {
        out.push(String::new());
        out.push(resource_section(r));
    }
    for d in registry::data_sources() {
        out.push(String::new());
        out.push(data_section(d));
    }
    out.push(String::new());
    out.push(not_native_yet());
    out.push(String::new());
    out.join("\n")
}

/// `infra docs`.
pub fn docs(printer: &Printer) -> Result<(), OpsError> {
    printer.out(reference().trim_end());
    Ok(())
}

/// `infra schema TYPE`.
pub fn schema(type_name: &str, printer: &Printer) -> Result<(), OpsError> {
    if let Some(r) = registry::resource(type_name) {
        printer.out(&resource_section(r));
    } else if let Some(d) = registry::data_source(type_name) {
        printer.out(&data_section(d));
    } else {
        let known: Vec<&str> = registry::resource_types().chain(registry::data_source_types()).collect();
        let help =
            crate::manifest::suggest(type_name, known.iter().copied()).unwrap_or_else(|| format!("known types: {}", known.join(", ")));
        return Err(OpsError::Usage(format!("unknown type `{type_name}` ({help})")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_committed_reference_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/resources.md");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        let generated = super::reference();
        if std::env::var_os("INFRA_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &generated).unwrap();
            return;
        }
        assert!(
            committed == generated,
            "docs/resources.md is stale: regenerate it with `cargo run --quiet -- docs > docs/resources.md` (or INFRA_UPDATE_DOCS=1 cargo test)"
        );
    }
}
