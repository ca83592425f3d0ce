//! `secretsmanager.secret`: a secret whose value (generated `{"username","password"}`
//! credentials) is written only to AWS. State keeps the generation settings, never
//! the value; the generated password is registered for masking in all output.

use async_trait::async_trait;
use aws_sdk_secretsmanager::types::Tag;
use rand::distr::{Alphanumeric, SampleString};

use super::{attr, Attr, Ctx, Observed, Outcome, Resource, ResourceError};
use crate::aws::SdkResultExt;
use crate::{props, secrets};

props! {
    /// Credentials generated at creation.
    pub struct Generate {
        username: String => required;
        password_length: i64 => default(32);
    }
}

props! {
    pub struct SecretProps {
        name: String => required, replace;
        description: Option<String> => optional;
        /// Days a deleted secret stays recoverable; 0 deletes it at once (and frees the name).
        recovery_window_days: i64 => default(30);
        /// Generate credentials; changing this creates a new secret.
        generate: Option<Generate> => optional, replace;
        kms_key_id: Option<String> => optional, replace;
    }
}

pub struct Secret;

fn outcome(arn: &str, name: &str) -> Outcome {
    Outcome::new(arn).with("arn", arn).with("name", name)
}

#[async_trait]
impl Resource for Secret {
    type Props = SecretProps;
    const TYPE: &'static str = "secretsmanager.secret";
    const ATTRIBUTES: &'static [Attr] = &[attr("id"), attr("arn"), attr("name")];

    async fn create(&self, cx: &Ctx<'_>, p: &SecretProps) -> Result<Outcome, ResourceError> {
        if p.recovery_window_days != 0 && !(7..=30).contains(&p.recovery_window_days) {
            return Err(ResourceError::Invalid(format!(
                "recovery_window_days must be 0 or 7 to 30, not {}",
                p.recovery_window_days
            )));
        }
        let tags = cx.tags().into_iter().map(|(k, v)| Tag::builder().key(k).value(v).build()).collect();
        let mut req = cx
            .aws
            .secretsmanager()
            .create_secret()
            .name(&p.name)
            .set_description(p.description.clone())
            .set_kms_key_id(p.kms_key_id.clone())
            .set_tags(Some(tags));
        if let Some(g) = &p.generate {
            if !(8..=4096).contains(&g.password_length) {
                return Err(ResourceError::Invalid(format!("password_length must be 8 to 4096, not {}", g.password_length)));
            }
            // Alphanumeric only: RDS rejects `/`, `@`, `"` and spaces in master passwords.
            let password = Alphanumeric.sample_string(&mut rand::rng(), g.password_length as usize);
            secrets::register(&password);
            let value = serde_json::json!({ "username": g.username, "password": password });
            req = req.secret_string(value.to_string());
        }
        let out = req.send().await.api("CreateSecret")?;
        let arn = out.arn().unwrap_or_default();
        Ok(outcome(arn, out.name().unwrap_or(&p.name)))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &SecretProps) -> Result<Option<Observed<SecretProps>>, ResourceError> {
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
            ..p.clone()
        };
        Ok(Some(Observed { props, attrs: outcome(out.arn().unwrap_or(id), &name).attrs }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, old: &SecretProps, new: &SecretProps) -> Result<Outcome, ResourceError> {
        if old.description != new.description {
            cx.aws
                .secretsmanager()
                .update_secret()
                .secret_id(id)
                .description(new.description.clone().unwrap_or_default())
                .send()
                .await
                .api("UpdateSecret")?;
        }
        Ok(outcome(id, &new.name))
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
