//! `ecs.task_definition`: a Fargate task definition family. The physical id is the
//! family; each change registers a new revision and `arn` names it, so a service that
//! references `${resources.TASK.arn}` moves to it in the same run. Earlier revisions
//! stay registered (a rollback target) until the resource is deleted, which deregisters
//! every revision of the family.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, CpuArchitecture, KeyValuePair, LogConfiguration, LogDriver, NetworkMode, OsFamily, PortMapping,
    RuntimePlatform, Secret, TaskDefinition as SdkTaskDefinition, TaskDefinitionFamilyStatus, TaskDefinitionField, TaskDefinitionStatus,
    TransportProtocol,
};

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::check::{Chars, Check};
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    /// One container of the task.
    pub struct Container {
        name: String => required;
        image: String => required;
        /// Container ports to publish (TCP); a load balancer's target group points at one.
        ports: Vec<i64> => default([]), check(Check::Range { min: 1, max: 65535 });
        environment: BTreeMap<String, String> => default({});
        /// Variables filled from Secrets Manager at start: variable name to secret ARN
        /// (`ARN:json-key::` picks one key). The value never passes through infra.
        secrets: BTreeMap<String, String> => default({});
        command: Vec<String> => default([]);
        /// CPU units reserved for this container (0: share the task's).
        cpu: i64 => default(0);
        /// Hard memory limit in MiB; none: the task's.
        memory: Option<i64> => optional;
        essential: bool => default(true);
        /// Send the container's output to this CloudWatch Logs group (`awslogs`).
        log_group: Option<String> => optional;
        log_stream_prefix: String => default("ecs");
    }
}

props! {
    pub struct TaskDefinitionProps {
        family: String => required, replace, check(Check::Name { what: "family", min: 1, max: 255, chars: Chars::AlnumDashUnderscore });
        /// CPU units for the task: 256 (.25 vCPU) to 16384.
        cpu: i64 => default(256), check(Check::OneOfInt(&[256, 512, 1024, 2048, 4096, 8192, 16384]));
        /// MiB; Fargate allows certain values per `cpu` (512-2048 for 256 units ...).
        memory: i64 => default(512), check(Check::Range { min: 512, max: 122880 });
        /// `X86_64` or `ARM64` (Graviton: about 20% cheaper).
        cpu_architecture: String => default("X86_64"), check(Check::OneOf(&["X86_64", "ARM64"]));
        /// The role ECS uses to pull the image and read `secrets`.
        execution_role_arn: Option<String> => optional, check(Check::Arn);
        /// The role the containers' code runs as.
        task_role_arn: Option<String> => optional, check(Check::Arn);
        containers: Vec<Container> => required;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct TaskDefinitionAttrs {
        family: String,
        /// The current revision's ARN (`...:task-definition/FAMILY:N`).
        arn: String,
        revision: i64,
    }
}

pub struct TaskDefinition;

fn container(c: &Container, region: &str) -> Result<ContainerDefinition, ResourceError> {
    let mut b = ContainerDefinition::builder()
        .name(&c.name)
        .image(&c.image)
        .cpu(c.cpu as i32)
        .set_memory(c.memory.map(|m| m as i32))
        .essential(c.essential)
        .set_command((!c.command.is_empty()).then(|| c.command.clone()));
    for port in &c.ports {
        b = b.port_mappings(PortMapping::builder().container_port(*port as i32).protocol(TransportProtocol::Tcp).build());
    }
    for (name, value) in &c.environment {
        b = b.environment(KeyValuePair::builder().name(name).value(value).build());
    }
    for (name, from) in &c.secrets {
        b = b.secrets(Secret::builder().name(name).value_from(from).build()?);
    }
    if let Some(group) = &c.log_group {
        let options = HashMap::from([
            ("awslogs-group".to_string(), group.clone()),
            ("awslogs-region".to_string(), region.to_string()),
            ("awslogs-stream-prefix".to_string(), c.log_stream_prefix.clone()),
        ]);
        b = b.log_configuration(LogConfiguration::builder().log_driver(LogDriver::Awslogs).set_options(Some(options)).build()?);
    }
    Ok(b.build())
}

fn live_container(c: &ContainerDefinition, was: Option<&Container>) -> Container {
    let options = c.log_configuration().and_then(|l| l.options());
    Container {
        name: c.name().unwrap_or_default().to_string(),
        image: c.image().unwrap_or_default().to_string(),
        ports: c.port_mappings().iter().filter_map(|p| p.container_port()).map(i64::from).collect(),
        environment: c.environment().iter().filter_map(|kv| Some((kv.name()?.to_string(), kv.value()?.to_string()))).collect(),
        secrets: c.secrets().iter().map(|s| (s.name().to_string(), s.value_from().to_string())).collect(),
        command: c.command().to_vec(),
        cpu: i64::from(c.cpu()),
        memory: c.memory().map(i64::from),
        essential: c.essential().unwrap_or(true),
        log_group: options.and_then(|o| o.get("awslogs-group")).cloned(),
        log_stream_prefix: options
            .and_then(|o| o.get("awslogs-stream-prefix"))
            .cloned()
            .or_else(|| was.map(|w| w.log_stream_prefix.clone()))
            .unwrap_or_else(|| "ecs".into()),
    }
}

fn attrs(t: &SdkTaskDefinition) -> TaskDefinitionAttrs {
    TaskDefinitionAttrs {
        family: t.family().unwrap_or_default().to_string(),
        arn: t.task_definition_arn().unwrap_or_default().to_string(),
        revision: i64::from(t.revision()),
    }
}

impl TaskDefinition {
    async fn register(cx: &Ctx<'_>, p: &TaskDefinitionProps) -> Result<TaskDefinitionAttrs, ResourceError> {
        let region = cx.aws.region().to_string();
        let containers = p.containers.iter().map(|c| container(c, &region)).collect::<Result<Vec<_>, _>>()?;
        let platform = RuntimePlatform::builder()
            .cpu_architecture(CpuArchitecture::from(p.cpu_architecture.as_str()))
            .operating_system_family(OsFamily::Linux)
            .build();
        let out = cx
            .aws
            .ecs()
            .register_task_definition()
            .family(&p.family)
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu(p.cpu.to_string())
            .memory(p.memory.to_string())
            .runtime_platform(platform)
            .set_execution_role_arn(p.execution_role_arn.clone())
            .set_task_role_arn(p.task_role_arn.clone())
            .set_container_definitions(Some(containers))
            .set_tags((!p.tags.is_empty()).then(|| sdk_tags(&p.tags)))
            .send()
            .await
            .api("RegisterTaskDefinition")?;
        let t = out.task_definition().ok_or_else(|| ResourceError::Invalid("RegisterTaskDefinition returned no task definition".into()))?;
        Ok(attrs(t))
    }

    /// Every revision's ARN, active and inactive, oldest first.
    async fn revisions(cx: &Ctx<'_>, family: &str) -> Result<Vec<String>, ResourceError> {
        let mut arns = Vec::new();
        let mut pages = cx.aws.ecs().list_task_definitions().family_prefix(family).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListTaskDefinitions")?;
            let exact = |a: &&String| a.rsplit('/').next().and_then(|f| f.rsplit_once(':')).is_some_and(|(f, _)| f == family);
            arns.extend(page.task_definition_arns().iter().filter(exact).cloned());
        }
        Ok(arns)
    }
}

#[async_trait]
impl Resource for TaskDefinition {
    type Props = TaskDefinitionProps;
    type Attrs = TaskDefinitionAttrs;
    const TYPE: &'static str = "ecs.task_definition";
    const IDENTITY: Identity = Identity::Named("family");
    const VERSIONED: bool = true;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "ecs.task_definition"
family = "conformance-api"
cpu_architecture = "ARM64"
containers = [{ name = "api", image = "public.ecr.aws/docker/library/nginx:1.27", ports = [8000], environment = { MODE = "test" }, log_group = "/ecs/conformance" }]
"#,
        updates: &[
            "memory = 1024",
            "containers = [{ name = \"api\", image = \"public.ecr.aws/docker/library/nginx:1.28\", ports = [8000, 8501], environment = { MODE = \"prod\" }, log_group = \"/ecs/conformance\" }]",
        ],
        replace: Some("family = \"conformance-api-2\""),
        skip: &[],
    };

    fn early(&self, p: &TaskDefinitionProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("id", p.family.clone()), ("family", p.family.clone())]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &TaskDefinitionProps) -> Result<Created<TaskDefinitionAttrs>, ResourceError> {
        Ok(Created::new(&p.family, Self::register(cx, p).await?))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &TaskDefinitionProps,
    ) -> Result<Option<Observed<TaskDefinitionProps, TaskDefinitionAttrs>>, ResourceError> {
        let out = cx
            .aws
            .ecs()
            .describe_task_definition()
            .task_definition(id)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .found("DescribeTaskDefinition", |e| e.is_client_exception())?;
        let Some(out) = out else { return Ok(None) };
        let Some(t) = out.task_definition().filter(|t| t.status() != Some(&TaskDefinitionStatus::Inactive)) else { return Ok(None) };
        let containers = t
            .container_definitions()
            .iter()
            .map(|c| live_container(c, p.containers.iter().find(|w| Some(w.name.as_str()) == c.name())))
            .collect();
        let props = TaskDefinitionProps {
            family: id.to_string(),
            cpu: t.cpu().and_then(|c| c.parse().ok()).unwrap_or(p.cpu),
            memory: t.memory().and_then(|m| m.parse().ok()).unwrap_or(p.memory),
            cpu_architecture: t
                .runtime_platform()
                .and_then(|r| r.cpu_architecture())
                .map(|a| a.as_str().to_string())
                .unwrap_or_else(|| p.cpu_architecture.clone()),
            execution_role_arn: t.execution_role_arn().map(str::to_string),
            task_role_arn: t.task_role_arn().map(str::to_string),
            containers,
            tags: live_tags(out.tags()),
        };
        Ok(Some(Observed { props, attrs: attrs(t) }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &TaskDefinitionProps,
        new: &TaskDefinitionProps,
    ) -> Result<Option<TaskDefinitionAttrs>, ResourceError> {
        if tags::changed_besides_tags(old, new, |p| &mut p.tags) {
            // Revisions are immutable: a change is a new revision, tags included.
            return Ok(Some(Self::register(cx, new).await?));
        }
        let Some(current) = self.read(cx, id, old).await? else {
            return Err(ResourceError::Invalid(format!("task definition family {id} has no active revision")));
        };
        sync_tags(cx, &current.attrs.arn, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ecs().list_task_definition_families().status(TaskDefinitionFamilyStatus::Active).into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListTaskDefinitionFamilies")?.families().iter().cloned());
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &TaskDefinitionProps) -> Result<(), ResourceError> {
        for arn in Self::revisions(cx, id).await? {
            let req = cx.aws.ecs().deregister_task_definition().task_definition(&arn);
            req.send().await.found("DeregisterTaskDefinition", |e| e.is_client_exception())?;
        }
        Ok(())
    }
}
