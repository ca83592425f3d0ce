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

#[cfg(test)]
impl TfResource {
    /// A root-module instance `TYPE.x` with these attributes.
    pub fn for_test(tf_type: &str, mode: &str, attributes: Value) -> Self {
        TfResource {
            address: format!("{tf_type}.x"),
            tf_type: tf_type.into(),
            name: "x".into(),
            attributes: attributes.as_object().cloned().unwrap_or_default(),
            module: None,
            key: None,
            mode: mode.into(),
        }
    }
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
/// the Terraform attribute with the same value, and the attribute that is infra's id
/// (`a/b`: the values of attributes `a` and `b`, joined by `/`; `a:b` likewise by `:`;
/// `a:b?`: `b` only where it has a value).
pub struct Mapping {
    pub infra_type: &'static str,
    pub property: &'static str,
    pub tf_name: &'static str,
    pub tf_id: &'static str,
}

impl Mapping {
    /// infra's physical id of a Terraform resource, from its attributes.
    pub fn id_of(&self, r: &TfResource) -> Option<String> {
        let text = |attr: &str| r.attributes.get(attr).and_then(Value::as_str).filter(|s| !s.is_empty());
        let Some(sep) = self.tf_id.chars().find(|c| matches!(c, '/' | ':')) else {
            return text(self.tf_id).or_else(|| text("id")).map(str::to_string);
        };
        let mut parts = Vec::new();
        for attr in self.tf_id.split(sep) {
            match attr.strip_suffix('?') {
                // Left out, with its separator, where the attribute is empty.
                Some(attr) => parts.extend(text(attr)),
                None => parts.push(text(attr)?),
            }
        }
        Some(parts.join(&sep.to_string()))
    }
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
    ("aws_api_gateway_rest_api", Mapping { infra_type: "apigateway.rest_api", property: "name", tf_name: "name", tf_id: "id" }),
    ("aws_api_gateway_api_key", Mapping { infra_type: "apigateway.api_key", property: "name", tf_name: "name", tf_id: "id" }),
    ("aws_api_gateway_usage_plan", Mapping { infra_type: "apigateway.usage_plan", property: "name", tf_name: "name", tf_id: "id" }),
    ("aws_apigatewayv2_api", Mapping { infra_type: "apigatewayv2.api", property: "name", tf_name: "name", tf_id: "id" }),
    (
        "aws_lambda_permission",
        Mapping { infra_type: "lambda.permission", property: "statement_id", tf_name: "statement_id", tf_id: "function_name/statement_id" },
    ),
    ("aws_sns_topic_policy", Mapping { infra_type: "sns.topic_policy", property: "topic_arn", tf_name: "arn", tf_id: "arn" }),
    ("aws_sqs_queue_policy", Mapping { infra_type: "sqs.queue_policy", property: "queue_url", tf_name: "queue_url", tf_id: "queue_url" }),
    ("aws_s3_bucket_policy", Mapping { infra_type: "s3.bucket_policy", property: "bucket", tf_name: "bucket", tf_id: "bucket" }),
    (
        "aws_s3_bucket_notification",
        Mapping { infra_type: "s3.bucket_notification", property: "bucket", tf_name: "bucket", tf_id: "bucket" },
    ),
    ("aws_cloudwatch_event_bus", Mapping { infra_type: "events.event_bus", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_cloudwatch_event_rule", Mapping { infra_type: "events.rule", property: "name", tf_name: "name", tf_id: "id" }),
    (
        "aws_cloudwatch_event_target",
        Mapping { infra_type: "events.target", property: "target_id", tf_name: "target_id", tf_id: "event_bus_name/rule/target_id" },
    ),
    ("aws_scheduler_schedule", Mapping { infra_type: "scheduler.schedule", property: "name", tf_name: "name", tf_id: "name" }),
    (
        "aws_cloudwatch_metric_alarm",
        Mapping { infra_type: "cloudwatch.metric_alarm", property: "name", tf_name: "alarm_name", tf_id: "alarm_name" },
    ),
    (
        "aws_cloudwatch_dashboard",
        Mapping { infra_type: "cloudwatch.dashboard", property: "name", tf_name: "dashboard_name", tf_id: "dashboard_name" },
    ),
    (
        "aws_cloudwatch_log_metric_filter",
        Mapping { infra_type: "logs.metric_filter", property: "name", tf_name: "name", tf_id: "log_group_name:name" },
    ),
    (
        "aws_cloudwatch_log_subscription_filter",
        Mapping { infra_type: "logs.subscription_filter", property: "name", tf_name: "name", tf_id: "log_group_name:name" },
    ),
    (
        "aws_cloudwatch_log_resource_policy",
        Mapping { infra_type: "logs.resource_policy", property: "name", tf_name: "policy_name", tf_id: "policy_name" },
    ),
    ("aws_kinesis_stream", Mapping { infra_type: "kinesis.stream", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_iam_policy", Mapping { infra_type: "iam.policy", property: "name", tf_name: "name", tf_id: "arn" }),
    ("aws_iam_instance_profile", Mapping { infra_type: "iam.instance_profile", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_lambda_alias", Mapping { infra_type: "lambda.alias", property: "name", tf_name: "name", tf_id: "arn" }),
    ("aws_ecs_cluster", Mapping { infra_type: "ecs.cluster", property: "name", tf_name: "name", tf_id: "name" }),
    ("aws_ecs_task_definition", Mapping { infra_type: "ecs.task_definition", property: "family", tf_name: "family", tf_id: "family" }),
    ("aws_ecs_service", Mapping { infra_type: "ecs.service", property: "name", tf_name: "name", tf_id: "id" }),
    ("aws_lb", Mapping { infra_type: "elbv2.load_balancer", property: "name", tf_name: "name", tf_id: "arn" }),
    ("aws_alb", Mapping { infra_type: "elbv2.load_balancer", property: "name", tf_name: "name", tf_id: "arn" }),
    ("aws_lb_target_group", Mapping { infra_type: "elbv2.target_group", property: "name", tf_name: "name", tf_id: "arn" }),
    ("aws_alb_target_group", Mapping { infra_type: "elbv2.target_group", property: "name", tf_name: "name", tf_id: "arn" }),
    (
        "aws_cloudfront_origin_access_control",
        Mapping { infra_type: "cloudfront.origin_access_control", property: "name", tf_name: "name", tf_id: "id" },
    ),
    (
        "aws_apigatewayv2_domain_name",
        Mapping { infra_type: "apigatewayv2.domain_name", property: "domain_name", tf_name: "domain_name", tf_id: "domain_name" },
    ),
    ("aws_sagemaker_model", Mapping { infra_type: "sagemaker.model", property: "name", tf_name: "name", tf_id: "name" }),
    (
        "aws_sagemaker_endpoint_configuration",
        Mapping { infra_type: "sagemaker.endpoint_config", property: "name", tf_name: "name", tf_id: "name" },
    ),
    ("aws_sagemaker_endpoint", Mapping { infra_type: "sagemaker.endpoint", property: "name", tf_name: "name", tf_id: "name" }),
    // AWS assigns these ids, or they are named by another resource: by id, --generate only.
    ("aws_sns_topic_subscription", Mapping { infra_type: "sns.subscription", property: "", tf_name: "", tf_id: "arn" }),
    ("aws_kms_key", Mapping { infra_type: "kms.key", property: "", tf_name: "", tf_id: "key_id" }),
    ("aws_iam_openid_connect_provider", Mapping { infra_type: "iam.openid_connect_provider", property: "", tf_name: "", tf_id: "arn" }),
    ("aws_lambda_function_url", Mapping { infra_type: "lambda.function_url", property: "", tf_name: "", tf_id: "function_arn:qualifier?" }),
    ("aws_lambda_event_source_mapping", Mapping { infra_type: "lambda.event_source_mapping", property: "", tf_name: "", tf_id: "uuid" }),
    ("aws_lambda_layer_version", Mapping { infra_type: "lambda.layer_version", property: "", tf_name: "", tf_id: "arn" }),
    ("aws_lb_listener", Mapping { infra_type: "elbv2.listener", property: "", tf_name: "", tf_id: "arn" }),
    ("aws_alb_listener", Mapping { infra_type: "elbv2.listener", property: "", tf_name: "", tf_id: "arn" }),
    ("aws_lb_listener_rule", Mapping { infra_type: "elbv2.listener_rule", property: "", tf_name: "", tf_id: "arn" }),
    ("aws_alb_listener_rule", Mapping { infra_type: "elbv2.listener_rule", property: "", tf_name: "", tf_id: "arn" }),
    (
        "aws_security_group_rule",
        Mapping { infra_type: "ec2.security_group_rule", property: "", tf_name: "", tf_id: "security_group_rule_id" },
    ),
    (
        "aws_vpc_security_group_ingress_rule",
        Mapping { infra_type: "ec2.security_group_rule", property: "", tf_name: "", tf_id: "security_group_rule_id" },
    ),
    (
        "aws_vpc_security_group_egress_rule",
        Mapping { infra_type: "ec2.security_group_rule", property: "", tf_name: "", tf_id: "security_group_rule_id" },
    ),
    ("aws_vpc_endpoint", Mapping { infra_type: "ec2.vpc_endpoint", property: "", tf_name: "", tf_id: "id" }),
    ("aws_flow_log", Mapping { infra_type: "ec2.flow_log", property: "", tf_name: "", tf_id: "id" }),
    ("aws_route53_zone", Mapping { infra_type: "route53.zone", property: "", tf_name: "", tf_id: "zone_id" }),
    ("aws_route53_record", Mapping { infra_type: "route53.record", property: "", tf_name: "", tf_id: "id" }),
    ("aws_acm_certificate", Mapping { infra_type: "acm.certificate", property: "", tf_name: "", tf_id: "arn" }),
    ("aws_cloudfront_distribution", Mapping { infra_type: "cloudfront.distribution", property: "", tf_name: "", tf_id: "id" }),
    ("aws_apigatewayv2_authorizer", Mapping { infra_type: "apigatewayv2.authorizer", property: "", tf_name: "", tf_id: "id" }),
    (
        "aws_apigatewayv2_api_mapping",
        Mapping { infra_type: "apigatewayv2.api_mapping", property: "", tf_name: "", tf_id: "domain_name/id" },
    ),
    // AWS assigns these ids and they have no name: matched by id with --generate only.
    ("aws_vpc", Mapping { infra_type: "ec2.vpc", property: "", tf_name: "", tf_id: "id" }),
    ("aws_subnet", Mapping { infra_type: "ec2.subnet", property: "", tf_name: "", tf_id: "id" }),
    ("aws_internet_gateway", Mapping { infra_type: "ec2.internet_gateway", property: "", tf_name: "", tf_id: "id" }),
    ("aws_eip", Mapping { infra_type: "ec2.eip", property: "", tf_name: "", tf_id: "allocation_id" }),
    ("aws_nat_gateway", Mapping { infra_type: "ec2.nat_gateway", property: "", tf_name: "", tf_id: "id" }),
    ("aws_route_table", Mapping { infra_type: "ec2.route_table", property: "", tf_name: "", tf_id: "id" }),
    ("aws_apigatewayv2_integration", Mapping { infra_type: "apigatewayv2.integration", property: "", tf_name: "", tf_id: "id" }),
    ("aws_apigatewayv2_route", Mapping { infra_type: "apigatewayv2.route", property: "", tf_name: "", tf_id: "id" }),
    // A stage's id is its name (`$default` is in every API): by id and its API's id.
    ("aws_apigatewayv2_stage", Mapping { infra_type: "apigatewayv2.stage", property: "", tf_name: "", tf_id: "name" }),
];

/// What infra's read cannot learn from AWS alone and Terraform's state says: the API a
/// stage belongs to (read by id, its name says none), a version or subnet group that is
/// compared only when chosen, and infra's own settings AWS does not hold (the recovery
/// window of a secret, a final snapshot skipped). (Terraform type, infra property,
/// Terraform attribute.) Given to the read as what was applied, they are written to
/// the manifest where they differ from infra's defaults.
const HINTS: &[(&str, &str, &str)] = &[
    ("aws_apigatewayv2_stage", "api_id", "api_id"),
    ("aws_apigatewayv2_integration", "api_id", "api_id"),
    ("aws_apigatewayv2_route", "api_id", "api_id"),
    ("aws_rds_cluster", "engine_version", "engine_version"),
    ("aws_rds_cluster", "subnet_group", "db_subnet_group_name"),
    ("aws_rds_cluster", "skip_final_snapshot", "skip_final_snapshot"),
    ("aws_db_instance", "engine_version", "engine_version"),
    ("aws_db_instance", "subnet_group", "db_subnet_group_name"),
    ("aws_db_instance", "skip_final_snapshot", "skip_final_snapshot"),
    ("aws_secretsmanager_secret", "recovery_window_days", "recovery_window_in_days"),
    ("aws_s3_bucket", "force_destroy", "force_destroy"),
    ("aws_ecr_repository", "force_delete", "force_delete"),
    ("aws_scheduler_schedule", "group", "group_name"),
    ("aws_apigatewayv2_authorizer", "api_id", "api_id"),
    ("aws_db_instance", "security_group_ids", "vpc_security_group_ids"),
    ("aws_kms_key", "deletion_window_days", "deletion_window_in_days"),
    ("aws_iam_openid_connect_provider", "thumbprints", "thumbprint_list"),
];

/// `blank` (the properties a read from the id alone starts from) with what Terraform's
/// state says of them (see [`HINTS`]): only values of the type the property has.
pub fn hinted(r: &TfResource, mut blank: Value) -> Value {
    let Value::Object(props) = &mut blank else { return blank };
    for (_, prop, attr) in HINTS.iter().filter(|(t, _, _)| *t == r.tf_type) {
        let Some(v) = r.attributes.get(*attr).filter(|v| !v.is_null() && v.as_str() != Some("")) else { continue };
        let same_kind = match props.get(*prop) {
            None | Some(Value::Null) => true,
            Some(old) => std::mem::discriminant(old) == std::mem::discriminant(v),
        };
        if same_kind {
            props.insert(prop.to_string(), v.clone());
        }
    }
    blank
}

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
    ("aws_api_gateway_resource", "routes of its apigateway.rest_api"),
    ("aws_api_gateway_method", "routes of its apigateway.rest_api"),
    ("aws_api_gateway_integration", "routes of its apigateway.rest_api"),
    ("aws_api_gateway_method_response", "routes of its apigateway.rest_api (Lambda proxy responses)"),
    ("aws_api_gateway_integration_response", "routes of its apigateway.rest_api (Lambda proxy responses)"),
    ("aws_api_gateway_deployment", "its apigateway.rest_api, which deploys every change"),
    ("aws_api_gateway_stage", "stage_name of its apigateway.rest_api"),
    ("aws_api_gateway_usage_plan_key", "api_key_ids of its apigateway.usage_plan"),
    ("aws_secretsmanager_secret_version", "generate of its secretsmanager.secret (the value stays in AWS)"),
    ("aws_kms_key_policy", "policy of its kms.key"),
    ("aws_ecr_lifecycle_policy", "lifecycle_policy of its ecr.repository"),
    ("aws_s3_bucket_logging", "logging of its s3.bucket"),
    ("aws_s3_bucket_cors_configuration", "cors_rules of its s3.bucket"),
    ("aws_s3_bucket_intelligent_tiering_configuration", "intelligent_tiering of its s3.bucket"),
    ("aws_s3_bucket_ownership_controls", "object_ownership of its s3.bucket"),
    ("aws_vpc_endpoint_route_table_association", "route_table_ids of its ec2.vpc_endpoint"),
    ("aws_vpc_endpoint_subnet_association", "subnet_ids of its ec2.vpc_endpoint"),
    ("aws_vpc_endpoint_security_group_association", "security_group_ids of its ec2.vpc_endpoint"),
    ("aws_vpc_endpoint_policy", "policy of its ec2.vpc_endpoint"),
    ("aws_route53_zone_association", "vpc_ids of its route53.zone"),
    ("aws_acm_certificate_validation", "wait_for_validation of its acm.certificate"),
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

    #[test]
    fn every_mapping_names_a_type_infra_has() {
        for (tf_type, m) in MAPPINGS {
            let rtype = crate::resources::registry::resource(m.infra_type);
            let rtype = rtype.unwrap_or_else(|| panic!("{tf_type} maps to {}, which is not a registered type", m.infra_type));
            if !m.property.is_empty() {
                assert!(rtype.schema().field(m.property).is_some(), "{tf_type}: {} has no property {}", m.infra_type, m.property);
            }
            assert_eq!(MAPPINGS.iter().filter(|(t, _)| t == tf_type).count(), 1, "{tf_type} is mapped twice");
            assert!(folded(tf_type).is_none(), "{tf_type} is both mapped and folded");
        }
        for (tf_type, prop, _) in HINTS {
            let m = mapping(tf_type).unwrap_or_else(|| panic!("a hint for {tf_type}, which is not mapped"));
            let rtype = crate::resources::registry::resource(m.infra_type).unwrap();
            assert!(rtype.schema().field(prop).is_some(), "hint for {tf_type}: {} has no property {prop}", m.infra_type);
        }
    }

    #[test]
    fn ids_join_attributes() {
        let r = |attrs: Value| TfResource::for_test("x", "managed", attrs);
        let filter = mapping("aws_cloudwatch_log_metric_filter").unwrap();
        let got = filter.id_of(&r(serde_json::json!({"id": "errors", "name": "errors", "log_group_name": "/app/api"})));
        assert_eq!(got.as_deref(), Some("/app/api:errors"));
        let target = mapping("aws_cloudwatch_event_target").unwrap();
        let got = target.id_of(&r(serde_json::json!({"id": "b-r-t", "event_bus_name": "b", "rule": "r", "target_id": "t"})));
        assert_eq!(got.as_deref(), Some("b/r/t"));
        assert_eq!(target.id_of(&r(serde_json::json!({"id": "b-r-t", "rule": "r"}))), None, "a part missing is no id");
        let url = mapping("aws_lambda_function_url").unwrap();
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:f";
        assert_eq!(url.id_of(&r(serde_json::json!({"function_arn": arn, "qualifier": "live"}))), Some(format!("{arn}:live")));
        assert_eq!(
            url.id_of(&r(serde_json::json!({"function_arn": arn, "qualifier": ""}))).as_deref(),
            Some(arn),
            "no qualifier, none in the id"
        );
    }
}
