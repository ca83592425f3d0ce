//! `iam.role`: a role with its trust policy, inline policies and managed policy
//! attachments, reconciled as sets.

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_sdk_iam::types::Tag;
use serde_json::Value;

use std::time::Duration;

use super::{attr, Attempt, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::props;

props! {
    pub struct RoleProps {
        name: String => required, replace;
        /// Trust policy, written as a TOML table.
        assume_role_policy: Value => required;
        description: Option<String> => optional;
        /// ARNs of managed policies to attach.
        managed_policy_arns: Vec<String> => default([]);
        /// Inline policies by name.
        inline_policies: BTreeMap<String, Value> => default({});
    }
}

pub struct Role;

fn outcome(name: &str, arn: &str) -> Outcome {
    Outcome::new(name).with("name", name).with("arn", arn)
}

/// IAM returns policy documents URL-encoded.
fn decode_policy(raw: &str) -> Value {
    let text = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
    serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()))
}

impl Role {
    async fn live_managed(cx: &Ctx<'_>, name: &str) -> Result<Vec<String>, ResourceError> {
        let mut arns = Vec::new();
        let mut pages = cx.aws.iam().list_attached_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.api("ListAttachedRolePolicies")?;
            arns.extend(page.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_string)));
        }
        arns.sort();
        Ok(arns)
    }

    async fn live_inline(cx: &Ctx<'_>, name: &str) -> Result<BTreeMap<String, Value>, ResourceError> {
        let mut names = Vec::new();
        let mut pages = cx.aws.iam().list_role_policies().role_name(name).into_paginator().send();
        while let Some(page) = pages.next().await {
            names.extend(page.api("ListRolePolicies")?.policy_names().iter().cloned());
        }
        let mut out = BTreeMap::new();
        for policy in names {
            let doc = cx.aws.iam().get_role_policy().role_name(name).policy_name(&policy).send().await.api("GetRolePolicy")?;
            out.insert(policy, decode_policy(doc.policy_document()));
        }
        Ok(out)
    }

    async fn sync_policies(cx: &Ctx<'_>, name: &str, old: &RoleProps, new: &RoleProps) -> Result<(), ResourceError> {
        let iam = cx.aws.iam();
        for arn in new.managed_policy_arns.iter().filter(|a| !old.managed_policy_arns.contains(a)) {
            iam.attach_role_policy().role_name(name).policy_arn(arn).send().await.api("AttachRolePolicy")?;
        }
        for arn in old.managed_policy_arns.iter().filter(|a| !new.managed_policy_arns.contains(a)) {
            iam.detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await
                .found("DetachRolePolicy", |e| e.is_no_such_entity_exception())?;
        }
        for (policy, doc) in &new.inline_policies {
            if old.inline_policies.get(policy).is_none_or(|d| !crate::schema::json_eq(d, doc)) {
                iam.put_role_policy()
                    .role_name(name)
                    .policy_name(policy)
                    .policy_document(doc.to_string())
                    .send()
                    .await
                    .api("PutRolePolicy")?;
            }
        }
        for policy in old.inline_policies.keys().filter(|p| !new.inline_policies.contains_key(*p)) {
            iam.delete_role_policy()
                .role_name(name)
                .policy_name(policy)
                .send()
                .await
                .found("DeleteRolePolicy", |e| e.is_no_such_entity_exception())?;
        }
        Ok(())
    }
}

#[async_trait]
impl Resource for Role {
    type Props = RoleProps;
    const TYPE: &'static str = "iam.role";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("name"), attr("arn")];

    fn natural_id(&self, p: &RoleProps) -> Option<String> {
        Some(p.name.clone())
    }

    async fn create(&self, cx: &Ctx<'_>, p: &RoleProps) -> Result<Outcome, ResourceError> {
        let tags = cx.tags().into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect::<Result<Vec<_>, _>>()?;
        let out = cx
            .aws
            .iam()
            .create_role()
            .role_name(&p.name)
            .assume_role_policy_document(p.assume_role_policy.to_string())
            .set_description(p.description.clone())
            .set_tags(Some(tags))
            .send()
            .await
            .api("CreateRole")?;
        let arn = out.role().map(|r| r.arn().to_string()).unwrap_or_default();
        let empty = RoleProps { managed_policy_arns: vec![], inline_policies: BTreeMap::new(), ..p.clone() };
        Self::sync_policies(cx, &p.name, &empty, p).await?;
        Ok(outcome(&p.name, &arn))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &RoleProps) -> Result<Option<Observed<RoleProps>>, ResourceError> {
        let out = cx.aws.iam().get_role().role_name(id).send().await.found("GetRole", |e| e.is_no_such_entity_exception())?;
        let Some(role) = out.and_then(|o| o.role) else { return Ok(None) };
        let mut managed = Self::live_managed(cx, id).await?;
        // Keep the manifest's order when the sets agree, so order alone is no change.
        let mut wanted = p.managed_policy_arns.clone();
        wanted.sort();
        if wanted == managed {
            managed = p.managed_policy_arns.clone();
        }
        let props = RoleProps {
            name: role.role_name().to_string(),
            assume_role_policy: role.assume_role_policy_document().map(decode_policy).unwrap_or(Value::Null),
            description: role.description().map(str::to_string).filter(|d| !d.is_empty()),
            managed_policy_arns: managed,
            inline_policies: Self::live_inline(cx, id).await?,
        };
        Ok(Some(Observed { props, attrs: outcome(id, role.arn()).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &RoleProps, new: &RoleProps) -> Result<Outcome, ResourceError> {
        let iam = cx.aws.iam();
        if !crate::schema::json_eq(&old.assume_role_policy, &new.assume_role_policy) {
            iam.update_assume_role_policy()
                .role_name(id)
                .policy_document(new.assume_role_policy.to_string())
                .send()
                .await
                .api("UpdateAssumeRolePolicy")?;
        }
        if old.description != new.description {
            iam.update_role().role_name(id).description(new.description.clone().unwrap_or_default()).send().await.api("UpdateRole")?;
        }
        Self::sync_policies(cx, id, old, new).await?;
        let role = iam.get_role().role_name(id).send().await.api("GetRole")?;
        Ok(outcome(id, role.role().map(|r| r.arn()).unwrap_or_default()))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &RoleProps) -> Result<(), ResourceError> {
        let iam = cx.aws.iam();
        let exists = iam.get_role().role_name(id).send().await.found("GetRole", |e| e.is_no_such_entity_exception())?;
        if exists.is_none() {
            return Ok(());
        }
        // A role cannot be deleted while policies are attached, whoever attached them.
        let live = RoleProps {
            name: id.to_string(),
            assume_role_policy: Value::Null,
            description: None,
            managed_policy_arns: Self::live_managed(cx, id).await?,
            inline_policies: Self::live_inline(cx, id).await?,
        };
        let none = RoleProps { managed_policy_arns: vec![], inline_policies: BTreeMap::new(), ..live.clone() };
        Self::sync_policies(cx, id, &live, &none).await?;
        // A role still attached somewhere (an instance profile, a lingering session)
        // refuses deletion for a while.
        cx.retry_eventual("the role to be released", Duration::from_secs(120), || async {
            match iam.delete_role().role_name(id).send().await {
                Ok(_) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(()),
                Err(e) if e.as_service_error().is_some_and(|e| e.is_delete_conflict_exception()) => Err(Attempt::retry("DeleteRole", e)),
                Err(e) => Err(Attempt::fail("DeleteRole", e)),
            }
        })
        .await
    }
}
