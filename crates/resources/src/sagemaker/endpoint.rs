//! `sagemaker.endpoint`: a hosted endpoint serving an endpoint config. Creating one
//! takes minutes on AWS; creates, updates and deletes wait for it to settle.

use async_trait::async_trait;
use aws_sdk_sagemaker::error::ProvideErrorMetadata;
use aws_sdk_sagemaker::types::EndpointStatus;

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Poll, Resource, ResourceError};

props! {
    pub struct EndpointProps {
        name: String => required, replace, check(rules::SAGEMAKER);
        /// The config it serves; changing it is an `UpdateEndpoint`.
        endpoint_config_name: String => required, check(rules::SAGEMAKER);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct EndpointAttrs {
        name: String,
        arn: String,
    }
}

pub struct Endpoint;

/// Whether an endpoint of this name exists (one listing call).
async fn exists(cx: &Ctx<'_>, name: &str) -> Result<bool, ResourceError> {
    let out = cx.aws.sagemaker().list_endpoints().name_contains(name).max_results(100).send().await.api("ListEndpoints")?;
    Ok(out.endpoints().iter().any(|e| e.endpoint_name() == Some(name)))
}

/// Status and ARN, or `None` when the endpoint does not exist.
async fn status(cx: &Ctx<'_>, name: &str) -> Result<Option<(EndpointStatus, String, String)>, ResourceError> {
    if !exists(cx, name).await? {
        return Ok(None);
    }
    let e = match cx.aws.sagemaker().describe_endpoint().endpoint_name(name).send().await {
        Ok(e) => e,
        // Gone between the listing and the describe (a delete finishing): SageMaker
        // answers a missing endpoint with a ValidationException. Listed again to be sure.
        Err(err) if err.code() == Some("ValidationException") && !exists(cx, name).await? => return Ok(None),
        Err(err) => return Err(crate::aws::AwsError::new("DescribeEndpoint", err).into()),
    };
    if e.endpoint_status() == Some(&EndpointStatus::Failed) {
        return Err(ResourceError::Invalid(format!("endpoint {name} failed: {}", e.failure_reason().unwrap_or("no reason given"))));
    }
    Ok(Some((
        e.endpoint_status().cloned().unwrap_or(EndpointStatus::Creating),
        e.endpoint_arn().unwrap_or_default().to_string(),
        e.endpoint_config_name().unwrap_or_default().to_string(),
    )))
}

async fn wait_in_service(cx: &Ctx<'_>, name: &str) -> Result<EndpointAttrs, ResourceError> {
    cx.wait_ready(&format!("endpoint {name}"), || async {
        Ok(match status(cx, name).await? {
            None => Poll::Gone,
            Some((EndpointStatus::InService, arn, _)) => Poll::Ready(EndpointAttrs { name: name.to_string(), arn }),
            Some(_) => Poll::Pending,
        })
    })
    .await
}

async fn wait_deleted(cx: &Ctx<'_>, name: &str) -> Result<(), ResourceError> {
    cx.wait_gone(&format!("endpoint {name}"), || async { Ok(status(cx, name).await?.is_some()) }).await
}

#[async_trait]
impl Resource for Endpoint {
    type Props = EndpointProps;
    type Attrs = EndpointAttrs;
    const TYPE: &'static str = "sagemaker.endpoint";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-endpoint-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "sagemaker.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.model]
type = "sagemaker.model"
name = "conformance-endpoint-model"
execution_role_arn = "${resources.role.arn}"
image = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.0.0-transformers4.28.1-cpu-py310-ubuntu20.04"

[resources.config]
type = "sagemaker.endpoint_config"
name = "conformance-endpoint-config"
model_name = "${resources.model.name}"
serverless = { memory_size_mb = 3072, max_concurrency = 2 }

[resources.example]
type = "sagemaker.endpoint"
name = "conformance-endpoint"
endpoint_config_name = "${resources.config.name}"
"#,
        updates: &[],
        replace: Some("name = \"conformance-endpoint-2\""),
        skip: &[],
    };

    fn early(&self, p: &EndpointProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("id", p.name.clone()), ("name", p.name.clone())]
    }

    async fn find(&self, cx: &Ctx<'_>, p: &EndpointProps) -> Result<Option<String>, ResourceError> {
        Ok(exists(cx, &p.name).await?.then(|| p.name.clone()))
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &EndpointProps) -> Result<(), ResourceError> {
        wait_in_service(cx, id).await.map(|_| ())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &EndpointProps) -> Result<Created<EndpointAttrs>, ResourceError> {
        // A namesake still `Deleting` (an interrupted teardown) holds the name until it is gone.
        if matches!(status(cx, &p.name).await?, Some((EndpointStatus::Deleting, ..))) {
            wait_deleted(cx, &p.name).await?;
        }
        let tags = sdk_tags(&p.tags);
        cx.aws
            .sagemaker()
            .create_endpoint()
            .endpoint_name(&p.name)
            .endpoint_config_name(&p.endpoint_config_name)
            .set_tags(Some(tags))
            .send()
            .await
            .api("CreateEndpoint")?;
        Ok(Created::new(&p.name, wait_in_service(cx, &p.name).await?))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &EndpointProps,
    ) -> Result<Option<Observed<EndpointProps, EndpointAttrs>>, ResourceError> {
        let Some((state, arn, config)) = status(cx, id).await? else { return Ok(None) };
        if state == EndpointStatus::Deleting {
            return Ok(None);
        }
        let props = EndpointProps { name: id.to_string(), endpoint_config_name: config, tags: live_tags(cx, &arn).await? };
        Ok(Some(Observed { props, attrs: EndpointAttrs { name: id.to_string(), arn } }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &EndpointProps,
        new: &EndpointProps,
    ) -> Result<Option<EndpointAttrs>, ResourceError> {
        if old.tags != new.tags {
            sync_tags(cx, &cx.arn("sagemaker", true, &format!("endpoint/{}", id.to_lowercase())).await?, &old.tags, &new.tags).await?;
        }
        if old.endpoint_config_name == new.endpoint_config_name {
            return Ok(None);
        }
        cx.aws
            .sagemaker()
            .update_endpoint()
            .endpoint_name(id)
            .endpoint_config_name(&new.endpoint_config_name)
            .send()
            .await
            .api("UpdateEndpoint")?;
        Ok(Some(wait_in_service(cx, id).await?))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.sagemaker().list_endpoints().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListEndpoints")?;
            let live = page.endpoints().iter().filter(|e| e.endpoint_status() != Some(&EndpointStatus::Deleting));
            out.extend(live.filter_map(|e| e.endpoint_name()).map(str::to_string));
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &EndpointProps) -> Result<(), ResourceError> {
        let Some((state, ..)) = status(cx, id).await? else { return Ok(()) };
        // One already `Deleting` (by a run that was interrupted) is only waited for.
        if state != EndpointStatus::Deleting {
            cx.aws.sagemaker().delete_endpoint().endpoint_name(id).send().await.api("DeleteEndpoint")?;
        }
        wait_deleted(cx, id).await
    }
}
