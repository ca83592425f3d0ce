//! `kms.alias`: a friendly name (`alias/<project>-<env>-platform`) pointing at a key;
//! pointing it at another key is an update.

use async_trait::async_trait;

use crate::aws::SdkResultExt;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, Resource, ResourceError};

props! {
    pub struct AliasProps {
        /// Starts with `alias/`; `alias/aws/` is AWS's own.
        name: String => required, replace, check(Check::Name { what: "alias", min: 7, max: 256, chars: Chars::KmsAlias });
        /// The key's id or ARN.
        target_key_id: String => required;
    }
}

attrs! {
    pub struct AliasAttrs {
        name: String,
        arn: String,
        /// The key it points at, as its id.
        target_key_id: String,
    }
}

pub struct Alias;

#[async_trait]
impl Resource for Alias {
    type Props = AliasProps;
    type Attrs = AliasAttrs;
    const TYPE: &'static str = "kms.alias";
    const IDENTITY: Identity = Identity::Named("name");
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.key]
type = "kms.key"
description = "Platform"
deletion_window_days = 7

[resources.other]
type = "kms.key"
description = "Platform, next"
deletion_window_days = 7

[resources.example]
type = "kms.alias"
name = "alias/conformance-dev-platform"
target_key_id = "${resources.key.key_id}"
"#,
        updates: &["target_key_id = \"${resources.other.key_id}\""],
        replace: Some("name = \"alias/conformance-dev-platform-2\""),
        skip: &[],
    };

    fn early(&self, p: &AliasProps, at: &crate::Caller) -> Vec<(&'static str, String)> {
        vec![("name", p.name.clone()), ("arn", format!("arn:{}:kms:{}:{}:{}", at.partition, at.region, at.account_id, p.name))]
    }

    async fn create(&self, cx: &Ctx<'_>, p: &AliasProps) -> Result<Created<AliasAttrs>, ResourceError> {
        cx.aws.kms().create_alias().alias_name(&p.name).target_key_id(&p.target_key_id).send().await.api("CreateAlias")?;
        let live = self
            .read(cx, &p.name, p)
            .await?
            .ok_or_else(|| ResourceError::Invalid(format!("alias {} vanished after its creation", p.name)))?;
        Ok(Created::new(&p.name, live.attrs))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &AliasProps) -> Result<Option<Observed<AliasProps, AliasAttrs>>, ResourceError> {
        let kms = cx.aws.kms();
        let mut marker = None;
        loop {
            let page = kms.list_aliases().set_marker(marker.take()).limit(100).send().await.api("ListAliases")?;
            if let Some(a) = page.aliases().iter().find(|a| a.alias_name() == Some(id)) {
                let target = a.target_key_id().unwrap_or_default().to_string();
                // The manifest may name the key by ARN; AWS answers with its id.
                let target_key_id =
                    if p.target_key_id.ends_with(&format!("key/{target}")) { p.target_key_id.clone() } else { target.clone() };
                let props = AliasProps { name: id.to_string(), target_key_id };
                let attrs = AliasAttrs { name: id.to_string(), arn: a.alias_arn().unwrap_or_default().to_string(), target_key_id: target };
                return Ok(Some(Observed { props, attrs }));
            }
            match page.next_marker() {
                Some(m) if page.truncated() => marker = Some(m.to_string()),
                _ => return Ok(None),
            }
        }
    }

    /// The account's aliases; `alias/aws/...` are AWS's own.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let kms = cx.aws.kms();
        let mut out = Vec::new();
        let mut marker = None;
        loop {
            let page = kms.list_aliases().set_marker(marker.take()).limit(100).send().await.api("ListAliases")?;
            let own = page.aliases().iter().filter_map(|a| a.alias_name()).filter(|n| !n.starts_with("alias/aws/"));
            out.extend(own.map(str::to_string));
            match page.next_marker() {
                Some(m) if page.truncated() => marker = Some(m.to_string()),
                _ => return Ok(out),
            }
        }
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &AliasProps, new: &AliasProps) -> Result<Option<AliasAttrs>, ResourceError> {
        cx.aws.kms().update_alias().alias_name(id).target_key_id(&new.target_key_id).send().await.api("UpdateAlias")?;
        Ok(self.read(cx, id, new).await?.map(|o| o.attrs))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &AliasProps) -> Result<(), ResourceError> {
        cx.aws.kms().delete_alias().alias_name(id).send().await.found("DeleteAlias", |e| e.is_not_found_exception())?;
        Ok(())
    }
}
