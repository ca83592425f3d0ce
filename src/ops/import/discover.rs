//! `infra import --discover --tag KEY=VALUE` (and/or `--name-prefix P`): find the
//! resources of the types that can be listed (tables, buckets, queues, roles, log
//! groups) that carry the tag (whose name starts so), read them, and write a module
//! manifest for them (or one per service): settings that differ from the defaults, with
//! `${resources.NAME.arn}` where one resource names another, and `prevent_destroy` on
//! what holds data. What is written is then recorded in the state.

use serde_json::Value;

use crate::resources::{registry, Attrs, Ctx, DynResource};
use crate::schema::Ty;

/// What `--discover` looks for: a tag, a name prefix, or both.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tag: Option<(String, String)>,
    pub prefix: Option<String>,
}

impl std::fmt::Display for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some((k, v)) = &self.tag {
            parts.push(format!("--tag {k}={v}"));
        }
        if let Some(p) = &self.prefix {
            parts.push(format!("--name-prefix {p}"));
        }
        write!(f, "{}", parts.join(" "))
    }
}

/// One resource found by the tag.
pub struct Discovered {
    pub name: String,
    pub rtype: &'static dyn DynResource,
    pub id: String,
    pub props: Value,
    pub attrs: Attrs,
}

/// Types whose resources hold data: written with `prevent_destroy = true`.
const STATEFUL: &[&str] = &["dynamodb.table", "s3.bucket", "rds.cluster", "rds.instance", "secretsmanager.secret", "kms.key"];

/// The name a resource goes by (a queue's name, not its URL).
fn natural_name<'a>(rtype: &dyn DynResource, props: &'a Value, id: &'a str) -> &'a str {
    props.get(rtype.identity().fields().last().copied().unwrap_or("name")).and_then(Value::as_str).unwrap_or(id)
}

/// Every listable resource the filter matches.
pub async fn find(cx: &Ctx<'_>, filter: &Filter) -> Result<Vec<Discovered>, String> {
    let mut out = Vec::new();
    for rtype in registry::resources() {
        let ids = rtype.list(cx).await.map_err(|e| format!("listing {}: {e}", rtype.type_name()))?;
        for id in ids {
            let Some((props, attrs)) =
                rtype.read(cx, &id, &rtype.blank(&id)).await.map_err(|e| format!("reading {} {id}: {e}", rtype.type_name()))?
            else {
                continue;
            };
            if let Some((key, value)) = &filter.tag {
                if props.get("tags").and_then(|t| t.get(key)).and_then(Value::as_str) != Some(value.as_str()) {
                    continue;
                }
            }
            if let Some(prefix) = &filter.prefix {
                if !natural_name(rtype, &props, &id).starts_with(prefix.as_str()) {
                    continue;
                }
            }
            out.push(Discovered { name: String::new(), rtype, id, props, attrs });
        }
    }
    name_all(&mut out);
    Ok(out)
}

/// Manifest names from AWS names: `ai-trade-matching-processing-status` →
/// `ai_trade_matching_processing_status`, made unique.
fn name_all(found: &mut [Discovered]) {
    let mut taken = std::collections::HashSet::new();
    for d in found.iter_mut() {
        let natural = natural_name(d.rtype, &d.props, &d.id);
        let mut base: String =
            natural.trim_start_matches('/').chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
        base = base.trim_matches('_').replace("__", "_");
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base = format!("r_{base}");
        }
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        d.name = name;
    }
}

/// A value with every string that is another found resource's ARN (or URL) written as
/// a reference to it.
fn referenced(v: &Value, found: &[&Discovered], own: &str) -> Value {
    match v {
        Value::String(s) => {
            for d in found.iter().filter(|d| d.name != own) {
                for attr in ["arn", "url"] {
                    if d.attrs.get(attr).and_then(Value::as_str) == Some(s.as_str()) {
                        return Value::String(format!("${{resources.{}.{attr}}}", d.name));
                    }
                }
                if let Some(arn) = d.attrs.get("arn").and_then(Value::as_str) {
                    if let Some(rest) = s.strip_prefix(arn).filter(|r| r.starts_with('/')) {
                        return Value::String(format!("${{resources.{}.arn}}{rest}", d.name));
                    }
                }
            }
            v.clone()
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| referenced(i, found, own)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, i)| {
                    // A bucket's access-log target is named, not given by ARN.
                    let by_name = (k == "target_bucket")
                        .then(|| i.as_str())
                        .flatten()
                        .and_then(|name| found.iter().find(|d| d.name != own && d.rtype.type_name() == "s3.bucket" && d.id == name));
                    match by_name {
                        Some(d) => (k.clone(), Value::String(format!("${{resources.{}.name}}", d.name))),
                        None => (k.clone(), referenced(i, found, own)),
                    }
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The service part of a type (`dynamodb` of `dynamodb.table`), for `--split`.
pub fn service(d: &Discovered) -> &'static str {
    d.rtype.type_name().split('.').next().unwrap_or("other")
}

/// The module manifest for what was found.
pub fn manifest(module: &str, filter: &Filter, found: &[&Discovered]) -> Result<String, String> {
    let mut out = format!(
        "# Generated by `infra import --discover {filter}`: the resources found, with the\n\
         # settings that differ from infra's defaults. Edit freely; `infra plan {module}` shows the effect.\n\n\
         [module]\nname = \"{module}\"\n"
    );
    for d in found {
        let Ty::Object(fields) = d.rtype.schema() else { continue };
        out.push_str(&format!("\n[resources.{}]\ntype = \"{}\"\n", d.name, d.rtype.type_name()));
        for f in fields.iter().filter(|f| !f.computed) {
            let Some(v) = d.props.get(f.name).filter(|v| !v.is_null()) else { continue };
            let is_identity = d.rtype.identity().fields().contains(&f.name);
            if !is_identity && f.default.as_ref() == Some(v) {
                continue;
            }
            if f.name == "tags" && v.as_object().is_some_and(|m| m.is_empty()) {
                continue;
            }
            let v = referenced(v, found, &d.name);
            let text = toml::Value::try_from(&v).map_err(|e| format!("{}.{}: {e}", d.name, f.name))?.to_string();
            out.push_str(&format!("{} = {text}\n", f.name));
        }
        if STATEFUL.contains(&d.rtype.type_name()) {
            out.push_str("prevent_destroy = true\n");
        }
    }
    Ok(out)
}
