//! `iam.policy`: a customer managed policy, attached to roles by its ARN
//! (`managed_policy_arns = ["${resources.policy.arn}"]`). A changed document is a new
//! default version, in place: the oldest versions are deleted to stay within AWS's five.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_iam::types::Tag;

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct PolicyProps {
        name: String => required, replace, check(rules::IAM_POLICY_NAME);
        /// The path the ARN carries (`/team/`).
        path: String => default("/"), replace, check(Check::Name { what: "path", min: 1, max: 512, chars: Chars::Any });
        /// IAM has no call that changes a policy's description: a new one replaces the policy.
        description: Option<String> => optional, replace, check(Check::MaxLen(1000));
        /// The policy document, as a TOML table.
        policy: serde_json::Value => required;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct PolicyAttrs {
        /// The ARN (also the id): what roles attach.
        arn: String,
        name: String,
    }
}

pub struct Policy;

/// IAM's paths begin and end with `/` (`/`, `/team/`).
pub(super) fn path_problem(path: &str) -> Vec<crate::Problem> {
    if path.starts_with('/') && path.ends_with('/') {
        return Vec::new();
    }
    vec![("path".into(), format!("path `{path}` must begin and end with `/` (`/` or `/team/`)"))]
}

/// AWS keeps at most this many versions of a managed policy.
const MAX_VERSIONS: usize = 5;

fn arn(partition: &str, account: &str, path: &str, name: &str) -> String {
    format!("arn:{partition}:iam::{account}:policy{path}{name}")
}

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(ResourceError::from)).collect()
}

/// IAM returns policy documents URL-encoded.
fn decode_policy(raw: &str) -> serde_json::Value {
    let text = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text.into_owned()))
}

/// The versions that are not the default, oldest first.
async fn old_versions(cx: &Ctx<'_>, arn: &str) -> Result<(usize, Vec<String>), ResourceError> {
    let out = cx.aws.iam().list_policy_versions().policy_arn(arn).send().await.api("ListPolicyVersions")?;
    let mut old: Vec<_> = out.versions().iter().filter(|v| !v.is_default_version()).collect();
    old.sort_by_key(|v| v.create_date().map(|d| (d.secs(), d.subsec_nanos())));
    Ok((out.versions().len(), old.iter().filter_map(|v| v.version_id().map(str::to_string)).collect()))
}

async fn delete_version(cx: &Ctx<'_>, arn: &str, version: &str) -> Result<(), ResourceError> {
    let req = cx.aws.iam().delete_policy_version().policy_arn(arn).version_id(version);
    req.send().await.found("DeletePolicyVersion", |e| e.is_no_such_entity_exception())?;
    Ok(())
}

#[async_trait]
impl Resource for Policy {
    type Props = PolicyProps;
    type Attrs = PolicyAttrs;
    const TYPE: &'static str = "iam.policy";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "iam.policy"
name = "conformance-read-reports"
description = "Read the reports bucket"

[resources.example.policy]
Version = "2012-10-17"
Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::reports/*" }]
"#,
        updates: &[
            "policy = { Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = [\"s3:GetObject\", \"s3:ListBucket\"], Resource = \"*\" }] }",
            "policy = { Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = \"s3:ListBucket\", Resource = \"*\" }] }",
            "policy = { Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = \"s3:PutObject\", Resource = \"*\" }] }",
            "policy = { Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = \"s3:DeleteObject\", Resource = \"*\" }] }",
            "policy = { Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = \"sqs:SendMessage\", Resource = \"*\" }] }",
        ],
        replace: Some("description = \"Read the reports bucket, and more\""),
        skip: &[],
    };

    fn check(&self, p: &PolicyProps) -> Vec<crate::Problem> {
        path_problem(&p.path)
    }

    fn early(&self, p: &PolicyProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        let arn = arn(&at.partition, &at.account_id, &p.path, &p.name);
        vec![("id", arn.clone()), ("arn", arn), ("name", p.name.clone())]
    }

    /// Policy names are unique in the account whatever the path; this finds the one at `path`.
    async fn find(&self, cx: &Ctx<'_>, p: &PolicyProps) -> Result<Option<String>, ResourceError> {
        let caller = cx.aws.identity().await?;
        let arn = arn(&caller.partition, &caller.account_id, &p.path, &p.name);
        let out = cx.aws.iam().get_policy().policy_arn(&arn).send().await.found("GetPolicy", |e| e.is_no_such_entity_exception())?;
        Ok(out.map(|_| arn))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &PolicyProps) -> Result<Created<PolicyAttrs>, ResourceError> {
        let out = cx
            .aws
            .iam()
            .create_policy()
            .policy_name(&p.name)
            .path(&p.path)
            .set_description(p.description.clone())
            .policy_document(p.policy.to_string())
            .set_tags(Some(sdk_tags(&p.tags)?))
            .send()
            .await
            .api("CreatePolicy")?;
        let arn = out.policy().and_then(|p| p.arn()).unwrap_or_default().to_string();
        Ok(Created::new(&arn, PolicyAttrs { arn: arn.clone(), name: p.name.clone() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &PolicyProps) -> Result<Option<Observed<PolicyProps, PolicyAttrs>>, ResourceError> {
        let iam = cx.aws.iam();
        let got = iam.get_policy().policy_arn(id).send().await.found("GetPolicy", |e| e.is_no_such_entity_exception())?;
        let Some(policy) = got.and_then(|o| o.policy) else { return Ok(None) };
        let version = policy.default_version_id().unwrap_or("v1");
        let (doc, tag_list) =
            tokio::join!(iam.get_policy_version().policy_arn(id).version_id(version).send(), iam.list_policy_tags().policy_arn(id).send());
        let doc = doc.api("GetPolicyVersion")?.policy_version.and_then(|v| v.document).map(|d| decode_policy(&d));
        let tag_list = tag_list.api("ListPolicyTags")?;
        let props = PolicyProps {
            name: policy.policy_name().unwrap_or(&p.name).to_string(),
            path: policy.path().unwrap_or(&p.path).to_string(),
            description: policy.description().filter(|d| !d.is_empty()).map(str::to_string),
            policy: doc.unwrap_or_else(|| p.policy.clone()),
            tags: tags::live(tag_list.tags().iter().map(|t| (t.key(), t.value()))),
        };
        let attrs = PolicyAttrs { arn: id.to_string(), name: props.name.clone() };
        Ok(Some(Observed { props, attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &PolicyProps, new: &PolicyProps) -> Result<Option<PolicyAttrs>, ResourceError> {
        let iam = cx.aws.iam();
        if !crate::schema::json_eq(&old.policy, &new.policy) {
            // Room for the new version: the oldest non-default ones go first.
            let (count, old_ones) = old_versions(cx, id).await?;
            for version in old_ones.iter().take((count + 1).saturating_sub(MAX_VERSIONS)) {
                delete_version(cx, id, version).await?;
            }
            let req = iam.create_policy_version().policy_arn(id).policy_document(new.policy.to_string()).set_as_default(true);
            req.send().await.api("CreatePolicyVersion")?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            iam.tag_policy().policy_arn(id).set_tags(Some(sdk_tags(&set)?)).send().await.api("TagPolicy")?;
        }
        if !remove.is_empty() {
            iam.untag_policy().policy_arn(id).set_tag_keys(Some(remove)).send().await.api("UntagPolicy")?;
        }
        Ok(None)
    }

    /// Customer managed policies only: AWS's own are not the account's.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.iam().list_policies().scope(aws_sdk_iam::types::PolicyScopeType::Local).into_paginator().send();
        while let Some(page) = pages.next().await {
            out.extend(page.api("ListPolicies")?.policies().iter().filter_map(|p| p.arn().map(str::to_string)));
        }
        Ok(out)
    }

    /// A policy cannot be deleted while it has other versions, nor while it is attached:
    /// an attachment another resource is still removing (a role deleted in the same run)
    /// is waited for; one that stays is named in the error.
    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &PolicyProps) -> Result<(), ResourceError> {
        let iam = cx.aws.iam();
        let exists = iam.get_policy().policy_arn(id).send().await.found("GetPolicy", |e| e.is_no_such_entity_exception())?;
        if exists.is_none() {
            return Ok(());
        }
        for version in old_versions(cx, id).await?.1 {
            delete_version(cx, id, &version).await?;
        }
        cx.retry_eventual("the policy's attachments to be removed", Duration::from_secs(60), || async {
            match iam.delete_policy().policy_arn(id).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_delete_conflict_exception()) => Err(Attempt::retry("DeletePolicy", e)),
                Err(e) => Err(Attempt::fail("DeletePolicy", e)),
            }
        })
        .await
    }
}
