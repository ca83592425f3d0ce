//! `ecr.repository`: a container image repository (tag mutability, scan on push, a
//! lifecycle policy that expires old images, and `force_delete` to delete it with its
//! images).

use async_trait::async_trait;
use aws_sdk_ecr::types::{ImageScanningConfiguration, ImageTagMutability, Repository, Tag};

use serde_json::Value;

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct RepositoryProps {
        name: String => required, replace, check(rules::ECR_REPOSITORY);
        /// `MUTABLE` or `IMMUTABLE`.
        image_tag_mutability: String => default("MUTABLE"), check(Check::OneOf(&["MUTABLE", "IMMUTABLE"]));
        scan_on_push: bool => default(false);
        /// Delete the repository even when it holds images.
        force_delete: bool => default(false), local;
        /// Which images expire, as ECR's lifecycle policy document (`rules = [...]`: keep
        /// the last N tagged images, expire untagged ones after a day).
        lifecycle_policy: Option<Value> => optional;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct RepositoryAttrs {
        name: String,
        arn: String,
        /// `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`, what `docker push` takes.
        url: String,
    }
}

pub struct EcrRepository;

fn attrs(r: &Repository) -> RepositoryAttrs {
    RepositoryAttrs {
        name: r.repository_name().unwrap_or_default().to_string(),
        arn: r.repository_arn().unwrap_or_default().to_string(),
        url: r.repository_uri().unwrap_or_default().to_string(),
    }
}

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(ResourceError::from)).collect()
}

async fn lifecycle(cx: &Ctx<'_>, name: &str) -> Result<Option<Value>, ResourceError> {
    let out = cx
        .aws
        .ecr()
        .get_lifecycle_policy()
        .repository_name(name)
        .send()
        .await
        .found("GetLifecyclePolicy", |e| e.is_lifecycle_policy_not_found_exception())?;
    Ok(out.and_then(|o| o.lifecycle_policy_text).map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t))))
}

/// Bring the lifecycle policy from `old` to `new`.
async fn put_lifecycle(cx: &Ctx<'_>, name: &str, old: Option<&Value>, new: Option<&Value>) -> Result<(), ResourceError> {
    let ecr = cx.aws.ecr();
    match new {
        _ if old == new => {}
        Some(policy) => {
            let req = ecr.put_lifecycle_policy().repository_name(name).lifecycle_policy_text(policy.to_string());
            req.send().await.api("PutLifecyclePolicy")?;
        }
        None => {
            let req = ecr.delete_lifecycle_policy().repository_name(name);
            req.send().await.found("DeleteLifecyclePolicy", |e| e.is_lifecycle_policy_not_found_exception())?;
        }
    }
    Ok(())
}

#[async_trait]
impl Resource for EcrRepository {
    type Props = RepositoryProps;
    type Attrs = RepositoryAttrs;
    const TYPE: &'static str = "ecr.repository";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: "\n[resources.example]\ntype = \"ecr.repository\"\nname = \"conformance/app\"\nforce_delete = true\n",
        updates: &[
            "image_tag_mutability = \"IMMUTABLE\"",
            "scan_on_push = true",
            "lifecycle_policy = { rules = [{ rulePriority = 1, description = \"keep 10\", selection = { tagStatus = \"any\", countType = \"imageCountMoreThan\", countNumber = 10 }, action = { type = \"expire\" } }] }",
        ],
        replace: Some("name = \"conformance/app-2\""),
        skip: &[],
    };

    fn early(&self, p: &RepositoryProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = format!("arn:{}:ecr:{}:{}:repository/{}", at.partition, at.region, at.account_id, p.name);
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn)]
    }

    /// One call, not a whole read (which also lists tags): is the name taken?
    async fn find(&self, cx: &Ctx<'_>, p: &RepositoryProps) -> Result<Option<String>, ResourceError> {
        let out = cx
            .aws
            .ecr()
            .describe_repositories()
            .repository_names(&p.name)
            .send()
            .await
            .found("DescribeRepositories", |e| e.is_repository_not_found_exception())?;
        Ok(out.filter(|o| !o.repositories().is_empty()).map(|_| p.name.clone()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &RepositoryProps) -> Result<Created<RepositoryAttrs>, ResourceError> {
        let tags = sdk_tags(&p.tags)?;
        let out = cx
            .aws
            .ecr()
            .create_repository()
            .repository_name(&p.name)
            .image_tag_mutability(ImageTagMutability::from(p.image_tag_mutability.as_str()))
            .image_scanning_configuration(ImageScanningConfiguration::builder().scan_on_push(p.scan_on_push).build())
            .set_tags(Some(tags))
            .send()
            .await
            .api("CreateRepository")?;
        let repo = out.repository().ok_or_else(|| ResourceError::Invalid("CreateRepository returned no repository".into()))?;
        put_lifecycle(cx, &p.name, None, p.lifecycle_policy.as_ref()).await?;
        Ok(Created::new(&p.name, attrs(repo)))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &RepositoryProps,
    ) -> Result<Option<Observed<RepositoryProps, RepositoryAttrs>>, ResourceError> {
        let out = cx
            .aws
            .ecr()
            .describe_repositories()
            .repository_names(id)
            .send()
            .await
            .found("DescribeRepositories", |e| e.is_repository_not_found_exception())?;
        let Some(repo) = out.as_ref().and_then(|o| o.repositories().first()) else { return Ok(None) };
        let tag_list = cx
            .aws
            .ecr()
            .list_tags_for_resource()
            .resource_arn(repo.repository_arn().unwrap_or_default())
            .send()
            .await
            .api("ListTagsForResource")?;
        let props = RepositoryProps {
            name: id.to_string(),
            image_tag_mutability: repo
                .image_tag_mutability()
                .map(|m| m.as_str().to_string())
                .unwrap_or_else(|| p.image_tag_mutability.clone()),
            scan_on_push: repo.image_scanning_configuration().map(|c| c.scan_on_push()).unwrap_or(false),
            force_delete: p.force_delete,
            lifecycle_policy: lifecycle(cx, id).await?,
            tags: tags::live(tag_list.tags().iter().map(|t| (t.key(), t.value()))),
        };
        Ok(Some(Observed { props, attrs: attrs(repo) }))
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.ecr().describe_repositories().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("DescribeRepositories")?.repositories().iter().filter_map(|r| r.repository_name()).map(str::to_string));
        }
        Ok(out)
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &RepositoryProps,
        new: &RepositoryProps,
    ) -> Result<Option<RepositoryAttrs>, ResourceError> {
        let ecr = cx.aws.ecr();
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() || !remove.is_empty() {
            let arn = cx.arn("ecr", true, &format!("repository/{id}")).await?;
            if !set.is_empty() {
                ecr.tag_resource().resource_arn(&arn).set_tags(Some(sdk_tags(&set)?)).send().await.api("TagResource")?;
            }
            if !remove.is_empty() {
                ecr.untag_resource().resource_arn(&arn).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
            }
        }
        if old.image_tag_mutability != new.image_tag_mutability {
            ecr.put_image_tag_mutability()
                .repository_name(id)
                .image_tag_mutability(ImageTagMutability::from(new.image_tag_mutability.as_str()))
                .send()
                .await
                .api("PutImageTagMutability")?;
        }
        put_lifecycle(cx, id, old.lifecycle_policy.as_ref(), new.lifecycle_policy.as_ref()).await?;
        if old.scan_on_push != new.scan_on_push {
            ecr.put_image_scanning_configuration()
                .repository_name(id)
                .image_scanning_configuration(ImageScanningConfiguration::builder().scan_on_push(new.scan_on_push).build())
                .send()
                .await
                .api("PutImageScanningConfiguration")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &RepositoryProps) -> Result<(), ResourceError> {
        cx.aws
            .ecr()
            .delete_repository()
            .repository_name(id)
            .force(p.force_delete)
            .send()
            .await
            .found("DeleteRepository", |e| e.is_repository_not_found_exception())?;
        Ok(())
    }
}
