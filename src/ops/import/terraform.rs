//! Reading a Terraform state (format version 4, what every Terraform and OpenTofu
//! release since 0.12 writes) and matching its `aws_*` resources to manifest resources:
//! the infra type, the attribute that names the resource (compared with what the
//! manifest's resource would be named), and the attribute holding infra's physical id.

use serde::Deserialize;
use serde_json::{Map, Value};

/// One resource instance of the Terraform state.
#[derive(Debug, Clone)]
pub struct TfResource {
    /// `aws_sqs_queue.analysis_jobs` (with `[key]` for counted instances).
    pub address: String,
    pub tf_type: String,
    pub name: String,
    pub attributes: Map<String, Value>,
    /// `module.queues` (nested: `module.a.module.b`), `None` at the root.
    pub module: Option<String>,
    /// The `count` index or `for_each` key of this instance.
    pub key: Option<Value>,
    /// `managed` or `data`.
    pub mode: String,
}

/// What `--generate` reads: every resource instance (data sources too) and the root
/// module's outputs.
#[derive(Debug, Clone, Default)]
pub struct TfState {
    pub resources: Vec<TfResource>,
    /// Name, value and whether it is sensitive.
    pub outputs: Vec<(String, Value, bool)>,
}

#[derive(Deserialize)]
struct StateFile {
    version: u32,
    #[serde(default)]
    resources: Vec<ResourceBlock>,
    #[serde(default)]
    outputs: Map<String, Value>,
}

#[derive(Deserialize)]
struct ResourceBlock {
    #[serde(default)]
    mode: String,
    #[serde(rename = "type")]
    tf_type: String,
    name: String,
    #[serde(default)]
    module: Option<String>,
    #[serde(default)]
    instances: Vec<Instance>,
}

#[derive(Deserialize)]
struct Instance {
    #[serde(default)]
    index_key: Option<Value>,
    #[serde(default)]
    attributes: Map<String, Value>,
}

/// The managed resources of a state file, or why it cannot be read.
pub fn parse(text: &str) -> Result<Vec<TfResource>, String> {
    Ok(parse_all(text)?.resources.into_iter().filter(|r| r.mode == "managed").collect())
}

fn instance_address(module: Option<&str>, mode: &str, tf_type: &str, name: &str, key: Option<&Value>) -> String {
    let prefix = module.map(|m| format!("{m}.")).unwrap_or_default();
    let data = if mode == "data" { "data." } else { "" };
    let key = match key {
        Some(Value::String(s)) => format!("[\"{s}\"]"),
        Some(v) => format!("[{v}]"),
        None => String::new(),
    };
    format!("{prefix}{data}{tf_type}.{name}{key}")
}

/// A state file (format 4), or the output of `terraform show -json` (which nests
/// resources by module and gives each instance's `values`).
pub fn parse_all(text: &str) -> Result<TfState, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not a Terraform state: {e}"))?;
    if doc.get("format_version").is_some() {
        return Ok(parse_show_json(&doc));
    }
    let file: StateFile = serde_json::from_value(doc).map_err(|e| format!("not a Terraform state: {e}"))?;
    if file.version != 4 {
        return Err(format!("state format version {} (infra reads version 4: Terraform 0.12 and later)", file.version));
    }
    let mut out = TfState::default();
    for block in file.resources {
        for inst in block.instances {
            out.resources.push(TfResource {
                address: instance_address(block.module.as_deref(), &block.mode, &block.tf_type, &block.name, inst.index_key.as_ref()),
                tf_type: block.tf_type.clone(),
                name: block.name.clone(),
                attributes: inst.attributes,
                module: block.module.clone(),
                key: inst.index_key,
                mode: block.mode.clone(),
            });
        }
    }
    for (name, o) in file.outputs {
        let sensitive = o.get("sensitive").and_then(Value::as_bool).unwrap_or(false);
        out.outputs.push((name, o.get("value").cloned().unwrap_or(Value::Null), sensitive));
    }
    Ok(out)
}

/// `terraform show -json`: `values.root_module` with `resources` and `child_modules`.
fn parse_show_json(doc: &Value) -> TfState {
    fn walk(m: &Value, out: &mut Vec<TfResource>) {
        let module = m.get("address").and_then(Value::as_str).map(str::to_string);
        for r in m.get("resources").and_then(Value::as_array).into_iter().flatten() {
            let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
            let key = r.get("index").cloned();
            out.push(TfResource {
                address: instance_address(module.as_deref(), &s("mode"), &s("type"), &s("name"), key.as_ref()),
                tf_type: s("type"),
                name: s("name"),
                attributes: r.get("values").and_then(Value::as_object).cloned().unwrap_or_default(),
                module: module.clone(),
                key,
                mode: s("mode"),
            });
        }
        for child in m.get("child_modules").and_then(Value::as_array).into_iter().flatten() {
            walk(child, out);
        }
    }
    let mut out = TfState::default();
    let values = doc.get("values").cloned().unwrap_or(Value::Null);
    if let Some(root) = values.get("root_module") {
        walk(root, &mut out.resources);
    }
    for (name, o) in values.get("outputs").and_then(Value::as_object).into_iter().flatten() {
        let sensitive = o.get("sensitive").and_then(Value::as_bool).unwrap_or(false);
        out.outputs.push((name.clone(), o.get("value").cloned().unwrap_or(Value::Null), sensitive));
    }
    out
}

/// How a Terraform type maps: infra type, the manifest property naming the resource and
/// the Terraform attribute with the same value, and the attribute that is infra's id.
pub struct Mapping {
    pub infra_type: &'static str,
    pub property: &'static str,
    pub tf_name: &'static str,
    pub tf_id: &'static str,
}

const MAPPINGS: &[(&str, Mapping)] = &[
    ("aws_secretsmanager_secret", Mapping { infra_type: "secretsmanager.secret", property: "name", tf_name: "name", tf_id: "arn" }),
    (
        "aws_rds_cluster",
        Mapping { infra_type: "rds.cluster", property: "identifier", tf_name: "cluster_identifier", tf_id: "cluster_identifier" },
    ),
    (
        "aws_rds_cluster_instance",
        Mapping { infra_type: "rds.cluster_instance", property: "identifier", tf_name: "identifier", tf_id: "identifier" },
    ),
    ("aws_db_instance", Mapping { infra_type: "rds.instance", property: "identifier", tf_name: "identifier", tf_id: "identifier" }),
    ("aws_db_subnet_group", Mapping { infra_type: "rds.subnet_group", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_security_group", Mapping { infra_type: "ec2.security_group", property: "name", tf_name: "name", tf_id: "id" }),
    ("aws_iam_role", Mapping { infra_type: "iam.role", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_lambda_function", Mapping { infra_type: "lambda.function", property: "name", tf_name: "function_name", tf_id: "function_name" }),
    ("aws_sqs_queue", Mapping { infra_type: "sqs.queue", property: "name", tf_name: "name", tf_id: "url" }),
    ("aws_s3_bucket", Mapping { infra_type: "s3.bucket", property: "name", tf_name: "bucket", tf_id: "bucket" }),
    ("aws_cloudwatch_log_group", Mapping { infra_type: "logs.log_group", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_dynamodb_table", Mapping { infra_type: "dynamodb.table", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_kms_alias", Mapping { infra_type: "kms.alias", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_sns_topic", Mapping { infra_type: "sns.topic", property: "name", tf_name: "name", tf_id: "arn" }),
    ("aws_ecr_repository", Mapping { infra_type: "ecr.repository", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_ssm_parameter", Mapping { infra_type: "ssm.parameter", property: "name", tf_name: "name", tf_id: "name" }),
    // AWS assigns these ids and they have no name: matched by id with --generate only.
    ("aws_vpc", Mapping { infra_type: "ec2.vpc", property: "", tf_name: "", tf_id: "id" }),
    ("aws_subnet", Mapping { infra_type: "ec2.subnet", property: "", tf_name: "", tf_id: "id" }),
    ("aws_internet_gateway", Mapping { infra_type: "ec2.internet_gateway", property: "", tf_name: "", tf_id: "id" }),
    ("aws_eip", Mapping { infra_type: "ec2.eip", property: "", tf_name: "", tf_id: "allocation_id" }),
    ("aws_nat_gateway", Mapping { infra_type: "ec2.nat_gateway", property: "", tf_name: "", tf_id: "id" }),
    ("aws_route_table", Mapping { infra_type: "ec2.route_table", property: "", tf_name: "", tf_id: "id" }),
];

/// Terraform types whose content infra keeps on another resource, and where.
const FOLDED: &[(&str, &str)] = &[
    ("aws_iam_role_policy", "inline_policies of its iam.role"),
    ("aws_iam_role_policy_attachment", "managed_policy_arns of its iam.role"),
    ("aws_s3_bucket_versioning", "versioning of its s3.bucket"),
    ("aws_s3_bucket_server_side_encryption_configuration", "sse_algorithm of its s3.bucket"),
    ("aws_s3_bucket_public_access_block", "public_access_block of its s3.bucket"),
    ("aws_s3_bucket_lifecycle_configuration", "lifecycle_rules of its s3.bucket"),
    ("aws_sqs_queue_redrive_policy", "redrive of its sqs.queue"),
    ("aws_route_table_association", "subnet_ids of its ec2.route_table"),
    ("aws_route", "routes of its ec2.route_table"),
    ("aws_internet_gateway_attachment", "vpc_id of its ec2.internet_gateway"),
    ("aws_secretsmanager_secret_version", "generate of its secretsmanager.secret (the value stays in AWS)"),
];

pub fn mapping(tf_type: &str) -> Option<&'static Mapping> {
    MAPPINGS.iter().find(|(t, _)| *t == tf_type).map(|(_, m)| m)
}

pub fn folded(tf_type: &str) -> Option<&'static str> {
    FOLDED.iter().find(|(t, _)| *t == tf_type).map(|(_, w)| *w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_version_4_and_refuses_others() {
        let text = r#"{"version": 4, "terraform_version": "1.11.4", "serial": 3, "lineage": "x", "outputs": {}, "resources": [
            {"mode": "data", "type": "aws_vpc", "name": "default", "provider": "p", "instances": [{"attributes": {"id": "vpc-1"}}]},
            {"mode": "managed", "type": "random_id", "name": "suffix", "provider": "p", "instances": [{"schema_version": 0, "attributes": {"hex": "a1b2c3d4"}}]},
            {"module": "module.db", "mode": "managed", "type": "aws_sqs_queue", "name": "q", "provider": "p", "instances": [{"index_key": 0, "attributes": {"name": "q0"}}]}
        ]}"#;
        let rs = parse(text).unwrap();
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].address, "random_id.suffix");
        assert_eq!(rs[1].address, "module.db.aws_sqs_queue.q[0]");
        assert!(parse(r#"{"version": 3}"#).unwrap_err().contains("version 3"));
        assert!(mapping("aws_sqs_queue").is_some() && folded("aws_iam_role_policy").is_some());
    }
}
