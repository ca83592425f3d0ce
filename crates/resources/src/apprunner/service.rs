//! `apprunner.service`: an App Runner service running a container image (from ECR),
//! with CPU, memory, port, environment and roles. Creates, updates and deletes wait for
//! the service's operation to finish.

// The emulator has no App Runner; tests and the demo use the stand-in in
// `scripts/apprunner_standin.py` (docs/architecture.md, "The emulator").

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_apprunner::types::{
    AuthenticationConfiguration, ImageConfiguration, ImageRepository, ImageRepositoryType, InstanceConfiguration, Service, ServiceStatus,
    SourceConfiguration, Tag,
};

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Poll, Resource, ResourceError, PROPAGATION_RETRY};

props! {
    pub struct ServiceProps {
        name: String => required, replace, check(rules::APP_RUNNER);
        /// Image identifier, e.g. `<repository url>:latest`.
        image: String => required;
        /// `ECR` or `ECR_PUBLIC`.
        image_repository_type: String => default("ECR"), check(Check::OneOf(&["ECR", "ECR_PUBLIC"]));
        /// Port the container listens on.
        port: String => default("8080");
        environment: BTreeMap<String, String> => default({});
        /// `0.25 vCPU` to `4 vCPU`.
        cpu: String => default("1 vCPU");
        /// `0.5 GB` to `12 GB`.
        memory: String => default("2 GB");
        /// Deploy again when the image tag is pushed.
        auto_deployments: bool => default(false);
        /// Role App Runner uses to pull from a private ECR repository.
        access_role_arn: Option<String> => optional, check(Check::Arn);
        /// Role the running service assumes.
        instance_role_arn: Option<String> => optional, check(Check::Arn);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct ServiceAttrs {
        arn: String,
        service_id: String,
        /// Host name the service answers on.
        service_url: String,
    }
}

pub struct AppRunnerService;

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

fn source(p: &ServiceProps) -> Result<SourceConfiguration, ResourceError> {
    let image = ImageRepository::builder()
        .image_identifier(&p.image)
        .image_repository_type(ImageRepositoryType::from(p.image_repository_type.as_str()))
        .image_configuration(
            ImageConfiguration::builder()
                .port(&p.port)
                .set_runtime_environment_variables(Some(p.environment.clone().into_iter().collect()))
                .build(),
        )
        .build()?;
    Ok(SourceConfiguration::builder()
        .image_repository(image)
        .auto_deployments_enabled(p.auto_deployments)
        .set_authentication_configuration(
            p.access_role_arn.as_ref().map(|a| AuthenticationConfiguration::builder().access_role_arn(a).build()),
        )
        .build())
}

fn instance(p: &ServiceProps) -> InstanceConfiguration {
    InstanceConfiguration::builder().cpu(&p.cpu).memory(&p.memory).set_instance_role_arn(p.instance_role_arn.clone()).build()
}

fn attrs(s: &Service) -> ServiceAttrs {
    ServiceAttrs {
        arn: s.service_arn().to_string(),
        service_id: s.service_id().to_string(),
        service_url: s.service_url().unwrap_or_default().to_string(),
    }
}

impl AppRunnerService {
    async fn describe(cx: &Ctx<'_>, arn: &str) -> Result<Option<Service>, ResourceError> {
        let out = cx
            .aws
            .apprunner()
            .describe_service()
            .service_arn(arn)
            .send()
            .await
            .found("DescribeService", |e| e.is_resource_not_found_exception())?;
        Ok(out.and_then(|o| o.service).filter(|s| s.status() != &ServiceStatus::Deleted))
    }

    async fn wait_running(cx: &Ctx<'_>, arn: &str) -> Result<Service, ResourceError> {
        cx.wait_ready(&format!("service {arn}"), || async {
            Ok(match Self::describe(cx, arn).await? {
                None => Poll::Gone,
                Some(s) if s.status() == &ServiceStatus::Running => Poll::Ready(s),
                Some(s) if matches!(s.status(), ServiceStatus::CreateFailed | ServiceStatus::DeleteFailed) => {
                    Poll::Failed(s.status().as_str().to_string())
                }
                Some(_) => Poll::Pending,
            })
        })
        .await
    }
}

#[async_trait]
impl Resource for AppRunnerService {
    type Props = ServiceProps;
    type Attrs = ServiceAttrs;
    const TYPE: &'static str = "apprunner.service";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "apprunner.service"
name = "conformance-service"
image = "public.ecr.aws/nginx/nginx:latest"
image_repository_type = "ECR_PUBLIC"
port = "80"
environment = { MODE = "test" }
"#,
        updates: &["environment = { MODE = \"prod\" }", "cpu = \"2 vCPU\""],
        replace: Some("name = \"conformance-service-2\""),
        skip: &[],
    };

    async fn find(&self, cx: &Ctx<'_>, p: &ServiceProps) -> Result<Option<String>, ResourceError> {
        let mut token = None;
        loop {
            let page = cx.aws.apprunner().list_services().set_next_token(token).send().await.api("ListServices")?;
            if let Some(s) = page.service_summary_list().iter().find(|s| s.service_name() == Some(p.name.as_str())) {
                return Ok(s.service_arn().map(str::to_string));
            }
            match page.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => return Ok(None),
            }
        }
    }

    async fn settle(&self, cx: &Ctx<'_>, id: &str, _p: &ServiceProps) -> Result<(), ResourceError> {
        Self::wait_running(cx, id).await.map(|_| ())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &ServiceProps) -> Result<Created<ServiceAttrs>, ResourceError> {
        let tags = sdk_tags(&p.tags);
        let roles: Vec<&String> = p.access_role_arn.iter().chain(p.instance_role_arn.iter()).collect();
        let source = source(p)?;
        // App Runner refuses a role it cannot assume yet with an InvalidRequestException.
        let out = cx
            .retry_eventual("the IAM roles to reach App Runner", PROPAGATION_RETRY, || async {
                let sent = cx
                    .aws
                    .apprunner()
                    .create_service()
                    .service_name(&p.name)
                    .source_configuration(source.clone())
                    .instance_configuration(instance(p))
                    .set_tags(Some(tags.clone()))
                    .send()
                    .await;
                match sent {
                    Ok(out) => Ok(out),
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_invalid_request_exception()) => {
                        let mut fresh = false;
                        for role in &roles {
                            fresh |= cx.role_is_fresh(role).await;
                        }
                        Err(if fresh { Attempt::retry("CreateService", e) } else { Attempt::fail("CreateService", e) })
                    }
                    Err(e) => Err(Attempt::fail("CreateService", e)),
                }
            })
            .await?;
        let arn = out.service().map(|s| s.service_arn().to_string()).unwrap_or_default();
        Ok(Created::new(&arn, attrs(&Self::wait_running(cx, &arn).await?)))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &ServiceProps) -> Result<Option<Observed<ServiceProps, ServiceAttrs>>, ResourceError> {
        let (service, tag_list) = tokio::join!(Self::describe(cx, id), cx.aws.apprunner().list_tags_for_resource().resource_arn(id).send());
        let Some(s) = service? else { return Ok(None) };
        let live_tags = tag_list.found("ListTagsForResource", |e| e.is_resource_not_found_exception())?;
        let src = s.source_configuration();
        let image = src.and_then(|c| c.image_repository());
        let config = image.and_then(|i| i.image_configuration());
        let inst = s.instance_configuration();
        let props = ServiceProps {
            name: s.service_name().to_string(),
            image: image.map(|i| i.image_identifier().to_string()).unwrap_or_default(),
            image_repository_type: image.map(|i| i.image_repository_type().as_str().to_string()).unwrap_or_default(),
            port: config.and_then(|c| c.port()).unwrap_or(&p.port).to_string(),
            environment: config
                .and_then(|c| c.runtime_environment_variables())
                .map(|e| e.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            cpu: inst.and_then(|i| i.cpu()).unwrap_or(&p.cpu).to_string(),
            memory: inst.and_then(|i| i.memory()).unwrap_or(&p.memory).to_string(),
            auto_deployments: src.and_then(|c| c.auto_deployments_enabled()).unwrap_or(false),
            access_role_arn: src.and_then(|c| c.authentication_configuration()).and_then(|a| a.access_role_arn()).map(str::to_string),
            instance_role_arn: inst.and_then(|i| i.instance_role_arn()).map(str::to_string),
            tags: tags::live(live_tags.iter().flat_map(|o| o.tags()).filter_map(|t| Some((t.key()?, t.value()?)))),
        };
        Ok(Some(Observed { props, attrs: attrs(&s) }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = cx.aws.apprunner().list_services().set_next_token(token).send().await.api("ListServices")?;
            let live = page.service_summary_list().iter().filter(|s| s.status() != Some(&ServiceStatus::Deleted));
            out.extend(live.filter_map(|s| s.service_arn()).map(str::to_string));
            match page.next_token() {
                Some(t) => token = Some(t.to_string()),
                None => return Ok(out),
            }
        }
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &ServiceProps, new: &ServiceProps) -> Result<Option<ServiceAttrs>, ResourceError> {
        let ar = cx.aws.apprunner();
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            ar.tag_resource().resource_arn(id).set_tags(Some(sdk_tags(&set))).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            ar.untag_resource().resource_arn(id).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        if (ServiceProps { tags: new.tags.clone(), ..old.clone() }) == *new {
            return Ok(None);
        }
        cx.aws
            .apprunner()
            .update_service()
            .service_arn(id)
            .source_configuration(source(new)?)
            .instance_configuration(instance(new))
            .send()
            .await
            .api("UpdateService")?;
        Ok(Some(attrs(&Self::wait_running(cx, id).await?)))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &ServiceProps) -> Result<(), ResourceError> {
        if Self::describe(cx, id).await?.is_none() {
            return Ok(());
        }
        cx.aws.apprunner().delete_service().service_arn(id).send().await.found("DeleteService", |e| e.is_resource_not_found_exception())?;
        cx.wait_gone(&format!("service {id}"), || async { Ok(Self::describe(cx, id).await?.is_some()) }).await
    }
}
