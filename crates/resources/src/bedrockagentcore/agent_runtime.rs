//! `bedrockagentcore.agent_runtime`: a Bedrock AgentCore runtime hosting one agent's
//! container image (from ECR), run as a role, on the public network or in a VPC, with
//! environment variables. Image, role, network and environment change in place; each
//! change is a new runtime version, and `arn` follows it.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_bedrockagentcorecontrol::operation::get_agent_runtime::GetAgentRuntimeOutput;
use aws_sdk_bedrockagentcorecontrol::types::{
    AgentRuntimeArtifact, AgentRuntimeStatus, ContainerConfiguration, NetworkConfiguration, NetworkMode, VpcConfig,
};

use crate::aws::SdkResultExt;
use crate::schema::check::{Chars, Check};
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, Problem, Resource, ResourceError};

props! {
    pub struct AgentRuntimeProps {
        name: String => required, replace, check(Check::Name { what: "agent runtime name", min: 1, max: 48, chars: Chars::AgentRuntime });
        /// The image to run: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG`.
        container_uri: String => required;
        /// The role the agent runs as (it pulls the image and calls models).
        role_arn: String => required, check(Check::Arn);
        /// `PUBLIC` or `VPC` (with `subnets` and `security_groups`).
        network_mode: String => default("PUBLIC"), check(Check::OneOf(&["PUBLIC", "VPC"]));
        subnets: Vec<String> => default([]);
        security_groups: Vec<String> => default([]);
        environment: BTreeMap<String, String> => default({});
        description: Option<String> => optional, check(Check::Name { what: "description", min: 1, max: 1200, chars: Chars::Any });
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct AgentRuntimeAttrs {
        name: String,
        /// The runtime's ARN, what the controller invokes.
        arn: String,
        /// The current version (each update makes one).
        version: String,
    }
}

pub struct AgentRuntime;

fn network(p: &AgentRuntimeProps) -> Result<NetworkConfiguration, ResourceError> {
    let vpc = (p.network_mode == "VPC")
        .then(|| VpcConfig::builder().set_subnets(Some(p.subnets.clone())).set_security_groups(Some(p.security_groups.clone())).build())
        .transpose()?;
    Ok(NetworkConfiguration::builder().network_mode(NetworkMode::from(p.network_mode.as_str())).set_network_mode_config(vpc).build()?)
}

fn artifact(p: &AgentRuntimeProps) -> Result<AgentRuntimeArtifact, ResourceError> {
    Ok(AgentRuntimeArtifact::ContainerConfiguration(ContainerConfiguration::builder().container_uri(&p.container_uri).build()?))
}

fn env(p: &AgentRuntimeProps) -> HashMap<String, String> {
    p.environment.clone().into_iter().collect()
}

fn attrs(r: &GetAgentRuntimeOutput) -> AgentRuntimeAttrs {
    AgentRuntimeAttrs {
        name: r.agent_runtime_name().to_string(),
        arn: r.agent_runtime_arn().to_string(),
        version: r.agent_runtime_version().to_string(),
    }
}

async fn get(cx: &Ctx<'_>, id: &str) -> Result<Option<GetAgentRuntimeOutput>, ResourceError> {
    let out = cx
        .aws
        .agentcore()
        .get_agent_runtime()
        .agent_runtime_id(id)
        .send()
        .await
        .found("GetAgentRuntime", |e| e.is_resource_not_found_exception())?;
    Ok(out.filter(|r| r.status() != &AgentRuntimeStatus::Deleting))
}

/// Wait until the runtime is `READY` after a create or update.
async fn settled(cx: &Ctx<'_>, id: &str, name: &str) -> Result<GetAgentRuntimeOutput, ResourceError> {
    cx.wait_ready(&format!("agent runtime {name}"), || async {
        Ok(match get(cx, id).await? {
            None => Poll::Gone,
            Some(r) => match r.status() {
                AgentRuntimeStatus::Ready => Poll::Ready(r),
                AgentRuntimeStatus::CreateFailed | AgentRuntimeStatus::UpdateFailed => {
                    Poll::Failed(r.failure_reason().unwrap_or("no reason given").to_string())
                }
                _ => Poll::Pending,
            },
        })
    })
    .await
}

#[async_trait]
impl Resource for AgentRuntime {
    type Props = AgentRuntimeProps;
    type Attrs = AgentRuntimeAttrs;
    const TYPE: &'static str = "bedrockagentcore.agent_runtime";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const VERSIONED: bool = true;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-agent"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "bedrock-agentcore.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.example]
type = "bedrockagentcore.agent_runtime"
name = "conformance_researcher"
container_uri = "${aws.account_id}.dkr.ecr.${aws.region}.amazonaws.com/researcher:v1"
role_arn = "${resources.role.arn}"
environment = { LOG_LEVEL = "DEBUG" }
"#,
        updates: &[
            "container_uri = \"${aws.account_id}.dkr.ecr.${aws.region}.amazonaws.com/researcher:v2\"",
            "environment = { LOG_LEVEL = \"INFO\", WORKFLOW_TABLE = \"workflows\" }",
            "description = \"Researcher agent\"",
        ],
        replace: Some("name = \"conformance_researcher_2\""),
        skip: &[],
    };

    fn check(&self, p: &AgentRuntimeProps) -> Vec<Problem> {
        if (p.network_mode == "VPC") == p.subnets.is_empty() {
            return vec![("subnets".into(), "`subnets` are given exactly when `network_mode = \"VPC\"`".into())];
        }
        Vec::new()
    }

    async fn find(&self, cx: &Ctx<'_>, p: &AgentRuntimeProps) -> Result<Option<String>, ResourceError> {
        let mut pages = cx.aws.agentcore().list_agent_runtimes().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListAgentRuntimes")?;
            if let Some(r) = page.agent_runtimes().iter().find(|r| r.agent_runtime_name() == p.name) {
                return Ok(Some(r.agent_runtime_id().to_string()));
            }
        }
        Ok(None)
    }

    async fn create(&self, cx: &Ctx<'_>, p: &AgentRuntimeProps) -> Result<Created<AgentRuntimeAttrs>, ResourceError> {
        let out = cx
            .aws
            .agentcore()
            .create_agent_runtime()
            .agent_runtime_name(&p.name)
            .agent_runtime_artifact(artifact(p)?)
            .role_arn(&p.role_arn)
            .network_configuration(network(p)?)
            .set_environment_variables(Some(env(p)))
            .set_description(p.description.clone())
            .set_client_token(cx.token.map(str::to_string))
            .set_tags((!p.tags.is_empty()).then(|| p.tags.clone().into_iter().collect()))
            .send()
            .await
            .api("CreateAgentRuntime")?;
        let id = out.agent_runtime_id().to_string();
        let live = settled(cx, &id, &p.name).await?;
        Ok(Created::new(&id, attrs(&live)))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &AgentRuntimeProps,
    ) -> Result<Option<Observed<AgentRuntimeProps, AgentRuntimeAttrs>>, ResourceError> {
        let Some(r) = get(cx, id).await? else { return Ok(None) };
        let tag_list =
            cx.aws.agentcore().list_tags_for_resource().resource_arn(r.agent_runtime_arn()).send().await.api("ListTagsForResource")?;
        let net = r.network_configuration();
        let vpc = net.and_then(|n| n.network_mode_config());
        let container_uri = match r.agent_runtime_artifact() {
            Some(AgentRuntimeArtifact::ContainerConfiguration(c)) => c.container_uri().to_string(),
            _ => String::new(),
        };
        let props = AgentRuntimeProps {
            name: r.agent_runtime_name().to_string(),
            container_uri,
            role_arn: r.role_arn().to_string(),
            network_mode: net.map(|n| n.network_mode().as_str().to_string()).unwrap_or_else(|| p.network_mode.clone()),
            subnets: vpc.map(|v| v.subnets().to_vec()).unwrap_or_default(),
            security_groups: vpc.map(|v| v.security_groups().to_vec()).unwrap_or_default(),
            environment: r.environment_variables().map(|e| e.clone().into_iter().collect()).unwrap_or_default(),
            description: r.description().filter(|d| !d.is_empty()).map(str::to_string),
            tags: tags::live_map(tag_list.tags()),
        };
        Ok(Some(Observed { attrs: attrs(&r), props }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.agentcore().list_agent_runtimes().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListAgentRuntimes")?;
            let live = page.agent_runtimes().iter().filter(|r| r.status() != &AgentRuntimeStatus::Deleting);
            out.extend(live.map(|r| r.agent_runtime_id().to_string()));
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &AgentRuntimeProps,
        new: &AgentRuntimeProps,
    ) -> Result<Option<AgentRuntimeAttrs>, ResourceError> {
        let new_version = tags::changed_besides_tags(old, new, |p| &mut p.tags);
        if new_version {
            cx.aws
                .agentcore()
                .update_agent_runtime()
                .agent_runtime_id(id)
                .agent_runtime_artifact(artifact(new)?)
                .role_arn(&new.role_arn)
                .network_configuration(network(new)?)
                .set_environment_variables(Some(env(new)))
                .set_description(new.description.clone())
                .send()
                .await
                .api("UpdateAgentRuntime")?;
        }
        let live = settled(cx, id, &new.name).await?;
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        // The emulator's ARN names the version and its tags stay with the old one; on
        // AWS re-applying the same tags changes nothing.
        let set = if new_version { new.tags.clone() } else { set };
        let ac = cx.aws.agentcore();
        if !set.is_empty() {
            ac.tag_resource()
                .resource_arn(live.agent_runtime_arn())
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await
                .api("TagResource")?;
        }
        if !remove.is_empty() {
            ac.untag_resource().resource_arn(live.agent_runtime_arn()).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        Ok(Some(attrs(&live)))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &AgentRuntimeProps) -> Result<(), ResourceError> {
        let req = cx.aws.agentcore().delete_agent_runtime().agent_runtime_id(id);
        req.send().await.found("DeleteAgentRuntime", |e| e.is_resource_not_found_exception())?;
        cx.wait_gone(&format!("agent runtime {}", p.name), || async { Ok(get(cx, id).await?.is_some()) }).await
    }
}
