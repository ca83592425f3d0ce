//! `sagemaker.model`: a model (container image, environment, execution role). SageMaker
//! cannot change a model in place, so every property replaces it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_sagemaker::error::ProvideErrorMetadata;
use aws_sdk_sagemaker::types::ContainerDefinition;

use super::{live_tags, sdk_tags, sync_tags};
use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::Tags;
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Resource, ResourceError, PROPAGATION_RETRY};

props! {
    pub struct ModelProps {
        name: String => required, replace, check(rules::SAGEMAKER);
        execution_role_arn: String => required, replace, check(Check::Arn);
        /// Inference container image URI.
        image: String => required, replace;
        environment: BTreeMap<String, String> => default({}), replace;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ModelAttrs {
        name: String,
        arn: String,
    }
}

pub struct Model;

/// SageMaker reports a missing model as a generic validation error; listing by name
/// tells existence without reading error messages.
async fn model_exists(cx: &Ctx<'_>, name: &str) -> Result<bool, ResourceError> {
    let out = cx.aws.sagemaker().list_models().name_contains(name).max_results(100).send().await.api("ListModels")?;
    Ok(out.models().iter().any(|m| m.model_name() == Some(name)))
}

#[async_trait]
impl Resource for Model {
    type Props = ModelProps;
    type Attrs = ModelAttrs;
    const TYPE: &'static str = "sagemaker.model";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-model-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "sagemaker.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.example]
type = "sagemaker.model"
name = "conformance-model"
execution_role_arn = "${resources.role.arn}"
image = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:2.0.0-transformers4.28.1-cpu-py310-ubuntu20.04"
environment = { HF_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2", HF_TASK = "feature-extraction" }
"#,
        updates: &[],
        replace: Some("environment = { HF_MODEL_ID = \"sentence-transformers/all-mpnet-base-v2\", HF_TASK = \"feature-extraction\" }"),
        skip: &[],
    };

    fn early(&self, p: &ModelProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("id", p.name.clone()), ("name", p.name.clone())]
    }

    async fn find(&self, cx: &Ctx<'_>, p: &ModelProps) -> Result<Option<String>, ResourceError> {
        Ok(model_exists(cx, &p.name).await?.then(|| p.name.clone()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ModelProps) -> Result<Created<ModelAttrs>, ResourceError> {
        let container =
            ContainerDefinition::builder().image(&p.image).set_environment(Some(p.environment.clone().into_iter().collect())).build();
        let tags = sdk_tags(&p.tags);
        // SageMaker reports a role it cannot assume yet as a ValidationException.
        let out = cx
            .retry_eventual("the IAM role to reach SageMaker", PROPAGATION_RETRY, || async {
                let sent = cx
                    .aws
                    .sagemaker()
                    .create_model()
                    .model_name(&p.name)
                    .execution_role_arn(&p.execution_role_arn)
                    .primary_container(container.clone())
                    .set_tags(Some(tags.clone()))
                    .send()
                    .await;
                match sent {
                    Ok(out) => Ok(out),
                    Err(e) if e.code() == Some("ValidationException") && cx.role_is_fresh(&p.execution_role_arn).await => {
                        Err(Attempt::retry("CreateModel", e))
                    }
                    Err(e) => Err(Attempt::fail("CreateModel", e)),
                }
            })
            .await?;
        Ok(Created::new(&p.name, ModelAttrs { name: p.name.clone(), arn: out.model_arn().unwrap_or_default().to_string() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &ModelProps) -> Result<Option<Observed<ModelProps, ModelAttrs>>, ResourceError> {
        if !model_exists(cx, id).await? {
            return Ok(None);
        }
        let m = cx.aws.sagemaker().describe_model().model_name(id).send().await.api("DescribeModel")?;
        let container = m.primary_container();
        let props = ModelProps {
            name: id.to_string(),
            execution_role_arn: m.execution_role_arn().unwrap_or_default().to_string(),
            image: container.and_then(|c| c.image()).unwrap_or_default().to_string(),
            environment: container
                .and_then(|c| c.environment())
                .map(|e| e.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            tags: live_tags(cx, m.model_arn().unwrap_or_default()).await?,
        };
        Ok(Some(Observed { props, attrs: ModelAttrs { name: id.to_string(), arn: m.model_arn().unwrap_or_default().to_string() } }))
    }

    /// Only tags change in place: SageMaker models are immutable.
    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &ModelProps, new: &ModelProps) -> Result<Option<ModelAttrs>, ResourceError> {
        sync_tags(cx, &cx.arn("sagemaker", true, &format!("model/{}", id.to_lowercase())).await?, &old.tags, &new.tags).await?;
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.sagemaker().list_models().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListModels")?.models().iter().filter_map(|m| m.model_name()).map(str::to_string));
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ModelProps) -> Result<(), ResourceError> {
        if model_exists(cx, id).await? {
            cx.aws.sagemaker().delete_model().model_name(id).send().await.api("DeleteModel")?;
        }
        Ok(())
    }
}
