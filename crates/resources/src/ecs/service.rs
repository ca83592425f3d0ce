//! `ecs.service`: keeps `desired_count` tasks of a task definition running on Fargate
//! in private subnets, registered with load balancer target groups, with the deployment
//! circuit breaker. Pointing it at a new task definition revision or at other target
//! groups is an update (a rolling deployment: new tasks start before old ones stop).

use async_trait::async_trait;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DeploymentCircuitBreaker, DeploymentConfiguration, LaunchType, LoadBalancer as SdkLoadBalancer,
    NetworkConfiguration, Service as SdkService, ServiceField,
};

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::check::{Chars, Check};
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    /// A target group the service registers its tasks' addresses with.
    pub struct LoadBalancer {
        target_group_arn: String => required, check(Check::Arn);
        container_name: String => required;
        container_port: i64 => required, check(Check::Range { min: 1, max: 65535 });
    }
}

props! {
    pub struct ServiceProps {
        name: String => required, replace, check(Check::Name { what: "service name", min: 1, max: 255, chars: Chars::AlnumDashUnderscore });
        /// The cluster's name or ARN.
        cluster: String => required, replace;
        /// The task definition revision's ARN (`${resources.TASK.arn}`).
        task_definition: String => required;
        desired_count: i64 => default(1), check(Check::Range { min: 0, max: 5000 });
        subnets: Vec<String> => required;
        security_groups: Vec<String> => default([]);
        /// Give tasks a public address (public subnets without a NAT only).
        assign_public_ip: bool => default(false);
        /// Changing them is a rolling deployment, not a new service.
        load_balancers: Vec<LoadBalancer> => default([]);
        /// Seconds a new task's failing load balancer health checks are ignored.
        health_check_grace_period_seconds: Option<i64> => optional, check(Check::Range { min: 0, max: 2147483647 });
        /// Stop a deployment whose tasks keep failing to start ...
        circuit_breaker: bool => default(true);
        /// ... and roll back to the last revision that ran.
        rollback: bool => default(true);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ServiceAttrs {
        name: String,
        arn: String,
    }
}

pub struct Service;

fn network(p: &ServiceProps) -> Result<NetworkConfiguration, ResourceError> {
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(p.subnets.clone()))
        .set_security_groups(Some(p.security_groups.clone()))
        .assign_public_ip(if p.assign_public_ip { AssignPublicIp::Enabled } else { AssignPublicIp::Disabled })
        .build()?;
    Ok(NetworkConfiguration::builder().awsvpc_configuration(vpc).build())
}

fn load_balancer(lb: &LoadBalancer) -> SdkLoadBalancer {
    SdkLoadBalancer::builder()
        .target_group_arn(&lb.target_group_arn)
        .container_name(&lb.container_name)
        .container_port(lb.container_port as i32)
        .build()
}

fn deployment(p: &ServiceProps) -> DeploymentConfiguration {
    let breaker = DeploymentCircuitBreaker::builder().enable(p.circuit_breaker).rollback(p.rollback).build();
    DeploymentConfiguration::builder().deployment_circuit_breaker(breaker).build()
}

/// The cluster as the manifest spelled it, when the live ARN names the same cluster.
fn same_cluster(live_arn: &str, wanted: &str) -> String {
    if live_arn == wanted || live_arn.rsplit('/').next() == Some(wanted) {
        wanted.to_string()
    } else {
        live_arn.to_string()
    }
}

/// Subnets and security groups are sets: AWS lists them in an order of its own.
fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The cluster a service ARN names (`...:service/CLUSTER/NAME`); the older short
/// format (`...:service/NAME`) names none.
fn cluster_of(arn: &str) -> Option<&str> {
    arn.rsplit_once(":service/")?.1.split_once('/').map(|(cluster, _)| cluster)
}

async fn describe(cx: &Ctx<'_>, cluster: &str, service: &str) -> Result<Option<SdkService>, ResourceError> {
    let out = cx
        .aws
        .ecs()
        .describe_services()
        .cluster(cluster)
        .services(service)
        .include(ServiceField::Tags)
        .send()
        .await
        .found("DescribeServices", |e| e.is_cluster_not_found_exception())?;
    Ok(out.and_then(|o| o.services.and_then(|mut s| s.pop())).filter(|s| s.status() != Some("INACTIVE")))
}

#[async_trait]
impl Resource for Service {
    type Props = ServiceProps;
    type Attrs = ServiceAttrs;
    const TYPE: &'static str = "ecs.service";
    const IDENTITY: Identity = Identity::Unique(&["cluster", "name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.vpc]
type = "ec2.vpc"
cidr_block = "10.81.0.0/16"

[resources.subnet]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.81.1.0/24"
availability_zone = "us-east-1a"

[resources.subnet_b]
type = "ec2.subnet"
vpc_id = "${resources.vpc.id}"
cidr_block = "10.81.2.0/24"
availability_zone = "us-east-1b"

[resources.alb]
type = "elbv2.load_balancer"
name = "conformance-svc"
subnets = ["${resources.subnet.id}", "${resources.subnet_b.id}"]

[resources.blue]
type = "elbv2.target_group"
name = "conformance-svc-blue"
port = 8000
vpc_id = "${resources.vpc.id}"

[resources.green]
type = "elbv2.target_group"
name = "conformance-svc-green"
port = 8000
vpc_id = "${resources.vpc.id}"

[resources.http]
type = "elbv2.listener"
load_balancer_arn = "${resources.alb.arn}"
port = 80
default_action = { forward = "${resources.blue.arn}" }

[resources.green_rule]
type = "elbv2.listener_rule"
listener_arn = "${resources.http.arn}"
priority = 10
path_patterns = ["/green/*"]
action = { forward = "${resources.green.arn}" }

[resources.cluster]
type = "ecs.cluster"
name = "conformance-svc"

[resources.task]
type = "ecs.task_definition"
family = "conformance-svc"
containers = [{ name = "api", image = "public.ecr.aws/docker/library/nginx:1.27", ports = [8000] }]

[resources.task2]
type = "ecs.task_definition"
family = "conformance-svc-2"
containers = [{ name = "api", image = "public.ecr.aws/docker/library/nginx:1.28", ports = [8000] }]

[resources.example]
type = "ecs.service"
name = "api"
cluster = "${resources.cluster.name}"
task_definition = "${resources.task.arn}"
subnets = ["${resources.subnet.id}"]
load_balancers = [{ target_group_arn = "${resources.blue.arn}", container_name = "api", container_port = 8000 }]
# ECS takes only target groups a load balancer already forwards to.
depends_on = ["resources.http", "resources.green_rule"]
"#,
        updates: &[
            "desired_count = 2",
            "task_definition = \"${resources.task2.arn}\"",
            "load_balancers = [{ target_group_arn = \"${resources.green.arn}\", container_name = \"api\", container_port = 8000 }]",
        ],
        replace: Some("name = \"api-2\""),
        skip: &[],
    };

    fn early(&self, p: &ServiceProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let cluster = p.cluster.rsplit('/').next().unwrap_or(&p.cluster);
        let arn = format!("arn:{}:ecs:{}:{}:service/{cluster}/{}", at.partition, at.region, at.account_id, p.name);
        vec![("id", arn.clone()), ("name", p.name.clone()), ("arn", arn)]
    }

    /// ECS keeps the subnets and groups in no order of the manifest's: they are sets.
    fn prepare(&self, p: &mut ServiceProps, _cx: &crate::PrepareCx<'_>) -> Result<(), ResourceError> {
        p.subnets.sort();
        p.security_groups.sort();
        Ok(())
    }

    async fn find(&self, cx: &Ctx<'_>, p: &ServiceProps) -> Result<Option<String>, ResourceError> {
        Ok(describe(cx, &p.cluster, &p.name).await?.and_then(|s| s.service_arn).filter(|a| !a.is_empty()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ServiceProps) -> Result<Created<ServiceAttrs>, ResourceError> {
        let mut req = cx
            .aws
            .ecs()
            .create_service()
            .cluster(&p.cluster)
            .service_name(&p.name)
            .task_definition(&p.task_definition)
            .desired_count(p.desired_count as i32)
            .launch_type(LaunchType::Fargate)
            .network_configuration(network(p)?)
            .deployment_configuration(deployment(p))
            .set_health_check_grace_period_seconds(p.health_check_grace_period_seconds.map(|s| s as i32))
            .set_tags((!p.tags.is_empty()).then(|| sdk_tags(&p.tags)))
            .set_client_token(cx.token.map(str::to_string));
        for lb in &p.load_balancers {
            req = req.load_balancers(load_balancer(lb));
        }
        let out = req.send().await.api("CreateService")?;
        let arn = out.service().and_then(|s| s.service_arn()).unwrap_or_default().to_string();
        Ok(Created::new(&arn, ServiceAttrs { name: p.name.clone(), arn: arn.clone() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &ServiceProps) -> Result<Option<Observed<ServiceProps, ServiceAttrs>>, ResourceError> {
        // Read from the id alone (discover) the cluster is not known: the ARN names it.
        let cluster = match cluster_of(id) {
            Some(c) if p.cluster != c && p.cluster.rsplit('/').next() != Some(c) => c.to_string(),
            _ => p.cluster.clone(),
        };
        let Some(s) = describe(cx, &cluster, id).await? else { return Ok(None) };
        let vpc = s.network_configuration().and_then(|n| n.awsvpc_configuration());
        // The emulator does not return the deployment configuration; AWS always does.
        let breaker = s.deployment_configuration().and_then(|d| d.deployment_circuit_breaker());
        let props = ServiceProps {
            name: s.service_name().unwrap_or(&p.name).to_string(),
            cluster: same_cluster(s.cluster_arn().unwrap_or_default(), &cluster),
            task_definition: s.task_definition().unwrap_or_default().to_string(),
            desired_count: i64::from(s.desired_count()),
            subnets: sorted(vpc.map(|v| v.subnets().to_vec()).unwrap_or_default()),
            security_groups: sorted(vpc.map(|v| v.security_groups().to_vec()).unwrap_or_default()),
            assign_public_ip: vpc.and_then(|v| v.assign_public_ip()) == Some(&AssignPublicIp::Enabled),
            load_balancers: s
                .load_balancers()
                .iter()
                .map(|l| LoadBalancer {
                    target_group_arn: l.target_group_arn().unwrap_or_default().to_string(),
                    container_name: l.container_name().unwrap_or_default().to_string(),
                    container_port: l.container_port().map(i64::from).unwrap_or_default(),
                })
                .collect(),
            health_check_grace_period_seconds: s.health_check_grace_period_seconds().map(i64::from).or(p.health_check_grace_period_seconds),
            circuit_breaker: breaker.map(|b| b.enable()).unwrap_or(p.circuit_breaker),
            rollback: breaker.map(|b| b.rollback()).unwrap_or(p.rollback),
            tags: live_tags(s.tags()),
        };
        Ok(Some(Observed { props: props.clone(), attrs: ServiceAttrs { name: props.name, arn: id.to_string() } }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &ServiceProps, new: &ServiceProps) -> Result<Option<ServiceAttrs>, ResourceError> {
        if tags::changed_besides_tags(old, new, |p| &mut p.tags) {
            // Sent only when changed: an empty list detaches every target group, and
            // sending the attachment starts a deployment.
            let load_balancers = (old.load_balancers != new.load_balancers).then(|| new.load_balancers.iter().map(load_balancer).collect());
            cx.aws
                .ecs()
                .update_service()
                .cluster(&new.cluster)
                .service(id)
                .task_definition(&new.task_definition)
                .desired_count(new.desired_count as i32)
                .network_configuration(network(new)?)
                .deployment_configuration(deployment(new))
                .set_health_check_grace_period_seconds(new.health_check_grace_period_seconds.map(|s| s as i32))
                .set_load_balancers(load_balancers)
                .send()
                .await
                .api("UpdateService")?;
        }
        sync_tags(cx, id, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut clusters = cx.aws.ecs().list_clusters().into_paginator().send();
        while let Some(page) = clusters.next().await {
            for cluster in page.api("ListClusters")?.cluster_arns() {
                let mut pages = cx.aws.ecs().list_services().cluster(cluster).into_paginator().send();
                while let Some(page) = pages.next().await {
                    out.extend(page.api("ListServices")?.service_arns().iter().cloned());
                }
            }
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &ServiceProps) -> Result<(), ResourceError> {
        // `force` stops the tasks with the service rather than scaling to zero first.
        let req = cx.aws.ecs().delete_service().cluster(&p.cluster).service(id).force(true);
        req.send().await.found("DeleteService", |e| e.is_service_not_found_exception() || e.is_cluster_not_found_exception())?;
        cx.wait_gone(&format!("service {}", p.name), || async { Ok(describe(cx, &p.cluster, id).await?.is_some()) }).await
    }
}
