//! `iam.instance_profile`: what an EC2 instance (or an ECS container instance, an EMR
//! node) takes a role through. The role changes in place; name and path replace it.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_iam::types::Tag;

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct InstanceProfileProps {
        name: String => required, replace, check(Check::Name { what: "instance profile name", min: 1, max: 128, chars: Chars::Iam });
        /// The path the ARN carries (`/team/`).
        path: String => default("/"), replace, check(Check::Name { what: "path", min: 1, max: 512, chars: Chars::Any });
        /// The role's name (`${resources.role.name}`); a profile holds at most one.
        role: Option<String> => optional, check(rules::IAM_ROLE);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct InstanceProfileAttrs {
        name: String,
        /// What an instance or launch template names.
        arn: String,
    }
}

pub struct InstanceProfile;

fn arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account}:instance-profile{path}{name}")
}

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(ResourceError::from)).collect()
}

async fn add_role(cx: &Ctx<'_>, name: &str, role: &str) -> Result<(), ResourceError> {
    // A role made moments ago may not be visible to IAM's other endpoints yet.
    cx.retry_eventual("the role to be known to IAM", crate::PROPAGATION_RETRY, || async {
        match cx.aws.iam().add_role_to_instance_profile().instance_profile_name(name).role_name(role).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => {
                Err(Attempt::retry("AddRoleToInstanceProfile", e))
            }
            Err(e) => Err(Attempt::fail("AddRoleToInstanceProfile", e)),
        }
    })
    .await
}

async fn remove_role(cx: &Ctx<'_>, name: &str, role: &str) -> Result<(), ResourceError> {
    let req = cx.aws.iam().remove_role_from_instance_profile().instance_profile_name(name).role_name(role);
    req.send().await.found("RemoveRoleFromInstanceProfile", |e| e.is_no_such_entity_exception())?;
    Ok(())
}

#[async_trait]
impl Resource for InstanceProfile {
    type Props = InstanceProfileProps;
    type Attrs = InstanceProfileAttrs;
    const TYPE: &'static str = "iam.instance_profile";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-instance-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.other_role]
type = "iam.role"
name = "conformance-instance-role-2"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.example]
type = "iam.instance_profile"
name = "conformance-instance-profile"
role = "${resources.role.name}"
"#,
        updates: &["role = \"${resources.other_role.name}\""],
        replace: Some("name = \"conformance-instance-profile-2\""),
        skip: &[],
    };

    fn check(&self, p: &InstanceProfileProps) -> Vec<Problem> {
        super::policy::path_problem(&p.path)
    }

    fn early(&self, p: &InstanceProfileProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("id", p.name.clone()), ("name", p.name.clone()), ("arn", arn(&at.partition, &at.account_id, &p.path, &p.name))]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &InstanceProfileProps) -> Result<Created<InstanceProfileAttrs>, ResourceError> {
        let out = cx
            .aws
            .iam()
            .create_instance_profile()
            .instance_profile_name(&p.name)
            .path(&p.path)
            .set_tags(Some(sdk_tags(&p.tags)?))
            .send()
            .await
            .api("CreateInstanceProfile")?;
        let arn = out.instance_profile().map(|i| i.arn().to_string()).unwrap_or_default();
        if let Some(role) = &p.role {
            add_role(cx, &p.name, role).await?;
        }
        Ok(Created::new(&p.name, InstanceProfileAttrs { name: p.name.clone(), arn }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _p: &InstanceProfileProps,
    ) -> Result<Option<Observed<InstanceProfileProps, InstanceProfileAttrs>>, ResourceError> {
        let out = cx
            .aws
            .iam()
            .get_instance_profile()
            .instance_profile_name(id)
            .send()
            .await
            .found("GetInstanceProfile", |e| e.is_no_such_entity_exception())?;
        let Some(profile) = out.and_then(|o| o.instance_profile) else { return Ok(None) };
        let props = InstanceProfileProps {
            name: profile.instance_profile_name().to_string(),
            path: profile.path().to_string(),
            role: profile.roles().first().map(|r| r.role_name().to_string()),
            tags: tags::live(profile.tags().iter().map(|t| (t.key(), t.value()))),
        };
        Ok(Some(Observed { props, attrs: InstanceProfileAttrs { name: id.to_string(), arn: profile.arn().to_string() } }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &InstanceProfileProps,
        new: &InstanceProfileProps,
    ) -> Result<Option<InstanceProfileAttrs>, ResourceError> {
        if old.role != new.role {
            if let Some(role) = &old.role {
                remove_role(cx, id, role).await?;
            }
            if let Some(role) = &new.role {
                add_role(cx, id, role).await?;
            }
        }
        let iam = cx.aws.iam();
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            iam.tag_instance_profile().instance_profile_name(id).set_tags(Some(sdk_tags(&set)?)).send().await.api("TagInstanceProfile")?;
        }
        if !remove.is_empty() {
            let req = iam.untag_instance_profile().instance_profile_name(id).set_tag_keys(Some(remove));
            req.send().await.api("UntagInstanceProfile")?;
        }
        Ok(None)
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.iam().list_instance_profiles().into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListInstanceProfiles")?.instance_profiles().iter().map(|i| i.instance_profile_name().to_string()));
        }
        Ok(out)
    }

    /// The role first, whoever added it: AWS refuses to delete a profile that holds one.
    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &InstanceProfileProps) -> Result<(), ResourceError> {
        let Some(live) = self.read(cx, id, p).await? else { return Ok(()) };
        if let Some(role) = &live.props.role {
            remove_role(cx, id, role).await?;
        }
        cx.retry_eventual("the instance profile to be released", Duration::from_secs(60), || async {
            match cx.aws.iam().delete_instance_profile().instance_profile_name(id).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_delete_conflict_exception()) => {
                    Err(Attempt::retry("DeleteInstanceProfile", e))
                }
                Err(e) => Err(Attempt::fail("DeleteInstanceProfile", e)),
            }
        })
        .await
    }
}
