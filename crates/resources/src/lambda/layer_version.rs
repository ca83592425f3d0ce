//! `lambda.layer_version`: code and libraries packaged once and shared by functions
//! (`layers = ["${resources.deps.arn}"]`). A published version never changes: new content
//! (the zipped `code_dir` differs), runtimes or description publish a new version: a
//! replace. With `create_before_destroy = true` the functions move to the new version
//! before the old one is deleted.

use async_trait::async_trait;
use aws_sdk_lambda::operation::get_layer_version::GetLayerVersionOutput;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, LayerVersionContentInput, Runtime};

use super::function::{code_sha256, zip_dir, INLINE_LIMIT};
use crate::aws::SdkResultExt;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Created, Ctx, Example, Identity, Observed, PrepareCx, Problem, Resource, ResourceError, Skip};

props! {
    pub struct LayerVersionProps {
        /// The layer's name; each publish adds a version under it.
        name: String => required, replace, check(Check::Name { what: "layer name", min: 1, max: 140, chars: Chars::AlnumDashUnderscore });
        /// Directory holding the layer's files, relative to the module file (Python
        /// libraries go under `python/`, Node.js modules under `nodejs/node_modules/`).
        code_dir: String => required, replace, local;
        description: Option<String> => optional, replace, check(Check::MaxLen(256));
        /// Runtimes the layer is meant for (`python3.12`); at most 15.
        compatible_runtimes: Vec<String> => default([]), replace;
        /// `x86_64` and/or `arm64`.
        compatible_architectures: Vec<String> => default([]), replace, check(Check::OneOf(&["x86_64", "arm64"]));
        license_info: Option<String> => optional, replace, check(Check::MaxLen(512));
        /// Base64 SHA-256 of the zipped `code_dir`, as Lambda reports it: new content is a new version.
        code_sha256: Option<String> => optional, computed, replace;
    }
}

attrs! {
    pub struct LayerVersionAttrs {
        /// The version's ARN (`...:layer:NAME:3`, also the id), what functions list in `layers`.
        arn: String,
        /// The layer's ARN, without the version.
        layer_arn: String,
        version: i64,
    }
}

pub struct LayerVersion;

/// The layer and version an id names: `arn:...:layer:NAME:VERSION`.
fn parts(id: &str) -> Option<(&str, i64)> {
    let (layer, version) = id.rsplit_once(':')?;
    let name = layer.rsplit_once(":layer:")?.1;
    Some((name, version.parse().ok()?))
}

async fn get(cx: &Ctx<'_>, name: &str, version: i64) -> Result<Option<GetLayerVersionOutput>, ResourceError> {
    let req = cx.aws.lambda().get_layer_version().layer_name(name).version_number(version);
    Ok(req.send().await.found("GetLayerVersion", |e| e.is_resource_not_found_exception())?)
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn attrs(out: &GetLayerVersionOutput, id: &str) -> LayerVersionAttrs {
    LayerVersionAttrs {
        arn: out.layer_version_arn().unwrap_or(id).to_string(),
        layer_arn: out.layer_arn().unwrap_or_default().to_string(),
        version: out.version(),
    }
}

#[async_trait]
impl Resource for LayerVersion {
    type Props = LayerVersionProps;
    type Attrs = LayerVersionAttrs;
    const TYPE: &'static str = "lambda.layer_version";
    // Versions are numbered by Lambda and a name holds many: `find` matches the content.
    const IDENTITY: Identity = Identity::Assigned;
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.example]
type = "lambda.layer_version"
name = "conformance-layer"
code_dir = "code/placeholder"
compatible_runtimes = ["python3.12", "python3.13"]
compatible_architectures = ["x86_64"]
description = "Shared helpers"
"#,
        updates: &[],
        replace: Some("description = \"Shared helpers, republished\""),
        skip: &[
            (Skip::Update, "a published layer version never changes: every property publishes a new version"),
            (Skip::Drift, "nothing of a layer version can be changed outside infra either"),
        ],
    };

    fn check(&self, p: &LayerVersionProps) -> Vec<Problem> {
        let mut out = Vec::new();
        if p.compatible_runtimes.len() > 15 {
            out.push(("compatible_runtimes".into(), format!("{} runtimes; a layer names at most 15", p.compatible_runtimes.len())));
        }
        if let Some(r) = p.compatible_runtimes.iter().find(|r| !Runtime::values().contains(&r.as_str())) {
            out.push(("compatible_runtimes".into(), format!("`{r}` is not a Lambda runtime (`python3.12`, `nodejs22.x`, ...)")));
        }
        out
    }

    fn prepare(&self, p: &mut LayerVersionProps, cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        let zip = zip_dir(&cx.dir.join(&p.code_dir))?;
        // Refused while planning, before anything in the run has changed.
        if zip.len() > INLINE_LIMIT {
            return Err(ResourceError::Invalid(format!(
                "the layer zipped from `{}` is {:.1} MB; Lambda takes at most 50 MB inline",
                p.code_dir,
                zip.len() as f64 / (1024.0 * 1024.0)
            )));
        }
        p.code_sha256 = Some(code_sha256(&zip));
        // Lambda answers with the lists in its own order.
        p.compatible_runtimes.sort();
        p.compatible_architectures.sort();
        Ok(())
    }

    /// The newest version of the layer with this content and settings: what an
    /// interrupted publish left behind.
    async fn find(&self, cx: &Ctx<'_>, p: &LayerVersionProps) -> Result<Option<String>, ResourceError> {
        let lambda = cx.aws.lambda();
        let mut versions = Vec::new();
        let mut pages = lambda.list_layer_versions().layer_name(&p.name).into_paginator().send();
        while let Some(page) = pages.next().await {
            let Some(page) = page.found("ListLayerVersions", |e| e.is_resource_not_found_exception())? else { return Ok(None) };
            versions.extend(page.layer_versions().iter().map(|v| v.version()));
        }
        versions.sort_unstable_by(|a, b| b.cmp(a));
        for version in versions {
            let Some(out) = get(cx, &p.name, version).await? else { continue };
            let id = out.layer_version_arn().unwrap_or_default().to_string();
            if let Some(live) = self.read(cx, &id, p).await? {
                if live.props == *p {
                    return Ok(Some(id));
                }
            }
        }
        Ok(None)
    }

    async fn create(&self, cx: &Ctx<'_>, p: &LayerVersionProps) -> Result<Created<LayerVersionAttrs>, ResourceError> {
        let zip = zip_dir(&cx.dir.join(&p.code_dir))?;
        let content = LayerVersionContentInput::builder().zip_file(Blob::new(zip.to_vec())).build();
        let out = cx
            .aws
            .lambda()
            .publish_layer_version()
            .layer_name(&p.name)
            .content(content)
            .set_description(p.description.clone())
            .set_license_info(p.license_info.clone())
            .set_compatible_runtimes(Some(p.compatible_runtimes.iter().map(|r| Runtime::from(r.as_str())).collect()))
            .set_compatible_architectures(Some(p.compatible_architectures.iter().map(|a| Architecture::from(a.as_str())).collect()))
            .send()
            .await
            .api("PublishLayerVersion")?;
        let arn = out.layer_version_arn().unwrap_or_default().to_string();
        let attrs =
            LayerVersionAttrs { arn: arn.clone(), layer_arn: out.layer_arn().unwrap_or_default().to_string(), version: out.version() };
        Ok(Created::new(&arn, attrs))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &LayerVersionProps,
    ) -> Result<Option<Observed<LayerVersionProps, LayerVersionAttrs>>, ResourceError> {
        let Some((name, version)) = parts(id) else {
            return Err(ResourceError::Invalid(format!(
                "`{id}` is not a layer version ARN (`arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION`)"
            )));
        };
        let Some(out) = get(cx, name, version).await? else { return Ok(None) };
        let props = LayerVersionProps {
            name: name.to_string(),
            // The files are not read back; their hash stands for them.
            code_dir: p.code_dir.clone(),
            description: out.description().filter(|d| !d.is_empty()).map(str::to_string),
            compatible_runtimes: sorted(out.compatible_runtimes().iter().map(|r| r.as_str().to_string()).collect()),
            compatible_architectures: sorted(out.compatible_architectures().iter().map(|a| a.as_str().to_string()).collect()),
            license_info: out.license_info().filter(|l| !l.is_empty()).map(str::to_string),
            code_sha256: out.content().and_then(|c| c.code_sha256()).map(str::to_string),
        };
        Ok(Some(Observed { props, attrs: attrs(&out, id) }))
    }

    async fn update(
        &self,
        _cx: &Ctx<'_>,
        id: &str,
        _old: &LayerVersionProps,
        _new: &LayerVersionProps,
    ) -> Result<Option<LayerVersionAttrs>, ResourceError> {
        // Every property is `replace`, so a plan never updates one in place.
        Err(ResourceError::Invalid(format!("layer version {id}: a published version cannot be changed, only replaced")))
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, _p: &LayerVersionProps) -> Result<(), ResourceError> {
        let Some((name, version)) = parts(id) else { return Ok(()) };
        let req = cx.aws.lambda().delete_layer_version().layer_name(name).version_number(version);
        req.send().await.found("DeleteLayerVersion", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }

    /// Every version of every layer, by version ARN.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let lambda = cx.aws.lambda();
        let mut layers = Vec::new();
        let mut pages = lambda.list_layers().into_paginator().send();
        while let Some(page) = pages.next().await {
            layers.extend(page.api("ListLayers")?.layers().iter().filter_map(|l| l.layer_name().map(str::to_string)));
        }
        let mut out = Vec::new();
        for layer in layers {
            let mut pages = lambda.list_layer_versions().layer_name(&layer).into_paginator().send();
            while let Some(page) = pages.next().await {
                out.extend(
                    page.api("ListLayerVersions")?.layer_versions().iter().filter_map(|v| v.layer_version_arn().map(str::to_string)),
                );
            }
        }
        Ok(out)
    }
}
