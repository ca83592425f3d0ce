//! `secretsmanager.secret`: a secret whose value (generated `{"username","password"}`
//! credentials) is written only to AWS. State keeps the generation settings, never
//! the value; the generated password is registered for masking in all output.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_secretsmanager::types::Tag;
use rand::distr::{Alphanumeric, SampleString};

use crate::aws::SdkResultExt;
use crate::schema::check::rules;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props, secrets};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    /// Credentials generated at creation.
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
        recovery_window_days: i64 => default(30), check(Check::Range { min: 0, max: 30 });
        /// Generate credentials; changing this creates a new secret.
        generate: Option<Generate> => optional, replace;
        /// KMS key (ARN, id or alias) encrypting the value; AWS's own key when absent.
        kms_key_id: Option<String> => optional, replace;
        /// When the name is still held by a deleted secret in its recovery window:
        /// `fail` (say so), `restore` (bring it back, with new generated credentials) or
        /// `force_delete` (delete it for good, then create a new one).
        if_scheduled_for_deletion: String => default("fail"), check(Check::OneOf(&["fail", "restore", "force_delete"]));
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct SecretAttrs {
        /// The ARN (also the id); its random suffix changes when the secret is re-created.
        arn: String,
        name: String,
    }
}

pub struct Secret;

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
    let out = cx
        .aws
        .secretsmanager()
        .describe_secret()
        .secret_id(name)
        .send()
        .await
        .found("DescribeSecret", |e| e.is_resource_not_found_exception())?;
    Ok(out.and_then(|o| o.deleted_date().map(|d| d.to_string())))
}

fn created(arn: &str, name: &str) -> Created<SecretAttrs> {
    Created::new(arn, SecretAttrs { arn: arn.to_string(), name: name.to_string() })
}

#[async_trait]
impl Resource for Secret {
    type Props = SecretProps;
    type Attrs = SecretAttrs;
    const TYPE: &'static str = "secretsmanager.secret";
    const IDENTITY: Identity = Identity::Unique(&["name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "secretsmanager.secret"
name = "conformance/credentials"
description = "Generated credentials"
recovery_window_days = 0
generate = { username = "admin", password_length = 24 }
"#,
        updates: &["description = \"Generated credentials, changed\""],
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
        let out = cx
            .aws
            .secretsmanager()
            .describe_secret()
            .secret_id(&p.name)
            .send()
            .await
            .found("DescribeSecret", |e| e.is_resource_not_found_exception())?;
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
                    return Ok(created(out.arn().unwrap_or_default(), out.name().unwrap_or(&p.name)));
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
                    if let Some(v) = &value {
                        sm.put_secret_value().secret_id(&arn).secret_string(v).send().await.api("PutSecretValue")?;
                        secrets::remember_written(&arn, v);
                    }
                    sm.tag_resource().secret_id(&arn).set_tags(Some(tags.clone())).send().await.api("TagResource")?;
                    Ok(created(&arn, &p.name))
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
        let out = cx
            .aws
            .secretsmanager()
            .describe_secret()
            .secret_id(id)
            .send()
            .await
            .found("DescribeSecret", |e| e.is_resource_not_found_exception())?;
        // A secret scheduled for deletion is as good as gone.
        let Some(out) = out.filter(|o| o.deleted_date().is_none()) else { return Ok(None) };
        let name = out.name().unwrap_or(&p.name).to_string();
        let props = SecretProps {
            name: name.clone(),
            description: out.description().map(str::to_string).filter(|d| !d.is_empty()),
            kms_key_id: out.kms_key_id().map(str::to_string).or_else(|| p.kms_key_id.clone()),
            tags: tags::live(out.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)))),
            ..p.clone()
        };
        Ok(Some(Observed { props, attrs: SecretAttrs { arn: out.arn().unwrap_or(id).to_string(), name } }))
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
        if old.description != new.description {
            sm.update_secret().secret_id(id).description(new.description.clone().unwrap_or_default()).send().await.api("UpdateSecret")?;
        }
        Ok(None)
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
