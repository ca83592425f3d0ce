//! `lambda.function_url`: a function's own HTTPS endpoint (`https://ID.lambda-url.REGION.on.aws`),
//! without an API in front. Who may call it (`auth_type`), its CORS settings and how it
//! answers (`invoke_mode`) change in place; the function and qualifier it serves do not.

use async_trait::async_trait;
use aws_sdk_lambda::operation::get_function_url_config::GetFunctionUrlConfigOutput;
use aws_sdk_lambda::types::{Cors as SdkCors, FunctionUrlAuthType, InvokeMode};

use crate::aws::SdkResultExt;
use crate::schema::check::Chars;
use crate::schema::Check;
use crate::{attrs, props};
use crate::{Attempt, Created, Ctx, Example, Identity, Observed, PrepareCx, Problem, Resource, ResourceError};

props! {
    /// Which browsers' origins may call the URL, and how.
    pub struct Cors {
        allow_origins: Vec<String> => default([]);
        /// `GET`, `PUT`, `HEAD`, `POST`, `PATCH`, `DELETE` or `*`.
        allow_methods: Vec<String> => default([]);
        allow_headers: Vec<String> => default([]);
        expose_headers: Vec<String> => default([]);
        allow_credentials: bool => default(false);
        max_age: Option<i64> => optional, check(Check::Range { min: 0, max: 86400 });
    }
}

props! {
    pub struct FunctionUrlProps {
        /// Function name or ARN.
        function_name: String => required, replace;
        /// An alias of the function (`live`), when the URL serves it rather than `$LATEST`.
        qualifier: Option<String> => optional, replace;
        /// `AWS_IAM` (callers sign with SigV4) or `NONE` (public; still needs a
        /// `lambda.permission` for `lambda:InvokeFunctionUrl` with principal `*`).
        auth_type: String => required, check(Check::OneOf(&["AWS_IAM", "NONE"]));
        /// `BUFFERED` (the whole response at once) or `RESPONSE_STREAM`.
        invoke_mode: String => default("BUFFERED"), check(Check::OneOf(&["BUFFERED", "RESPONSE_STREAM"]));
        cors: Option<Cors> => optional;
    }
}

attrs! {
    pub struct FunctionUrlAttrs {
        /// The endpoint, `https://ID.lambda-url.REGION.on.aws/`.
        url: String,
        /// The function's ARN (with the qualifier, if any); also the id.
        function_arn: String,
    }
}

pub struct FunctionUrl;

const METHODS: &[&str] = &["GET", "PUT", "HEAD", "POST", "PATCH", "DELETE", "*"];

impl Cors {
    /// `cors = {}` says nothing: the same as no CORS settings.
    fn is_empty(&self) -> bool {
        let lists = [&self.allow_origins, &self.allow_methods, &self.allow_headers, &self.expose_headers];
        lists.iter().all(|l| l.is_empty()) && !self.allow_credentials && self.max_age.is_none()
    }
}

fn sdk_cors(c: Option<&Cors>) -> SdkCors {
    let Some(c) = c else { return SdkCors::builder().build() };
    let list = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    SdkCors::builder()
        .set_allow_origins(list(&c.allow_origins))
        .set_allow_methods(list(&c.allow_methods))
        .set_allow_headers(list(&c.allow_headers))
        .set_expose_headers(list(&c.expose_headers))
        .allow_credentials(c.allow_credentials)
        .set_max_age(c.max_age.map(|m| m as i32))
        .build()
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// The function and qualifier an id names: `arn:...:function:NAME[:QUALIFIER]`.
fn parts(id: &str, p: &FunctionUrlProps) -> (String, Option<String>) {
    let fields: Vec<&str> = id.split(':').collect();
    match fields.as_slice() {
        [_, _, _, _, _, "function", _] => (id.to_string(), None),
        [head @ .., "function", name, qualifier] if head.len() == 5 => {
            (format!("{}:function:{name}", head.join(":")), Some(qualifier.to_string()))
        }
        _ => (p.function_name.clone(), p.qualifier.clone()),
    }
}

async fn get(cx: &Ctx<'_>, function: &str, qualifier: Option<&str>) -> Result<Option<GetFunctionUrlConfigOutput>, ResourceError> {
    let req = cx.aws.lambda().get_function_url_config().function_name(function).set_qualifier(qualifier.map(str::to_string));
    Ok(req.send().await.found("GetFunctionUrlConfig", |e| e.is_resource_not_found_exception())?)
}

#[async_trait]
impl Resource for FunctionUrl {
    type Props = FunctionUrlProps;
    type Attrs = FunctionUrlAttrs;
    const TYPE: &'static str = "lambda.function_url";
    const IDENTITY: Identity = Identity::Unique(&["function_name", "qualifier"]);
    const EXAMPLE: Example = Example {
        manifest: r#"
[resources.role]
type = "iam.role"
name = "conformance-url-role"
assume_role_policy = { Version = "2012-10-17", Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }] }

[resources.function]
type = "lambda.function"
name = "conformance-url-function"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.other]
type = "lambda.function"
name = "conformance-url-function-2"
role = "${resources.role.arn}"
handler = "lambda_handler.lambda_handler"
code_dir = "code/placeholder"

[resources.example]
type = "lambda.function_url"
function_name = "${resources.function.name}"
auth_type = "AWS_IAM"
cors = { allow_origins = ["https://app.example.com"], allow_methods = ["GET", "POST"], max_age = 300 }
"#,
        // The emulator keeps the invoke mode it was created with, so only AWS shows that update.
        updates: &["auth_type = \"NONE\"", "cors = { allow_origins = [\"*\"], allow_methods = [\"GET\"] }"],
        replace: Some("function_name = \"${resources.other.name}\""),
        skip: &[],
    };

    fn check(&self, p: &FunctionUrlProps) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Some(q) = &p.qualifier {
            // Rules of the whole value (no digits-only name), so checked here rather than per character.
            const NAME: Check = Check::Name { what: "alias name", min: 1, max: 128, chars: Chars::AlnumDashUnderscore };
            if let Err(e) = NAME.run(&q.clone().into()) {
                out.push(("qualifier".into(), e));
            } else if q.chars().all(|c| c.is_ascii_digit()) {
                out.push(("qualifier".into(), format!("`{q}` is not an alias name: a URL serves an alias or `$LATEST`, not a version")));
            }
        }
        if let Some(m) = p.cors.iter().flat_map(|c| &c.allow_methods).find(|m| !METHODS.contains(&m.as_str())) {
            out.push(("cors.allow_methods".into(), format!("`{m}` is not one of {}", METHODS.join(", "))));
        }
        out
    }

    fn prepare(&self, p: &mut FunctionUrlProps, _cx: &PrepareCx<'_>) -> Result<(), ResourceError> {
        if p.cors.as_ref().is_some_and(|c| c.is_empty()) {
            p.cors = None;
        }
        // Lambda answers with the lists in its own order.
        if let Some(c) = &mut p.cors {
            for list in [&mut c.allow_origins, &mut c.allow_methods, &mut c.allow_headers, &mut c.expose_headers] {
                list.sort();
            }
        }
        Ok(())
    }

    async fn find(&self, cx: &Ctx<'_>, p: &FunctionUrlProps) -> Result<Option<String>, ResourceError> {
        Ok(get(cx, &p.function_name, p.qualifier.as_deref()).await?.map(|o| o.function_arn().to_string()))
    }

    async fn create(&self, cx: &Ctx<'_>, p: &FunctionUrlProps) -> Result<Created<FunctionUrlAttrs>, ResourceError> {
        // A function still applying a change (its creation, an update) answers ResourceConflict.
        let out = cx
            .retry_eventual("the function to be ready", crate::PROPAGATION_RETRY, || async {
                let sent = cx
                    .aws
                    .lambda()
                    .create_function_url_config()
                    .function_name(&p.function_name)
                    .set_qualifier(p.qualifier.clone())
                    .auth_type(FunctionUrlAuthType::from(p.auth_type.as_str()))
                    .invoke_mode(InvokeMode::from(p.invoke_mode.as_str()))
                    .set_cors(p.cors.as_ref().map(|c| sdk_cors(Some(c))))
                    .send()
                    .await;
                match sent {
                    Ok(out) => Ok(out),
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_conflict_exception()) => {
                        Err(Attempt::retry("CreateFunctionUrlConfig", e))
                    }
                    Err(e) => Err(Attempt::fail("CreateFunctionUrlConfig", e)),
                }
            })
            .await?;
        let arn = out.function_arn().to_string();
        Ok(Created::new(&arn, FunctionUrlAttrs { url: out.function_url().to_string(), function_arn: arn.clone() }))
    }

    async fn read(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        p: &FunctionUrlProps,
    ) -> Result<Option<Observed<FunctionUrlProps, FunctionUrlAttrs>>, ResourceError> {
        let (function, qualifier) = parts(id, p);
        let Some(out) = get(cx, &function, qualifier.as_deref()).await? else { return Ok(None) };
        let cors = out
            .cors()
            .map(|c| Cors {
                allow_origins: sorted(c.allow_origins()),
                allow_methods: sorted(c.allow_methods()),
                allow_headers: sorted(c.allow_headers()),
                expose_headers: sorted(c.expose_headers()),
                allow_credentials: c.allow_credentials().unwrap_or(false),
                max_age: c.max_age().map(i64::from),
            })
            .filter(|c| !c.is_empty());
        let props = FunctionUrlProps {
            // As the manifest names the function (name or ARN), when it is this one.
            function_name: if p.function_name.is_empty() || p.function_name == id { function.clone() } else { p.function_name.clone() },
            qualifier,
            auth_type: out.auth_type().as_str().to_string(),
            // The emulator spells the mode `Buffered`; AWS `BUFFERED`.
            invoke_mode: out.invoke_mode().map_or("BUFFERED".to_string(), |m| m.as_str().to_uppercase()),
            cors,
        };
        let attrs = FunctionUrlAttrs { url: out.function_url().to_string(), function_arn: id.to_string() };
        Ok(Some(Observed { props, attrs }))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        id: &str,
        _old: &FunctionUrlProps,
        new: &FunctionUrlProps,
    ) -> Result<Option<FunctionUrlAttrs>, ResourceError> {
        let (function, qualifier) = parts(id, new);
        cx.aws
            .lambda()
            .update_function_url_config()
            .function_name(function)
            .set_qualifier(qualifier)
            .auth_type(FunctionUrlAuthType::from(new.auth_type.as_str()))
            .invoke_mode(InvokeMode::from(new.invoke_mode.as_str()))
            // An empty Cors clears the settings a removed `cors` table had.
            .cors(sdk_cors(new.cors.as_ref()))
            .send()
            .await
            .api("UpdateFunctionUrlConfig")?;
        Ok(None)
    }

    async fn delete(&self, cx: &Ctx<'_>, id: &str, p: &FunctionUrlProps) -> Result<(), ResourceError> {
        let (function, qualifier) = parts(id, p);
        let req = cx.aws.lambda().delete_function_url_config().function_name(function).set_qualifier(qualifier);
        req.send().await.found("DeleteFunctionUrlConfig", |e| e.is_resource_not_found_exception())?;
        Ok(())
    }

    /// The URL of every function that has one (unqualified), by function ARN.
    async fn list(&self, cx: &Ctx<'_>) -> Result<Vec<String>, ResourceError> {
        let functions: Vec<String> = super::functions(cx).await?.iter().filter_map(|f| f.function_arn().map(str::to_string)).collect();
        let mut out = Vec::new();
        for function in functions {
            if let Some(url) = get(cx, &function, None).await? {
                out.push(url.function_arn().to_string());
            }
        }
        Ok(out)
    }
}
