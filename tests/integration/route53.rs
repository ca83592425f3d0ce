//! Route 53 beyond the conformance examples: alias and weighted records changed in place,
//! a record adopted by id, and a zone that still holds records refusing to go.

use crate::harness::Env;

const DNS: &str = r#"
[resources.zone]
type = "route53.zone"
name = "shop.example.com"
comment = "The shop"

[resources.www]
type = "route53.record"
zone_id = "${resources.zone.zone_id}"
name = "www.shop.example.com"
record_type = "A"
ttl = 300
records = ["192.0.2.10"]

[resources.apex]
type = "route53.record"
zone_id = "${resources.zone.zone_id}"
name = "shop.example.com"
record_type = "A"
alias = { dns_name = "${resources.www.fqdn}", zone_id = "${resources.zone.zone_id}", evaluate_target_health = false }

[resources.blue]
type = "route53.record"
zone_id = "${resources.zone.zone_id}"
name = "api.shop.example.com"
record_type = "CNAME"
ttl = 60
records = ["blue.example.net"]
set_identifier = "blue"
weight = 90

[resources.green]
type = "route53.record"
zone_id = "${resources.zone.zone_id}"
name = "api.shop.example.com"
record_type = "CNAME"
ttl = 60
records = ["green.example.net"]
set_identifier = "green"
weight = 10
"#;

/// A live record set: `NAME TYPE [SET]`, its weight, its alias target's health flag and its values.
type Live = (String, Option<i64>, Option<bool>, Vec<String>);

fn records(env: &Env, zone: &str) -> Vec<Live> {
    let aws = env.aws();
    env.block_on(async {
        let out = aws.route53().list_resource_record_sets().hosted_zone_id(zone).send().await.unwrap();
        out.resource_record_sets()
            .iter()
            .map(|r| {
                let key = format!("{} {} {}", r.name(), r.r#type().as_str(), r.set_identifier().unwrap_or("")).trim_end().to_string();
                let values = r.resource_records().iter().map(|v| v.value().to_string()).collect();
                (key, r.weight(), r.alias_target().map(|a| a.evaluate_target_health()), values)
            })
            .collect()
    })
}

fn find<'a>(all: &'a [Live], key: &str) -> &'a Live {
    all.iter().find(|r| r.0 == key).unwrap_or_else(|| panic!("no record {key} in {all:?}"))
}

#[test]
fn alias_and_weighted_records_change_in_place_a_record_is_imported_by_id_and_a_zone_with_records_stays() {
    let env = Env::empty();
    env.write("modules/dns.toml", DNS);
    env.infra(&["up", "dns"]).ok();
    let zone = env.state()["modules"]["dns"]["resources"]["zone"]["id"].as_str().unwrap().to_string();
    let live = records(&env, &zone);
    assert_eq!(find(&live, "shop.example.com. A").2, Some(false), "the apex is an alias: {live:?}");
    assert_eq!(find(&live, "api.shop.example.com. CNAME blue").1, Some(90));
    assert_eq!(find(&live, "api.shop.example.com. CNAME green").1, Some(10));
    assert_eq!(find(&live, "www.shop.example.com. A").3, vec!["192.0.2.10"]);

    // The alias's health check and a weight are changed in place, nothing replaced.
    let changed = DNS.replace("evaluate_target_health = false", "evaluate_target_health = true").replace("weight = 10", "weight = 50");
    env.write("modules/dns.toml", &changed);
    let plan = env.infra(&["plan", "dns", "--detailed-exitcode"]);
    plan.code(2);
    assert!(plan.stdout.contains("~ dns.apex") && plan.stdout.contains("~ dns.green"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("-/+"), "in place: {}", plan.stdout);
    env.infra(&["up", "dns"]).ok();
    let live = records(&env, &zone);
    assert_eq!(find(&live, "shop.example.com. A").2, Some(true), "{live:?}");
    assert_eq!(find(&live, "api.shop.example.com. CNAME green").1, Some(50));
    assert_eq!(find(&live, "api.shop.example.com. CNAME blue").1, Some(90), "the other weighted record is untouched");
    env.infra(&["plan", "dns", "--detailed-exitcode"]).code(0);

    // A record the state forgot is refused as not ours, then adopted by its id.
    let id = format!("{zone}_www.shop.example.com_A");
    assert_eq!(env.state()["modules"]["dns"]["resources"]["www"]["id"], id.as_str());
    env.infra(&["state", "rm", "dns.www"]).ok();
    let refused = env.infra(&["plan", "dns"]);
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(refused.stderr.contains(&format!("infra import dns.www {id}")), "{}", refused.stderr);
    env.infra(&["import", "dns.www", &id]).ok();
    env.infra(&["plan", "dns", "--detailed-exitcode"]).code(0);

    // A zone still holding a record infra does not manage is not deleted with it.
    env.infra(&["state", "rm", "dns.www"]).ok();
    let down = env.infra(&["down", "dns", "--yes"]);
    assert_eq!(down.code, 1, "{}", down.all());
    assert!(down.all().contains("www.shop.example.com A"), "the error names the record:\n{}", down.all());
    assert!(down.all().contains("dns.zone"), "and the zone's address:\n{}", down.all());
    let live = records(&env, &zone);
    assert!(live.iter().any(|r| r.0 == "www.shop.example.com. A"), "{live:?}");
    assert!(!live.iter().any(|r| r.0.starts_with("api.")), "the managed records went: {live:?}");

    // Discovery lists the record left behind.
    let found = env.infra(&["import", "--discover", "--name-prefix", "www.shop", "--dry-run"]);
    found.ok();
    assert!(found.stdout.contains("route53.record"), "{}", found.all());
    assert!(found.stdout.contains("www.shop.example.com"), "{}", found.all());
}
