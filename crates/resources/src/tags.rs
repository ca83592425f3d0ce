//! Tags: what infra writes on everything it creates (which environment, state, module
//! and resource it belongs to), merged with the environment's, the module's and the
//! resource's own tags; read back and compared like any other property. The same tags
//! tell this environment's resources from another's, and name the owner when a name is
//! taken.

use std::collections::BTreeMap;

pub type Tags = BTreeMap<String, String>;

pub const MANAGED_BY: &str = "ManagedBy";
pub const ENV: &str = "infra:env";
pub const STATE: &str = "infra:state";
pub const MODULE: &str = "infra:module";
pub const RESOURCE: &str = "infra:resource";

/// Prefixes users may not set: AWS reserves `aws:`, infra writes `infra:` itself.
pub const RESERVED: &[&str] = &["aws:", "infra:"];

/// infra's own tags for one resource of one environment's state.
pub fn own(environment: &str, lineage: &str, module: &str, name: &str) -> Tags {
    Tags::from([
        (MANAGED_BY.into(), "infra".into()),
        (ENV.into(), environment.into()),
        (STATE.into(), lineage.into()),
        (MODULE.into(), module.into()),
        (RESOURCE.into(), resource_tag(name)),
    ])
}

/// A `for_each` instance `NAME["KEY"]` as `NAME/KEY`: quotes and brackets are not
/// allowed in tag values by every service (IAM, Lambda, SQS, Logs refuse them).
pub fn resource_tag(name: &str) -> String {
    name.replace("[\"", "/").replace("\"]", "")
}

/// Layers merged in order, later ones winning: environment file, module, resource,
/// then infra's own.
pub fn merge<'a>(layers: impl IntoIterator<Item = &'a Tags>) -> Tags {
    let mut out = Tags::new();
    for layer in layers {
        out.extend(layer.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    out
}

/// Tags as read from AWS, without the `aws:` ones AWS adds itself (CloudFormation's,
/// cost allocation): those can neither be set nor removed.
pub fn live<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Tags {
    pairs
        .into_iter()
        .filter(|(k, _)| !k.as_ref().starts_with("aws:"))
        .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
        .collect()
}

/// Tags as some APIs return them: an optional map.
pub fn live_map(map: Option<&std::collections::HashMap<String, String>>) -> Tags {
    live(map.into_iter().flatten())
}

/// What to set and what to remove to go from `old` to `new`.
pub fn changes(old: &Tags, new: &Tags) -> (Tags, Vec<String>) {
    let set = new.iter().filter(|(k, v)| old.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let remove = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    (set, remove)
}

/// Whether anything but the tags differs: APIs that change tags with their own calls
/// (TagResource) and everything else with one update call send that call only then.
pub fn changed_besides_tags<P: Clone + PartialEq>(old: &P, new: &P, tags: fn(&mut P) -> &mut Tags) -> bool {
    let (mut a, mut b) = (old.clone(), new.clone());
    (*tags(&mut a), *tags(&mut b)) = (Tags::new(), Tags::new());
    a != b
}

/// Whether `live` tags say the resource was created for the same resource of the same
/// state as `wanted` (infra's own tags of a desired resource).
pub fn same_owner(live: &Tags, wanted: &Tags) -> bool {
    [STATE, MODULE, RESOURCE].iter().all(|k| live.get(*k).is_some() && live.get(*k) == wanted.get(*k))
}

/// Whether `live` tags say infra created the resource for this environment's state (in
/// whichever module and under whichever name): such a resource is infra's own, also
/// when it is found again after `infra state rm`, and its infra tags are to stay.
pub fn made_by(live: &Tags, environment: &str, lineage: &str) -> bool {
    live.get(ENV).is_some_and(|e| e == environment) && live.get(STATE).is_some_and(|s| s == lineage)
}

/// Who a resource found in AWS belongs to, in words, for the refusal message.
pub fn owner(live: &Tags, environment: &str, lineage: &str) -> String {
    let shown = || live.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(", ");
    match (live.get(ENV), live.get(STATE)) {
        (Some(env), _) if env != environment => format!(
            "it belongs to infra environment `{env}` ({}.{})",
            live.get(MODULE).map(String::as_str).unwrap_or("?"),
            live.get(RESOURCE).map(String::as_str).unwrap_or("?")
        ),
        (Some(_), Some(state)) if state != lineage => {
            format!("it was created by infra for environment `{environment}` but is recorded in another state (lineage {state})")
        }
        _ if live.is_empty() => "it has no tags".to_string(),
        _ => format!("tags: {}", shown()),
    }
}
