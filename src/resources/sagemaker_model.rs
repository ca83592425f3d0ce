//! `sagemaker.model`: a model (container image, environment, execution role). SageMaker
//! cannot change a model in place, so every property replaces it.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_sagemaker::types::{ContainerDefinition, Tag};

use aws_sdk_sagemaker::error::ProvideErrorMetadata;

use super::{attr, Attempt, Attr, Ctx, Observed, Outcome, Resource, ResourceError, PROPAGATION_RETRY};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct ModelProps {
        name: String => required, replace;
        execution_role_arn: String => required, replace;
        /// Inference container image URI.
        image: String => required, replace;
        environment: BTreeMap<String, String> => default({}), replace;
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
    const TYPE: &'static str = "sagemaker.model";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("name"), attr("arn")];

    fn natural_id(&self, p: &ModelProps) -> Option<String> {
        Some(p.name.clone())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ModelProps) -> Result<Outcome, ResourceError> {
        let container =
            ContainerDefinition::builder().image(&p.image).set_environment(Some(p.environment.clone().into_iter().collect())).build();
        let tags: Vec<Tag> = cx.tags().into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
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
        Ok(Outcome::new(&p.name).with("name", p.name.as_str()).with("arn", out.model_arn().unwrap_or_default()))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, _p: &ModelProps) -> Result<Option<Observed<ModelProps>>, ResourceError> {
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
        };
        let attrs = Outcome::new(id).with("name", id).with("arn", m.model_arn().unwrap_or_default()).attrs;
        Ok(Some(Observed { props, attrs }))
    }

    async fn update(&self, _cx: &Ctx<'_>, id: &str, _old: &ModelProps, _new: &ModelProps) -> Result<Outcome, ResourceError> {
        Ok(Outcome::new(id))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ModelProps) -> Result<(), ResourceError> {
        if model_exists(cx, id).await? {
            cx.aws.sagemaker().delete_model().model_name(id).send().await.api("DeleteModel")?;
        }
        Ok(())
    }
}
