//! `iam.openid_connect_provider`: lets an outside identity provider's tokens assume roles,
//! so CI (GitHub Actions, GitLab) deploys without long-lived keys: a role's trust policy
//! names the provider's ARN as a `Federated` principal. Client ids, thumbprints and tags
//! change in place; the URL is the provider's identity and replaces it.

use async_trait::async_trait;
use aws_sdk_iam::types::Tag;

use crate::aws::SdkResultExt;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::tags::{self, Tags};
use crate::{attrs, props};
use crate::{Caller, Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct OpenIdConnectProviderProps {
        /// The issuer, `https://` and a host with an optional path (`https://token.actions.githubusercontent.com`).
        url: String => required, replace, check(Check::Name { what: "url", min: 1, max: 255, chars: Chars::Any });
        /// The audiences tokens must carry (`sts.amazonaws.com` for GitHub Actions).
        client_ids: Vec<String> => default([]);
        /// SHA-1 fingerprints (40 hex digits) of the issuer's certificate chain, at most five.
        /// Empty lets IAM fetch and keep its own, which infra then leaves alone.
        thumbprints: Vec<String> => default([]);
        /// Tags, merged with the module's and environment's (docs/manifests.md#tags).
        tags: Tags => default({});
    }
}

attrs! {
    pub struct OpenIdConnectProviderAttrs {
        /// What a role's trust policy names as its `Federated` principal.
        arn: String,
    }
}

pub struct OpenIdConnectProvider;

/// The provider's ARN ends with its URL without the scheme.
fn arn(partition: &str, account: &str, url: &str) -> String {
    let host = url.strip_prefix("https://").unwrap_or(url);
    format!("arn:{partition}:iam::{account}:oidc-provider/{}", host.trim_end_matches('/'))
}

fn sdk_tags(tags: &Tags) -> Result<Vec<Tag>, ResourceError> {
    tags.iter().map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(ResourceError::from)).collect()
}

fn same_set(a: &[String], b: &[String]) -> bool {
    let mut a: Vec<&String> = a.iter().collect();
    let mut b: Vec<&String> = b.iter().collect();
    a.sort();
    b.sort();
    a == b
}

/// Lists IAM keeps as sets: the live one in the manifest's order when they hold the same values.
fn as_set(live: &[String], wanted: &[String]) -> Vec<String> {
    if same_set(live, wanted) {
        wanted.to_vec()
    } else {
        live.to_vec()
    }
}

#[async_trait]
impl Resource for OpenIdConnectProvider {
    type Props = OpenIdConnectProviderProps;
    type Attrs = OpenIdConnectProviderAttrs;
    const TYPE: &'static str = "iam.openid_connect_provider";
    const IDENTITY: Identity = Identity::Unique(&["url"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "iam.openid_connect_provider"
url = "https://token.actions.githubusercontent.com"
client_ids = ["sts.amazonaws.com"]
thumbprints = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
"#,
        updates: &["thumbprints = [\"6938fd4d98bab03faadb97b34396831e3780aea1\", \"1c58a3a8518e8759bf075b76b750d4f2df264fcd\"]"],
        replace: Some("url = \"https://gitlab.com\""),
        skip: &[],
    };

    fn check(&self, p: &OpenIdConnectProviderProps) -> Vec<Problem> {
        let mut problems = Vec::new();
        let host = p.url.strip_prefix("https://").unwrap_or_default();
        if host.is_empty() || host.contains(['?', '#']) {
            problems.push(("url".into(), format!("url `{}` must be `https://` and a host, with an optional path and no query", p.url)));
        }
        if p.thumbprints.len() > 5 {
            problems.push(("thumbprints".into(), format!("at most 5 thumbprints, not {}", p.thumbprints.len())));
        }
        if let Some(t) = p.thumbprints.iter().find(|t| t.len() != 40 || !t.chars().all(|c| c.is_ascii_hexdigit())) {
            problems.push(("thumbprints".into(), format!("thumbprint `{t}` must be 40 hex digits (a SHA-1 fingerprint)")));
        }
        if let Some(c) = p.client_ids.iter().find(|c| !(1..=255).contains(&c.chars().count())) {
            problems.push(("client_ids".into(), format!("client id `{c}` must be 1 to 255 characters")));
        }
        problems
    }

    fn early(&self, p: &OpenIdConnectProviderProps, at: &Caller) -> Vec<(&'static str, String)> {
        let arn = arn(&at.partition, &at.account_id, &p.url);
        vec![("id", arn.clone()), ("arn", arn)]
    }

    async fn find(&self, cx: &Ctx<'_>, p: &OpenIdConnectProviderProps) -> Result<Option<String>, ResourceError> {
        let caller = cx.aws.identity().await?;
        let arn = arn(&caller.partition, &caller.account_id, &p.url);
        let req = cx.aws.iam().get_open_id_connect_provider().open_id_connect_provider_arn(&arn);
        let out = req.send().await.found("GetOpenIDConnectProvider", |e| e.is_no_such_entity_exception())?;
        Ok(out.map(|_| arn))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &OpenIdConnectProviderProps) -> Result<Created<OpenIdConnectProviderAttrs>, ResourceError> {
        let out = cx
            .aws
            .iam()
            .create_open_id_connect_provider()
            .url(&p.url)
            .set_client_id_list(Some(p.client_ids.clone()))
            .set_thumbprint_list((!p.thumbprints.is_empty()).then(|| p.thumbprints.clone()))
            .set_tags(Some(sdk_tags(&p.tags)?))
            .send()
            .await
            .api("CreateOpenIDConnectProvider")?;
        let arn = out.open_id_connect_provider_arn().unwrap_or_default().to_string();
        Ok(Created::new(&arn, OpenIdConnectProviderAttrs { arn: arn.clone() }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &OpenIdConnectProviderProps,
    ) -> Result<Option<Observed<OpenIdConnectProviderProps, OpenIdConnectProviderAttrs>>, ResourceError> {
        let iam = cx.aws.iam();
        let got = iam.get_open_id_connect_provider().open_id_connect_provider_arn(id).send().await;
        let Some(got) = got.found("GetOpenIDConnectProvider", |e| e.is_no_such_entity_exception())? else { return Ok(None) };
        let tag_list = iam.list_open_id_connect_provider_tags().open_id_connect_provider_arn(id).send().await;
        let tag_list = tag_list.api("ListOpenIDConnectProviderTags")?;
        // IAM answers the URL without its scheme, which is always https.
        let url = got.url().map_or_else(|| p.url.clone(), |u| format!("https://{}", u.trim_start_matches("https://")));
        let thumbprints = if p.thumbprints.is_empty() { Vec::new() } else { as_set(got.thumbprint_list(), &p.thumbprints) };
        let props = OpenIdConnectProviderProps {
            url,
            client_ids: as_set(got.client_id_list(), &p.client_ids),
            thumbprints,
            tags: tags::live(tag_list.tags().iter().map(|t| (t.key(), t.value()))),
        };
        Ok(Some(Observed { props, attrs: OpenIdConnectProviderAttrs { arn: id.to_string() } }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        old: &OpenIdConnectProviderProps,
        new: &OpenIdConnectProviderProps,
    ) -> Result<Option<OpenIdConnectProviderAttrs>, ResourceError> {
        let iam = cx.aws.iam();
        for added in new.client_ids.iter().filter(|c| !old.client_ids.contains(c)) {
            let req = iam.add_client_id_to_open_id_connect_provider().open_id_connect_provider_arn(id).client_id(added);
            req.send().await.api("AddClientIDToOpenIDConnectProvider")?;
        }
        for removed in old.client_ids.iter().filter(|c| !new.client_ids.contains(c)) {
            let req = iam.remove_client_id_from_open_id_connect_provider().open_id_connect_provider_arn(id).client_id(removed);
            req.send().await.api("RemoveClientIDFromOpenIDConnectProvider")?;
        }
        // Emptied thumbprints are IAM's to choose again; there is no call to hand them back.
        if !new.thumbprints.is_empty() && !same_set(&old.thumbprints, &new.thumbprints) {
            let req = iam.update_open_id_connect_provider_thumbprint().open_id_connect_provider_arn(id);
            req.set_thumbprint_list(Some(new.thumbprints.clone())).send().await.api("UpdateOpenIDConnectProviderThumbprint")?;
        }
        let (set, remove) = tags::changes(&old.tags, &new.tags);
        if !set.is_empty() {
            let req = iam.tag_open_id_connect_provider().open_id_connect_provider_arn(id);
            req.set_tags(Some(sdk_tags(&set)?)).send().await.api("TagOpenIDConnectProvider")?;
        }
        if !remove.is_empty() {
            let req = iam.untag_open_id_connect_provider().open_id_connect_provider_arn(id);
            req.set_tag_keys(Some(remove)).send().await.api("UntagOpenIDConnectProvider")?;
        }
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &OpenIdConnectProviderProps) -> Result<(), ResourceError> {
        let req = cx.aws.iam().delete_open_id_connect_provider().open_id_connect_provider_arn(id);
        req.send().await.found("DeleteOpenIDConnectProvider", |e| e.is_no_such_entity_exception())?;
        Ok(())
    }

    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let out = cx.aws.iam().list_open_id_connect_providers().send().await.api("ListOpenIDConnectProviders")?;
        Ok(out.open_id_connect_provider_list().iter().filter_map(|p| p.arn().map(str::to_string)).collect())
    }
}
