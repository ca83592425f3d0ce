//! `kms.key`: a customer-managed symmetric (or other spec) key with its description,
//! yearly rotation, key policy and tags. Deleting it schedules the deletion after
//! `deletion_window_days`, as AWS allows no sooner; a key pending deletion counts as gone.

use async_trait::async_trait;
use aws_sdk_kms::types::{KeyManagerType, KeySpec, KeyState, KeyUsageType, Tag};
use serde_json::Value;

use crate::aws::SdkResultExt;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError, Skip};

props! {
    pub struct KeyProps {
        description: String => default(""), check(Check::MaxLen(8192));
        /// Rotate the key material every year.
        enable_key_rotation: bool => default(true);
        /// The key policy; AWS's default (the account's root may use the key) when unset.
        policy: Option<Value> => optional;
        /// Days between `down` and the key's actual deletion (7 to 30).
        deletion_window_days: i64 => default(30), local, check(Check::Range { min: 7, max: 30 });
        /// What the key is for. AWS cannot change it, and a new key could not read what
        /// this one encrypted or signed: a change is refused (declare a new key instead).
        key_usage: String => default("ENCRYPT_DECRYPT"), immutable, check(Check::OneOf(&["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"]));
        /// The key's kind (`SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`, ...); fixed like `key_usage`.
        key_spec: String => default("SYMMETRIC_DEFAULT"), immutable;
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct KeyAttrs {
        /// The key id (a UUID), also the physical id.
        key_id: String,
        arn: String,
    }
}

pub struct Key;

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Ok(Tag::builder().tag_key(k).tag_value(v).build()?)).collect()
}

impl Key {
    async fn live_tags(cx: &Ctx<'_>, id: &str) -> Result<Tags, ResourceError> {
        let out = cx.aws.kms().list_resource_tags().key_id(id).send().await.api("ListResourceTags")?;
        Ok(tags::live(out.tags().iter().map(|t| (t.tag_key(), t.tag_value()))))
    }

    async fn set_rotation(cx: &Ctx<'_>, id: &str, on: bool) -> Result<(), ResourceError> {
        let kms = cx.aws.kms();
        if on {
            kms.enable_key_rotation().key_id(id).send().await.api("EnableKeyRotation")?;
        } else {
            kms.disable_key_rotation().key_id(id).send().await.api("DisableKeyRotation")?;
        }
        Ok(())
    }
}

#[async_trait]
impl Resource for Key {
    type Props = KeyProps;
    type Attrs = KeyAttrs;
    const TYPE: &'static str = "kms.key";
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "kms.key"
description = "Platform data"
deletion_window_days = 7
"#,
        updates: &[
            "description = \"Platform data, renamed\"",
            "enable_key_rotation = false",
            "policy = { Version = \"2012-10-17\", Statement = [{ Sid = \"Root\", Effect = \"Allow\", Principal = { AWS = \"arn:aws:iam::${aws.account_id}:root\" }, Action = \"kms:*\", Resource = \"*\" }] }",
        ],
        replace: None,
        skip: &[(
            Skip::Replace,
            "no change replaces a key: key_usage and key_spec cannot change at all and are refused; \
             `up --replace` replaces one (tests/integration/lifecycle.rs)",
        )],
    };

    /// Keys have no name: the tags say which one this state created.
    async fn find(&self, cx: &Ctx<'_>, p: &KeyProps) -> Result<Option<String>, ResourceError> {
        let kms = cx.aws.kms();
        let mut marker = None;
        loop {
            let page = kms.list_keys().set_marker(marker.take()).limit(1000).send().await.api("ListKeys")?;
            for k in page.keys() {
                let Some(id) = k.key_id() else { continue };
                if tags::same_owner(&Self::live_tags(cx, id).await?, &p.tags) && self.read(cx, id, p).await?.is_some() {
                    return Ok(Some(id.to_string()));
                }
            }
            match page.next_marker() {
                Some(m) if page.truncated() => marker = Some(m.to_string()),
                _ => return Ok(None),
            }
        }
    }

    async fn create(&self, cx: &Ctx<'_>, p: &KeyProps) -> Result<Created<KeyAttrs>, ResourceError> {
        let kms = cx.aws.kms();
        let out = kms
            .create_key()
            .description(&p.description)
            .key_usage(KeyUsageType::from(p.key_usage.as_str()))
            .key_spec(KeySpec::from(p.key_spec.as_str()))
            .set_policy(p.policy.as_ref().map(Value::to_string))
            .set_tags(Some(sdk_tags(&p.tags)?))
            .send()
            .await
            .api("CreateKey")?;
        let meta = out.key_metadata().ok_or_else(|| ResourceError::Invalid("CreateKey returned no key".into()))?;
        let id = meta.key_id().to_string();
        if p.enable_key_rotation && p.key_spec == "SYMMETRIC_DEFAULT" {
            Self::set_rotation(cx, &id, true).await?;
        }
        Ok(Created::new(&id, KeyAttrs { key_id: id.clone(), arn: meta.arn().unwrap_or_default().to_string() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &KeyProps) -> Result<Option<Observed<KeyProps, KeyAttrs>>, ResourceError> {
        let kms = cx.aws.kms();
        let out = kms.describe_key().key_id(id).send().await.found("DescribeKey", |e| e.is_not_found_exception())?;
        let Some(meta) = out.and_then(|o| o.key_metadata) else { return Ok(None) };
        if matches!(meta.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion)) {
            return Ok(None);
        }
        let symmetric = meta.key_spec().is_none_or(|s| *s == KeySpec::SymmetricDefault);
        let (rotation, policy, tags) = tokio::join!(
            async {
                if symmetric {
                    kms.get_key_rotation_status().key_id(id).send().await.api("GetKeyRotationStatus").map(|o| o.key_rotation_enabled())
                } else {
                    Ok(p.enable_key_rotation)
                }
            },
            kms.get_key_policy().key_id(id).policy_name("default").send(),
            Self::live_tags(cx, id)
        );
        let policy = match &p.policy {
            // AWS's default policy is not something the manifest states.
            None => None,
            Some(_) => policy.api("GetKeyPolicy")?.policy().and_then(|s| serde_json::from_str(s).ok()),
        };
        let props = KeyProps {
            description: meta.description().unwrap_or_default().to_string(),
            enable_key_rotation: rotation?,
            policy,
            deletion_window_days: p.deletion_window_days,
            key_usage: meta.key_usage().map(|u| u.as_str().to_string()).unwrap_or_else(|| p.key_usage.clone()),
            key_spec: meta.key_spec().map(|s| s.as_str().to_string()).unwrap_or_else(|| p.key_spec.clone()),
            tags: tags?,
        };
        Ok(Some(Observed { props, attrs: KeyAttrs { key_id: meta.key_id().to_string(), arn: meta.arn().unwrap_or_default().to_string() } }))
    }

    /// The account's own keys (not AWS-managed ones, which it cannot change), except
    /// those pending deletion, which count as gone.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let kms = cx.aws.kms();
        let mut out = Vec::new();
        let mut marker = None;
        loop {
            let page = kms.list_keys().set_marker(marker.take()).limit(1000).send().await.api("ListKeys")?;
            for id in page.keys().iter().filter_map(|k| k.key_id()) {
                let Some(described) = kms.describe_key().key_id(id).send().await.found("DescribeKey", |e| e.is_not_found_exception())?
                else {
                    continue;
                };
                let Some(meta) = described.key_metadata() else { continue };
                let pending = matches!(meta.key_state(), Some(KeyState::PendingDeletion | KeyState::PendingReplicaDeletion));
                if meta.key_manager() == Some(&KeyManagerType::Customer) && !pending {
                    out.push(id.to_string());
                }
            }
            match page.next_marker() {
                Some(m) if page.truncated() => marker = Some(m.to_string()),
                _ => return Ok(out),
            }
        }
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &KeyProps, new: &KeyProps) -> Result<Option<KeyAttrs>, ResourceError> {
        let kms = cx.aws.kms();
        if old.description != new.description {
            kms.update_key_description().key_id(id).description(&new.description).send().await.api("UpdateKeyDescription")?;
        }
        if old.enable_key_rotation != new.enable_key_rotation {
            Self::set_rotation(cx, id, new.enable_key_rotation).await?;
        }
        if old.policy != new.policy {
            if let Some(policy) = &new.policy {
                kms.put_key_policy().key_id(id).policy_name("default").policy(policy.to_string()).send().await.api("PutKeyPolicy")?;
            }
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            kms.tag_resource().key_id(id).set_tags(Some(sdk_tags(&set)?)).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            kms.untag_resource().key_id(id).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &KeyProps) -> Result<(), ResourceError> {
        let req = cx.aws.kms().schedule_key_deletion().key_id(id).pending_window_in_days(p.deletion_window_days as i32);
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found_exception()) => Ok(()),
            // Already scheduled for deletion: what delete asks for.
            Err(e) if e.as_service_error().is_some_and(|e| e.is_kms_invalid_state_exception()) => Ok(()),
            Err(e) => Err(crate::aws::AwsError::new("ScheduleKeyDeletion", e).into()),
        }
    }
}
