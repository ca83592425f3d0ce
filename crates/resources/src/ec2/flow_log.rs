//! `ec2.flow_log`: records of the traffic of a VPC (or subnet, or interface), delivered
//! to a CloudWatch Logs group through a role, or to an S3 bucket. AWS allows no change
//! but tags: any other change is a replace.

use async_trait::async_trait;
use aws_sdk_ec2::types::{FlowLogsResourceType, LogDestinationType, ResourceType, TrafficType};

use super::{live_tags, owner_filters, sync_tags, tag_spec};
use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct FlowLogProps {
        /// The VPC's (subnet's, interface's, transit gateway's ...) id.
        resource_id: String => required, replace;
        resource_type: String => default("VPC"), replace, check(Check::OneOf(&[
            "VPC", "Subnet", "NetworkInterface", "TransitGateway", "TransitGatewayAttachment", "RegionalNatGateway",
        ]));
        /// `ALL`, `ACCEPT` or `REJECT` (transit gateways log all traffic: not sent for them).
        traffic_type: String => default("ALL"), replace, check(Check::OneOf(&["ALL", "ACCEPT", "REJECT"]));
        log_destination_type: String => default("cloud-watch-logs"), replace, check(Check::OneOf(&["cloud-watch-logs", "s3", "kinesis-data-firehose"]));
        /// CloudWatch Logs: the log group's name.
        log_group_name: Option<String> => optional, replace;
        /// CloudWatch Logs: the role that lets the service write to the group.
        deliver_logs_permission_arn: Option<String> => optional, replace, check(Check::Arn);
        /// S3: the bucket's ARN (with an optional `/prefix`); Firehose: the delivery stream's ARN.
        log_destination: Option<String> => optional, replace;
        /// Seconds per aggregation: 60 or 600 (60 for transit gateways).
        max_aggregation_interval: i64 => default(600), replace, check(Check::OneOfInt(&[60, 600]));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

/// Transit gateway flow logs take no traffic type (CreateFlowLogs refuses one).
fn transit_gateway(p: &FlowLogProps) -> bool {
    p.resource_type.starts_with("TransitGateway")
}

/// The kind of resource a flow log watches, from its id's prefix (AWS does not report
/// it); `None` for kinds told apart only by the request.
fn resource_type_of(id: &str) -> Option<&'static str> {
    const PREFIXES: &[(&str, &str)] = &[
        ("vpc-", "VPC"),
        ("subnet-", "Subnet"),
        ("eni-", "NetworkInterface"),
        ("tgw-attach-", "TransitGatewayAttachment"),
        ("tgw-", "TransitGateway"),
    ];
    PREFIXES.iter().find(|(prefix, _)| id.starts_with(prefix)).map(|(_, kind)| *kind)
}

/// A log group's name from its ARN (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME`, maybe `:*`).
fn group_name(arn: &str) -> Option<String> {
    let name = arn.split_once(":log-group:")?.1;
    Some(name.strip_suffix(":*").unwrap_or(name).to_string())
}

attrs! {
    pub struct FlowLogAttrs {
        arn: String,
    }
}

pub struct FlowLog;

impl FlowLog {
    async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<aws_sdk_ec2::types::FlowLog>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .describe_flow_logs()
            .flow_log_ids(id)
            .send()
            .await
            .found_code("DescribeFlowLogs", &["InvalidFlowLogId.NotFound"])?;
        Ok(out.and_then(|o| o.flow_logs.and_then(|mut v| v.pop())))
    }
}

#[async_trait]
impl Resource for FlowLog {
    type Props = FlowLogProps;
    type Attrs = FlowLogAttrs;
    const TYPE: &'static str = "ec2.flow_log";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.80.0.0/16"

[resources.logs]
type = "logs.log_group"
name = "/conformance/vpc-flow-logs"
retention_days = 7

[resources.role]
type = "iam.role"
name = "conformance-flow-logs"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "vpc-flow-logs.amazonaws.com" }, Action = "sts:AssumeRole" }] }
inline_policies = { deliver = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource = "*" }] } }

[resources.example]
type = "ec2.flow_log"
resource_id = "${resources.vpc.id}"
log_group_name = "${resources.logs.name}"
deliver_logs_permission_arn = "${resources.role.arn}"
"#,
        updates: &[],
        replace: Some("traffic_type = \"REJECT\""),
        skip: &[],
    };

    fn check(&self, p: &FlowLogProps) -> Vec<Problem> {
        let logs = p.log_destination_type == "cloud-watch-logs";
        if logs && (p.log_group_name.is_none() || p.deliver_logs_permission_arn.is_none()) {
            return vec![(
                "log_group_name".into(),
                "delivery to CloudWatch Logs needs log_group_name and deliver_logs_permission_arn".into(),
            )];
        }
        if !logs && p.log_destination.is_none() {
            return vec![(
                "log_destination".into(),
                "delivery to S3 or Firehose needs log_destination (the bucket's or delivery stream's ARN)".into(),
            )];
        }
        if transit_gateway(p) && p.max_aggregation_interval != 60 {
            return vec![("max_aggregation_interval".into(), "a transit gateway's flow log aggregates over 60 seconds".into())];
        }
        Vec::new()
    }

    async fn find(&self, cx: &Ctx<'_>, p: &FlowLogProps) -> Result<Option<String>, ResourceError> {
        let out = cx.aws.ec2().describe_flow_logs().set_filter(Some(owner_filters(&p.tags))).send().await.api("DescribeFlowLogs")?;
        Ok(out.flow_logs().first().and_then(|f| f.flow_log_id()).map(str::to_string))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &FlowLogProps) -> Result<Created<FlowLogAttrs>, ResourceError> {
        let out = cx
            .aws
            .ec2()
            .create_flow_logs()
            .resource_ids(&p.resource_id)
            .resource_type(FlowLogsResourceType::from(p.resource_type.as_str()))
            .set_traffic_type((!transit_gateway(p)).then(|| TrafficType::from(p.traffic_type.as_str())))
            .log_destination_type(LogDestinationType::from(p.log_destination_type.as_str()))
            .set_log_group_name(p.log_group_name.clone())
            .set_deliver_logs_permission_arn(p.deliver_logs_permission_arn.clone())
            .set_log_destination(p.log_destination.clone())
            .max_aggregation_interval(p.max_aggregation_interval as i32)
            .tag_specifications(tag_spec(ResourceType::VpcFlowLog, &p.tags))
            .send()
            .await
            .api("CreateFlowLogs")?;
        if let Some(e) = out.unsuccessful().first() {
            let why = e.error().and_then(|e| e.message()).unwrap_or("no reason given");
            return Err(ResourceError::Invalid(format!("CreateFlowLogs refused {}: {why}", p.resource_id)));
        }
        let id = out.flow_log_ids().first().cloned().unwrap_or_default();
        Ok(Created::new(&id, FlowLogAttrs { arn: cx.arn("ec2", true, &format!("vpc-flow-log/{id}")).await? }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &FlowLogProps) -> Result<Option<Observed<FlowLogProps, FlowLogAttrs>>, ResourceError> {
        let Some(f) = Self::describe(cx, id).await? else { return Ok(None) };
        let destination_type = f.log_destination_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| p.log_destination_type.clone());
        let props = FlowLogProps {
            resource_id: f.resource_id().unwrap_or_default().to_string(),
            resource_type: f.resource_id().and_then(resource_type_of).map(str::to_string).unwrap_or_else(|| p.resource_type.clone()),
            traffic_type: f.traffic_type().map(|t| t.as_str().to_string()).unwrap_or_else(|| p.traffic_type.clone()),
            log_destination_type: destination_type.clone(),
            // AWS names the group; the emulator, for a flow log made with the group's ARN
            // (as Terraform makes it), gives only the ARN.
            log_group_name: f
                .log_group_name()
                .map(str::to_string)
                .or_else(|| f.log_destination().filter(|_| destination_type == "cloud-watch-logs").and_then(group_name))
                .or(p.log_group_name.clone()),
            deliver_logs_permission_arn: f.deliver_logs_permission_arn().map(str::to_string).or(p.deliver_logs_permission_arn.clone()),
            // For CloudWatch Logs AWS reports the group's ARN, given as `log_group_name`.
            log_destination: if destination_type == "cloud-watch-logs" {
                p.log_destination.as_ref().and(f.log_destination().map(str::to_string))
            } else {
                f.log_destination().map(str::to_string).or(p.log_destination.clone())
            },
            max_aggregation_interval: f.max_aggregation_interval().map(i64::from).unwrap_or(p.max_aggregation_interval),
            tags: live_tags(f.tags()),
        };
        Ok(Some(Observed { props, attrs: FlowLogAttrs { arn: cx.arn("ec2", true, &format!("vpc-flow-log/{id}")).await? } }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ec2().describe_flow_logs().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("DescribeFlowLogs")?.flow_logs().iter().filter_map(|x| x.flow_log_id()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &FlowLogProps, new: &FlowLogProps) -> Result<Option<FlowLogAttrs>, ResourceError> {
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &FlowLogProps) -> Result<(), ResourceError> {
        cx.aws.ec2().delete_flow_logs().flow_log_ids(id).send().await.found_code("DeleteFlowLogs", &["InvalidFlowLogId.NotFound"])?;
        Ok(())
    }
}
