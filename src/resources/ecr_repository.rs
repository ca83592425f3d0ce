//! `ecr.repository`: a container image repository (tag mutability, scan on push, and
//! `force_delete` to delete it with its images).

use async_trait::async_trait;
use aws_sdk_ecr::types::{ImageScanningConfiguration, ImageTagMutability, Repository, Tag};

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct RepositoryProps {
        name: String => required, replace;
        /// `MUTABLE` or `IMMUTABLE`.
        image_tag_mutability: String => default("MUTABLE");
        scan_on_push: bool => default(false);
        /// Delete the repository even when it holds images.
        force_delete: bool => default(false);
    }
}

pub struct EcrRepository;

fn outcome(r: &Repository) -> Outcome {
    let name = r.repository_name().unwrap_or_default();
    Outcome::new(name)
        .with("name", name)
        .with("arn", r.repository_arn().unwrap_or_default())
        .with("url", r.repository_uri().unwrap_or_default())
}

#[async_trait]
impl Resource for EcrRepository {
    type Props = RepositoryProps;
    const TYPE: &'static str = "ecr.repository";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("name"), attr("arn"), attr("url")];

    fn natural_id(&self, p: &RepositoryProps) -> Option<String> {
        Some(p.name.clone())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &RepositoryProps) -> Result<Outcome, ResourceError> {
        let tags = cx.tags().into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect::<Result<Vec<_>, _>>()?;
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
        Ok(outcome(repo))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &RepositoryProps) -> Result<Option<Observed<RepositoryProps>>, ResourceError> {
        let out = cx
            .aws
            .ecr()
            .describe_repositories()
            .repository_names(id)
            .send()
            .await
            .found("DescribeRepositories", |e| e.is_repository_not_found_exception())?;
        let Some(repo) = out.as_ref().and_then(|o| o.repositories().first()) else { return Ok(None) };
        let props = RepositoryProps {
            name: id.to_string(),
            image_tag_mutability: repo
                .image_tag_mutability()
                .map(|m| m.as_str().to_string())
                .unwrap_or_else(|| p.image_tag_mutability.clone()),
            scan_on_push: repo.image_scanning_configuration().map(|c| c.scan_on_push()).unwrap_or(false),
            force_delete: p.force_delete,
        };
        Ok(Some(Observed { props, attrs: outcome(repo).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &RepositoryProps, new: &RepositoryProps) -> Result<Outcome, ResourceError> {
        let ecr = cx.aws.ecr();
        if old.image_tag_mutability != new.image_tag_mutability {
            ecr.put_image_tag_mutability()
                .repository_name(id)
                .image_tag_mutability(ImageTagMutability::from(new.image_tag_mutability.as_str()))
                .send()
                .await
                .api("PutImageTagMutability")?;
        }
        if old.scan_on_push != new.scan_on_push {
            ecr.put_image_scanning_configuration()
                .repository_name(id)
                .image_scanning_configuration(ImageScanningConfiguration::builder().scan_on_push(new.scan_on_push).build())
                .send()
                .await
                .api("PutImageScanningConfiguration")?;
        }
        Ok(Outcome::new(id))
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
