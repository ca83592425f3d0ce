//! Accounts per environment (`[env.NAME]` in infra.toml): a role assumed through STS or
//! a profile puts each environment in its own account (moto maps a role's temporary
//! credentials to the role's account), the state records that account, and a run that
//! resolves to another one is refused before anything changes.

use aws_sdk_sts::config::Credentials;

use crate::harness::{Env, Run, ACCOUNT};

const PROD: &str = "111111111111";

fn run(cmd: &mut std::process::Command) -> Run {
    let out = cmd.output().expect("run infra");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn with_queue(env: &Env) {
    env.write("modules/app.toml", "[resources.jobs]\ntype = \"sqs.queue\"\nname = \"jobs-${env}\"\n");
}

/// SDK settings acting in `account` and `region` through a role there, as a reader
/// outside infra would.
pub(crate) fn sdk_in(env: &Env, account: &str, region: &str) -> aws_config::SdkConfig {
    env.block_on(async {
        let sts = aws_sdk_sts::Client::new(&env.sdk);
        let role = format!("arn:aws:iam::{account}:role/reader");
        let out = sts.assume_role().role_arn(role).role_session_name("test-reader").send().await.unwrap();
        let c = out.credentials.unwrap();
        let creds = Credentials::new(c.access_key_id, c.secret_access_key, Some(c.session_token), None, "test-reader");
        let sdk = env
            .sdk
            .clone()
            .into_builder()
            .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(creds))
            .region(aws_config::Region::new(region.to_string()))
            .build();
        let who = aws_sdk_sts::Client::new(&sdk).get_caller_identity().send().await.unwrap();
        assert_eq!(who.account(), Some(account), "the reader is in {account}");
        sdk
    })
}

/// The queue names in `account` and `region`.
fn queues_in(env: &Env, account: &str, region: &str) -> Vec<String> {
    let sqs = aws_sdk_sqs::Client::new(&sdk_in(env, account, region));
    let urls = env.block_on(sqs.list_queues().send()).unwrap().queue_urls.unwrap_or_default();
    urls.iter().map(|u| u.rsplit('/').next().unwrap_or_default().to_string()).collect()
}

fn module_state(status: &Run, module: &str) -> String {
    let doc: serde_json::Value = serde_json::from_str(&status.stdout).unwrap_or_else(|e| panic!("{e}: {}", status.stdout));
    let found = doc["modules"].as_array().unwrap().iter().find(|m| m["module"] == module);
    found.map(|m| m["state"].as_str().unwrap_or_default().to_string()).unwrap_or_default()
}

#[test]
fn an_environment_with_a_role_lives_in_the_roles_account_and_is_refused_another() {
    let env = Env::empty();
    with_queue(&env);
    env.write("infra.toml", "[env.prod]\nrole_arn = \"arn:aws:iam::111111111111:role/deploy\"\n");

    env.infra(&["up", "app"]).ok();
    env.infra(&["-e", "prod", "up", "app"]).ok();
    assert_eq!(env.state_of("dev")["account"], ACCOUNT, "dev keeps the credentials of the environment");
    assert_eq!(env.state_of("prod")["account"], PROD, "prod is bound to the role's account");
    let assumed: Vec<_> = env.proxy.calls().into_iter().filter(|c| c.operation == "AssumeRole").collect();
    assert!(!assumed.is_empty(), "the role was assumed through STS");
    assert!(
        assumed.iter().all(|c| c.body.contains("RoleSessionName=infra-prod") && c.body.contains("111111111111%3Arole%2Fdeploy")),
        "session named after the environment: {:?}",
        assumed.iter().map(|c| &c.body).collect::<Vec<_>>()
    );
    let prod = queues_in(&env, PROD, "us-east-1");
    let default = queues_in(&env, ACCOUNT, "us-east-1");
    assert!(prod.contains(&"jobs-prod".to_string()) && !prod.contains(&"jobs-dev".to_string()), "{prod:?}");
    assert!(default.contains(&"jobs-dev".to_string()) && !default.contains(&"jobs-prod".to_string()), "{default:?}");

    // status reads AWS as prod's role: the queue is found in 111111111111.
    let status = env.infra(&["-e", "prod", "status", "--json"]);
    assert_eq!(module_state(status.ok(), "app"), "deployed", "{}", status.stdout);
    env.infra(&["-e", "prod", "plan", "app", "--detailed-exitcode"]).ok();

    // prod's table now points at another account: refused before anything changes.
    env.write("infra.toml", "[env.prod]\nrole_arn = \"arn:aws:iam::222222222222:role/deploy\"\n");
    env.write("modules/app.toml", "[resources.jobs]\ntype = \"sqs.queue\"\nname = \"jobs-${env}\"\nvisibility_timeout_seconds = 45\n");
    env.proxy.clear();
    for r in [env.infra(&["-e", "prod", "up", "app"]), env.infra(&["-e", "prod", "down", "--all", "--yes"])] {
        r.code(1);
        assert!(r.stderr.contains("belongs to account 111111111111 in us-east-1"), "{}", r.stderr);
        assert!(r.stderr.contains("resolves to account 222222222222 in us-east-1"), "{}", r.stderr);
        assert!(r.stderr.contains("assumed-role/deploy/infra-prod"), "names who the run acted as: {}", r.stderr);
    }
    let writes: Vec<_> = env.proxy.writes().into_iter().filter(|c| c.operation != "AssumeRole").collect();
    assert!(writes.is_empty(), "nothing changed: {writes:?}");
    assert!(queues_in(&env, "222222222222", "us-east-1").is_empty());
    assert_eq!(env.state_of("prod")["account"], PROD);

    // STS refusing the role is told as that, naming the role and where it was set.
    env.write("infra.toml", "[env.prod]\nrole_arn = \"arn:aws:iam::111111111111:role/deploy\"\n");
    let denied = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                  <Message>not authorized to perform: sts:AssumeRole</Message></Error><RequestId>t</RequestId></ErrorResponse>";
    env.proxy.script(crate::proxy::Scripted {
        operation: "AssumeRole".into(),
        times: 100,
        status: 403,
        headers: vec![("content-type", "text/xml".into())],
        body: denied.into(),
    });
    let r = env.infra(&["-e", "prod", "plan", "app"]);
    r.code(1);
    assert!(
        r.stderr.contains("cannot assume role arn:aws:iam::111111111111:role/deploy (infra.toml:1 [env.prod])")
            && r.stderr.contains("AccessDenied"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_environment_with_a_profile_uses_it_and_the_command_line_wins() {
    let env = Env::empty();
    with_queue(&env);
    env.write(".aws/credentials", "[base]\naws_access_key_id = basekey\naws_secret_access_key = basesecret\n");
    env.write(
        ".aws/config",
        "[profile base]\nregion = us-east-1\n\n[profile stage-deploy]\nrole_arn = arn:aws:iam::333333333333:role/deploy\nsource_profile = base\n",
    );
    env.write("infra.toml", "[env.stage]\nprofile = \"stage-deploy\"\nregion = \"eu-west-1\"\n\n[env.qa]\nprofile = \"nosuch\"\n\n[env.ci]\nprofile = \"stage-deploy\"\n");

    // The table's region wins over AWS_REGION (us-east-1 in every test run).
    env.infra(&["-e", "stage", "up", "app"]).ok();
    let state = env.state_of("stage");
    assert_eq!((state["account"].as_str(), state["region"].as_str()), (Some("333333333333"), Some("eu-west-1")));
    assert_eq!(queues_in(&env, "333333333333", "eu-west-1"), ["jobs-stage"]);
    assert!(queues_in(&env, ACCOUNT, "eu-west-1").is_empty() && queues_in(&env, ACCOUNT, "us-east-1").is_empty());
    // ... and over AWS_PROFILE, which is for every environment.
    let status = run(env.command(&["-e", "stage", "status", "--json"]).env("AWS_PROFILE", "base"));
    assert_eq!(module_state(status.ok(), "app"), "deployed", "{}", status.stdout);

    // The command line wins over the table: here both lead away from the state.
    let region = env.infra(&["-e", "stage", "plan", "app", "--region", "us-east-1"]);
    region.code(1);
    assert!(
        region.stderr.contains("belongs to account 333333333333 in eu-west-1, but this run resolves to account 333333333333 in us-east-1"),
        "{}",
        region.stderr
    );
    let profile = env.infra(&["-e", "stage", "plan", "app", "--profile", "base"]);
    profile.code(1);
    assert!(
        profile.stderr.contains("belongs to account 333333333333 in eu-west-1, but this run resolves to account 123456789012 in eu-west-1"),
        "{}",
        profile.stderr
    );

    // A profile that assumes a role, with no region in the table or the profile: STS is
    // asked in the run's region (AWS_REGION here).
    let ci = env.infra(&["-e", "ci", "plan", "app"]);
    assert!(ci.ok().stdout.contains("+ app.jobs"), "{}", ci.stdout);

    let missing = env.infra(&["-e", "qa", "plan", "app"]);
    missing.code(1);
    assert!(missing.stderr.contains("AWS profile `nosuch` does not exist"), "{}", missing.stderr);
    assert!(missing.stderr.contains("`profile` in infra.toml:5 [env.qa]"), "names where it was set: {}", missing.stderr);
}

#[test]
fn the_s3_state_of_an_environment_with_a_role_is_kept_with_the_roles_credentials() {
    let env = Env::empty();
    with_queue(&env);
    env.write(
        "infra.toml",
        "[state]\nbackend = \"s3\"\nbucket = \"prod-infra-state\"\n\n[env.prod]\nrole_arn = \"arn:aws:iam::111111111111:role/deploy\"\n",
    );
    env.infra(&["-e", "prod", "state", "init-backend"]).ok();
    env.infra(&["-e", "prod", "up", "app"]).ok();
    let s3 =
        aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk_in(&env, PROD, "us-east-1")).force_path_style(true).build());
    let (owner, state) = env.block_on(async {
        let buckets = s3.list_buckets().send().await.unwrap();
        let owner = buckets.owner().and_then(|o| o.id()).unwrap_or_default().to_string();
        assert!(buckets.buckets().iter().any(|b| b.name() == Some("prod-infra-state")), "the bucket is in {PROD}: {buckets:?}");
        let doc = s3.get_object().bucket("prod-infra-state").key("prod.json").send().await.unwrap();
        (owner, serde_json::from_slice::<serde_json::Value>(&doc.body.collect().await.unwrap().to_vec()).unwrap())
    });
    assert_eq!(state["account"], PROD, "owner {owner}");
    assert!(state["modules"]["app"]["resources"]["jobs"].is_object(), "{state}");
    assert_eq!(queues_in(&env, PROD, "us-east-1"), ["jobs-prod"]);
    let mine = env.block_on(env.s3().list_buckets().send()).unwrap();
    assert!(mine.buckets().iter().all(|b| b.name() != Some("prod-infra-state")), "not in the default account: {mine:?}");
}
