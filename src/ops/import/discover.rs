//! `infra import --discover --tag KEY=VALUE` (and/or `--name-prefix P`, or
//! `--all-in-region --type T,...`): find the resources of every type that can be listed
//! (or of the types named) that carry the tag (whose name starts so), read them, and
//! write a module manifest for them (or one per service) the way `--generate` writes
//! Terraform's: settings that differ from the defaults, references where one resource
//! names another, and `prevent_destroy` on what holds data. What is written is then
//! recorded in the state.

use serde_json::Value;

use super::generate;
use crate::resources::{registry, Attrs, Ctx, DynResource, Skip};

/// What `--discover` looks for: a tag, a name prefix, or both; of every type that can
/// be listed, or of the types named (`sqs.queue`, or a whole service: `sqs`). With
/// `all_in_region`, every resource of the types named.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tag: Option<(String, String)>,
    pub prefix: Option<String>,
    pub types: Vec<String>,
    pub all_in_region: bool,
}

impl Filter {
    /// The types to list, or why the filter cannot be used.
    pub fn rtypes(&self) -> Result<Vec<&'static dyn DynResource>, String> {
        if self.tag.is_none() && self.prefix.is_none() && !self.all_in_region {
            return Err("--discover needs --tag KEY=VALUE, --name-prefix PREFIX, or --all-in-region with --type".into());
        }
        if self.all_in_region && self.types.is_empty() {
            return Err("--all-in-region needs the types to list: --type sqs.queue,dynamodb (a type or a service)".into());
        }
        let listable = |r: &&'static dyn DynResource| !r.example().skip.iter().any(|(s, _)| *s == Skip::Discover);
        if self.types.is_empty() {
            return Ok(registry::resources().filter(listable).collect());
        }
        let mut out: Vec<&'static dyn DynResource> = Vec::new();
        for t in &self.types {
            let named: Vec<_> =
                registry::resources().filter(|r| r.type_name() == t || r.type_name().split('.').next() == Some(t)).collect();
            if named.is_empty() {
                return Err(format!("--type `{t}`: no such type or service (`infra schema` lists them)"));
            }
            if let [one] = named.as_slice() {
                if let Some((_, why)) = one.example().skip.iter().find(|(s, _)| *s == Skip::Discover) {
                    return Err(format!("--type `{t}`: {t} cannot be discovered: {why}; import it by id (`infra import MODULE.NAME ID`)"));
                }
            }
            for r in named.into_iter().filter(listable) {
                if !out.iter().any(|o| o.type_name() == r.type_name()) {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }
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
        if self.all_in_region {
            parts.push("--all-in-region".into());
        }
        if !self.types.is_empty() {
            parts.push(format!("--type {}", self.types.join(",")));
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
    for rtype in filter.rtypes()? {
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

/// The service part of a type (`dynamodb` of `dynamodb.table`), for `--split`.
pub fn service(d: &Discovered) -> &'static str {
    d.rtype.type_name().split('.').next().unwrap_or("other")
}

/// The module manifests for what was found, each found resource in the module
/// `module_of` gives: written as `--generate` writes them (references to one another,
/// across modules through outputs, defaults left out), with `prevent_destroy` on what
/// holds data. (Module, text) per module.
pub fn manifests(found: &[Discovered], module_of: impl Fn(&Discovered) -> String, filter: &Filter) -> Vec<(String, String)> {
    let mut items: Vec<generate::Item> = found
        .iter()
        .map(|d| generate::Item {
            origin: format!("{} {}", d.rtype.type_name(), d.id),
            module: module_of(d),
            group: d.name.clone(),
            key: None,
            rtype: d.rtype,
            id: d.id.clone(),
            props: d.props.clone(),
            attrs: d.attrs.clone(),
            protect: STATEFUL.contains(&d.rtype.type_name()),
        })
        .collect();
    generate::link(&mut items, &[]);
    let layout = generate::layout(&items);
    let outputs = generate::cross_outputs(&items, &layout);
    let mut modules: Vec<String> = items.iter().map(|it| it.module.clone()).collect();
    modules.sort();
    modules.dedup();
    let header = format!("# Generated by `infra import --discover {filter}`: the resources found.");
    modules
        .into_iter()
        .map(|module| {
            let outs: Vec<(String, String)> = outputs.get(&module).into_iter().flatten().map(|(n, v)| (n.clone(), v.clone())).collect();
            let text = generate::manifest(&module, &header, &items, &[], &layout, &outs);
            (module, text)
        })
        .collect()
}
