//! `lambda.alias`: a stable name for one of a function's versions (`live` -> version 7),
//! what callers and event sources name so a release is a change of the alias. The
//! version, the traffic shifted to a second version and the description change in place.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use aws_sdk_lambda::operation::get_alias::GetAliasOutput;
use aws_sdk_lambda::types::AliasRoutingConfiguration;

use crate::aws::SdkResultExt;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, Problem, Resource, ResourceError};

props! {
    pub struct AliasProps {
        /// Function name or ARN.
        function_name: String => required, replace;
        /// The alias's name (`live`); not only digits, which name versions.
        name: String => required, replace;
        /// The version it points at (`"7"`, or `"$LATEST"`).
        function_version: String => required;
        description: Option<String> => optional, check(Check::MaxLen(256));
        /// Weighted routing: a second version and the share of calls (0.0 to 1.0) it gets.
        additional_version_weights: BTreeMap<String, f64> => default({});
    }
}

attrs! {
    pub struct AliasAttrs {
        /// The alias's ARN (also the id), what callers invoke.
        arn: String,
        name: String,
    }
}

pub struct Alias;

fn routing(p: &AliasProps) -> AliasRoutingConfiguration {
    let weights: HashMap<String, f64> = p.additional_version_weights.iter().map(|(k, v)| (k.clone(), *v)).collect();
    AliasRoutingConfiguration::builder().set_additional_version_weights(Some(weights)).build()
}

/// The function and alias an id names: the alias ARN, `...:function:NAME:ALIAS`.
fn parts<'a>(id: &'a str, p: &'a AliasProps) -> (&'a str, &'a str) {
    let mut it = id.rsplitn(3, ':');
    match (it.next(), it.next(), id.contains(":function:")) {
        (Some(alias), Some(function), true) => (function, alias),
        _ => (p.function_name.as_str(), p.name.as_str()),
    }
}

async fn get(cx: &Ctx<'_>, function: &str, name: &str) -> Result<Option<GetAliasOutput>, ResourceError> {
    let req = cx.aws.lambda().get_alias().function_name(function).name(name);
    Ok(req.send().await.found("GetAlias", |e| e.is_resource_not_found_exception())?)
}

#[async_trait]
impl Resource for Alias {
    type Props = AliasProps;
    type Attrs = AliasAttrs;
    const TYPE: &'static str = "lambda.alias";
    const IDENTITY: Identity = Identity::Unique(&["function_name", "name"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-alias-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.function]
type = "lambda.function"
name = "conformance-alias-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.example]
type = "lambda.alias"
function_name = "${resources.function.name}"
name = "live"
function_version = "$LATEST"
description = "What callers invoke"
"#,
        updates: &["description = \"What callers invoke, changed\""],
        replace: Some("name = \"current\""),
        skip: &[],
    };

    fn check(&self, p: &AliasProps) -> Vec<Problem> {
        // Rules of whole values (no digits-only name), so checked here rather than per character.
        let mut out = Vec::new();
        const NAME: Check = Check::Name { what: "alias name", min: 1, max: 128, chars: Chars::AlnumDashUnderscore };
        if let Err(e) = NAME.run(&p.name.clone().into()) {
            out.push(("name".into(), e));
        } else if p.name.chars().all(|c| c.is_ascii_digit()) {
            out.push(("name".into(), format!("alias name `{}` is only digits, which name versions", p.name)));
        }
        let v = &p.function_version;
        if !(v == "$LATEST" || v == "$LATEST.PUBLISHED" || (!v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))) {
            out.push(("function_version".into(), format!("`{v}` is not a version: `$LATEST` or a number (`\"7\"`)")));
        }
        if let Some((v, w)) = p.additional_version_weights.iter().find(|(_, w)| !(0.0..=1.0).contains(*w)) {
            out.push(("additional_version_weights".into(), format!("version {v}'s weight {w} must be 0.0 to 1.0")));
        }
        out
    }

    async fn find(&self, cx: &Ctx<'_>, p: &AliasProps) -> Result<Option<String>, ResourceError> {
        Ok(get(cx, &p.function_name, &p.name).await?.and_then(|o| o.alias_arn))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &AliasProps) -> Result<Created<AliasAttrs>, ResourceError> {
        // A function still applying a change (its creation, an update) answers ResourceConflict.
        let out = cx
            .retry_eventual("the function to be ready", crate::PROPAGATION_RETRY, || async {
                let sent = cx
                    .aws
                    .lambda()
                    .create_alias()
                    .function_name(&p.function_name)
                    .name(&p.name)
                    .function_version(&p.function_version)
                    .set_description(p.description.clone())
                    .set_routing_config((!p.additional_version_weights.is_empty()).then(|| routing(p)))
                    .send()
                    .await;
                match sent {
                    Ok(out) => Ok(out),
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => {
                        Err(Attempt::retry("CreateAlias", e))
                    }
                    Err(e) => Err(Attempt::fail("CreateAlias", e)),
                }
            })
            .await?;
        let arn = out.alias_arn().unwrap_or_default().to_string();
        Ok(Created::new(&arn, AliasAttrs { arn: arn.clone(), name: p.name.clone() }))
    }

    async fn read(&self, cx: &Ctx<'_>, id: &str, p: &AliasProps) -> Result<Option<Observed<AliasProps, AliasAttrs>>, ResourceError> {
        let (function, name) = parts(id, p);
        let Some(out) = get(cx, function, name).await? else { return Ok(None) };
        let weights = out.routing_config().and_then(|r| r.additional_version_weights()).cloned().unwrap_or_default();
        let props = AliasProps {
            // As the manifest names the function (name or ARN), when it is this one.
            function_name: if p.function_name.is_empty() || p.function_name == id { function.to_string() } else { p.function_name.clone() },
            name: out.name().unwrap_or(name).to_string(),
            function_version: out.function_version().unwrap_or_default().to_string(),
            description: out.description().filter(|d| !d.is_empty()).map(str::to_string),
            additional_version_weights: weights.into_iter().collect(),
        };
        let arn = out.alias_arn().unwrap_or(id).to_string();
        Ok(Some(Observed { props, attrs: AliasAttrs { arn, name: name.to_string() } }))
    }

    async fn update(&self, cx: &Ctx<'_>, id: &str, _old: &AliasProps, new: &AliasProps) -> Result<Option<AliasAttrs>, ResourceError> {
        let (function, name) = parts(id, new);
        cx.aws
            .lambda()
            .update_alias()
            .function_name(function)
            .name(name)
            .function_version(&new.function_version)
            .description(new.description.clone().unwrap_or_default())
            .routing_config(routing(new))
            .send()
            .await
            .api("UpdateAlias")?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &AliasProps) -> Result<(), ResourceError> {
        let (function, name) = parts(id, p);
        let req = cx.aws.lambda().delete_alias().function_name(function).name(name);
        req.send().await.found("DeleteAlias", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }

    /// Every alias of every function, by ARN.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let lambda = cx.aws.lambda();
        let functions: Vec<String> = super::functions(cx).await?.iter().filter_map(|f| f.function_name().map(str::to_string)).collect();
        let mut out = Vec::new();
        for function in functions {
            let mut pages = lambda.list_aliases().function_name(&function).into_paginator().send();
            while let Some(page) = pages.next().await {
                out.extend(page.api("ListAliases")?.aliases().iter().filter_map(|a| a.alias_arn().map(str::to_string)));
            }
        }
        Ok(out)
    }
}
