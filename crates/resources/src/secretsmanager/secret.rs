//! `secretsmanager.secret`: a secret whose value (generated `{"username","password"}`
//! credentials) is written only to AWS. State keeps the generation settings, never
//! the value; the generated password is registered for masking in all output. The value
//! is never read back: a change of the settings writes a new value to the same secret,
//! under a new `version_id`, which is how the databases using it know to follow.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::Tag;
use rand::distr::{Alphanumeric, SampleString};

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props, secrets};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    /// Credentials infra generates: at creation, and again whenever these settings change.
    pub struct Generate {
        username: String => required, check(Check::Name { what: "user name", min: 1, max: 63, chars: crate::schema::check::Chars::AlnumDashUnderscore });
        password_length: i64 => default(32), check(Check::Range { min: 8, max: 4096 });
    }
}

props! {
    pub struct SecretProps {
        name: String => required, replace, check(rules::SECRET);
        description: Option<String> => optional, check(Check::MaxLen(2048));
        /// Days a deleted secret stays recoverable; 0 deletes it at once (and frees the name).
        recovery_window_days: i64 => default(30), local, check(Check::Range { min: 0, max: 30 });
        /// Generate credentials. Changing the settings writes newly generated credentials
        /// to the same secret (same ARN; the previous value stays as `AWSPREVIOUS`);
        /// removing them leaves the current value as it is. A database whose
        /// `master_password_version` is this secret's `version_id` takes the new password
        /// in the same run.
        generate: Option<Generate> => optional, local;
        /// KMS key (ARN, id or alias) encrypting the value; AWS's own key
        /// (`aws/secretsmanager`) when absent. Changing it re-encrypts the secret in place.
        kms_key_id: Option<String> => optional;
        /// When the name is still held by a deleted secret in its recovery window:
        /// `fail` (say so), `restore` (bring it back, with new generated credentials) or
        /// `force_delete` (delete it for good, then create a new one).
        if_scheduled_for_deletion: String => default("fail"), local, check(Check::OneOf(&["fail", "restore", "force_delete"]));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct SecretAttrs {
        /// The ARN (also the id); its random suffix changes when the secret is re-created.
        arn: String,
        name: String,
        /// The version of the current value (stage `AWSCURRENT`), new with each value
        /// written; empty while the secret holds none.
        version_id: String,
    }
}

pub struct Secret;

/// The key Secrets Manager uses when none is named; DescribeSecret then reports no key.
const AWS_MANAGED_KEY: &str = "alias/aws/secretsmanager";

fn sdk_tags(tags: &Tags) -> Vec<Tag> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect()
}

/// The generated `{"username","password"}` document, registered as a secret.
fn generate(p: &SecretProps) -> Result<Option<String>, ResourceError> {
    let Some(g) = &p.generate else { return Ok(None) };
    if !(8..=4096).contains(&g.password_length) {
        return Err(ResourceError::Invalid(format!("password_length must be 8 to 4096, not {}", g.password_length)));
    }
    // Alphanumeric only: RDS rejects `/`, `@`, `"` and spaces in master passwords.
    let password = Alphanumeric.sample_string(&mut rand::rng(), g.password_length as usize);
    secrets::register(&password);
    let value = serde_json::json!({ "username": g.username, "password": password }).to_string();
    secrets::register(&value);
    Ok(Some(value))
}

/// When the secret named `name` is deleted but still in its recovery window: the date
/// its name is freed.
async fn scheduled_for_deletion(cx: &Ctx<'_>, name: &str) -> Result<Option<String>, ResourceError> {
    Ok(describe(cx, name).await?.and_then(|o| o.deleted_date().map(|d| d.to_string())))
}

fn created(arn: &str, name: &str, version_id: &str) -> Created<SecretAttrs> {
    Created::new(arn, SecretAttrs { arn: arn.to_string(), name: name.to_string(), version_id: version_id.to_string() })
}

/// The version holding the stage `AWSCURRENT`, if the secret has a value.
fn current_version(out: &DescribeSecretOutput) -> String {
    let stages = out.version_ids_to_stages().into_iter().flatten();
    stages.filter(|(_, s)| s.iter().any(|s| s == "AWSCURRENT")).map(|(v, _)| v.clone()).next().unwrap_or_default()
}

async fn describe(cx: &Ctx<'_>, id: &str) -> Result<Option<DescribeSecretOutput>, ResourceError> {
    let out = cx.aws.secretsmanager().describe_secret().secret_id(id).send().await;
    Ok(out.found("DescribeSecret", |e| e.is_resource_not_found_exception())?)
}

#[async_trait]
impl Resource for Secret {
    type Props = SecretProps;
    type Attrs = SecretAttrs;
    const TYPE: &'static str = "secretsmanager.secret";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.key]
type = "kms.key"
description = "Conformance credentials"
deletion_window_days = 7

[resources.example]
type = "secretsmanager.secret"
name = "conformance/credentials"
description = "Generated credentials"
recovery_window_days = 0
generate = { username = "admin", password_length = 24 }
"#,
        updates: &[
            "description = \"Generated credentials, changed\"",
            "kms_key_id = \"${resources.key.arn}\"",
            "generate = { username = \"operator\", password_length = 40 }",
        ],
        replace: Some("name = \"conformance/credentials-2\""),
        skip: &[],
    };

    /// Only the name: the ARN ends in a random suffix AWS chooses.
    fn early(&self, p: &SecretProps, _at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("name", p.name.clone())]
    }

    fn check(&self, p: &SecretProps) -> Vec<Problem> {
        if p.recovery_window_days != 0 && p.recovery_window_days < 7 {
            return vec![("recovery_window_days".into(), format!("must be 0 (delete at once) or 7 to 30, not {}", p.recovery_window_days))];
        }
        Vec::new()
    }

    async fn find(&self, cx: &Ctx<'_>, p: &SecretProps) -> Result<Option<String>, ResourceError> {
        let out = describe(cx, &p.name).await?;
        Ok(out.filter(|o| o.deleted_date().is_none()).and_then(|o| o.arn).map(|a| a.to_string()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &SecretProps) -> Result<Created<SecretAttrs>, ResourceError> {
        let value = generate(p)?;
        let sm = cx.aws.secretsmanager();
        let tags = sdk_tags(&p.tags);
        let forced = AtomicBool::new(false);
        cx.retry_eventual("the force-deleted secret's name to be released", Duration::from_secs(60), || async {
            let sent = sm
                .create_secret()
                .name(&p.name)
                .set_description(p.description.clone())
                .set_kms_key_id(p.kms_key_id.clone())
                .set_tags(Some(tags.clone()))
                .set_secret_string(value.clone())
                .send()
                .await;
            let err = match sent {
                Ok(out) => {
                    if let (Some(arn), Some(v)) = (out.arn(), &value) {
                        secrets::remember_written(arn, v);
                    }
                    return Ok(created(out.arn().unwrap_or_default(), out.name().unwrap_or(&p.name), out.version_id().unwrap_or_default()));
                }
                Err(e) => e,
            };
            let blocked = err.as_service_error().is_some_and(|e| e.is_invalid_request_exception() || e.is_resource_exists_exception());
            let Some(deleted) = (if blocked { scheduled_for_deletion(cx, &p.name).await? } else { None }) else {
                return Err(Attempt::fail("CreateSecret", err));
            };
            if forced.load(Ordering::SeqCst) {
                return Err(Attempt::retry("CreateSecret", err));
            }
            match p.if_scheduled_for_deletion.as_str() {
                "restore" => {
                    let arn = sm.restore_secret().secret_id(&p.name).send().await.api("RestoreSecret")?.arn.unwrap_or_default();
                    let version_id = match &value {
                        Some(v) => {
                            let put = sm.put_secret_value().secret_id(&arn).secret_string(v).send().await.api("PutSecretValue")?;
                            secrets::remember_written(&arn, v);
                            put.version_id.unwrap_or_default()
                        }
                        None => describe(cx, &arn).await?.map(|o| current_version(&o)).unwrap_or_default(),
                    };
                    sm.tag_resource().secret_id(&arn).set_tags(Some(tags.clone())).send().await.api("TagResource")?;
                    Ok(created(&arn, &p.name, &version_id))
                }
                "force_delete" => {
                    sm.delete_secret().secret_id(&p.name).force_delete_without_recovery(true).send().await.api("DeleteSecret")?;
                    forced.store(true, Ordering::SeqCst);
                    Err(Attempt::retry("CreateSecret", err))
                }
                _ => Err(Attempt::Fail(ResourceError::Invalid(format!(
                    "secret name {} is held by a deleted secret until {deleted} (its recovery window); \
                     set `if_scheduled_for_deletion = \"restore\"` to bring it back or \"force_delete\" to delete it now",
                    p.name
                )))),
            }
        })
        .await
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &SecretProps) -> Result<Option<Observed<SecretProps, SecretAttrs>>, ResourceError> {
        // A secret scheduled for deletion is as good as gone.
        let Some(out) = describe(cx, id).await?.filter(|o| o.deleted_date().is_none()) else { return Ok(None) };
        let name = out.name().unwrap_or(&p.name).to_string();
        let props = SecretProps {
            name: name.clone(),
            description: out.description().map(str::to_string).filter(|d| !d.is_empty()),
            // No key reported is AWS's own, however the manifest spelled it.
            kms_key_id: out.kms_key_id().map(str::to_string).or_else(|| p.kms_key_id.clone().filter(|k| k == AWS_MANAGED_KEY)),
            tags: tags::live(out.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)))),
            ..p.clone()
        };
        let attrs = SecretAttrs { arn: out.arn().unwrap_or(id).to_string(), name, version_id: current_version(&out) };
        Ok(Some(Observed { props, attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &SecretProps, new: &SecretProps) -> Result<Option<SecretAttrs>, ResourceError> {
        let sm = cx.aws.secretsmanager();
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            sm.tag_resource().secret_id(id).set_tags(Some(sdk_tags(&set))).send().await.api("TagResource")?;
        }
        if !remove.is_empty() {
            sm.untag_resource().secret_id(id).set_tag_keys(Some(remove)).send().await.api("UntagResource")?;
        }
        let description = (old.description != new.description).then(|| new.description.clone().unwrap_or_default());
        // Back to AWS's own key is naming it: an absent key id leaves the key as it is.
        let kms_key_id = (old.kms_key_id != new.kms_key_id).then(|| new.kms_key_id.as_deref().unwrap_or(AWS_MANAGED_KEY).to_string());
        if description.is_some() || kms_key_id.is_some() {
            sm.update_secret().secret_id(id).set_description(description).set_kms_key_id(kms_key_id).send().await.api("UpdateSecret")?;
        }
        // After the key change, so the new value is encrypted with the new key.
        if !self.updated_attrs(old, new).is_empty() {
            if let Some(value) = generate(new)? {
                let put = sm.put_secret_value().secret_id(id).secret_string(&value).send().await.api("PutSecretValue")?;
                secrets::remember_written(id, &value);
                let version_id = put.version_id.unwrap_or_default();
                return Ok(Some(SecretAttrs { arn: id.to_string(), name: new.name.clone(), version_id }));
            }
        }
        // Read back rather than kept: a state written before `version_id` existed gets it.
        let Some(out) = describe(cx, id).await? else { return Ok(None) };
        Ok(Some(SecretAttrs { arn: out.arn().unwrap_or(id).to_string(), name: new.name.clone(), version_id: current_version(&out) }))
    }

    /// A new value is a new version: the databases that follow it set their password again.
    fn updated_attrs(&self, old: &SecretProps, new: &SecretProps) -> &'static [&'static str] {
        if new.generate.is_some() && old.generate != new.generate {
            &["version_id"]
        } else {
            &[]
        }
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let mut out = Vec::new();
        let mut pages = cx.aws.secretsmanager().list_secrets().into_paginator().send();
        while let Some(page) = pages.next().await {
            // A secret another service owns (an RDS-managed password) is that service's to change.
            let page = page.api("ListSecrets")?;
            let own = page.secret_list().iter().filter(|s| s.owning_service().is_none() && s.deleted_date().is_none());
            out.extend(own.filter_map(|s| s.arn()).map(str::to_string));
        }
        Ok(out)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &SecretProps) -> Result<(), ResourceError> {
        let req = cx.aws.secretsmanager().delete_secret().secret_id(id);
        let req = if p.recovery_window_days == 0 {
            req.force_delete_without_recovery(true)
        } else {
            req.recovery_window_in_days(p.recovery_window_days)
        };
        req.send().await.found("DeleteSecret", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }
}
