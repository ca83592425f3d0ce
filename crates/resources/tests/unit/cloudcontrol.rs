//! `cloudcontrol.resource`'s pure parts: the facts shipped from AWS's schemas, which
//! changes replace the resource, the JSON Patch of an update, and how a model AWS
//! returns becomes properties and attributes.

use infra_resources::cloudcontrol::{carry, diff_segments, facts, patch, prune, touches, type_names};
use infra_resources::schema::Change;
use infra_resources::{registry, secrets};
use serde_json::json;

fn segs(p: &str) -> Vec<String> {
    p.split('/').map(str::to_string).collect()
}

#[test]
fn every_cloudformation_type_of_the_schemas_is_known() {
    assert!(type_names().count() > 1500, "the facts hold every type of cfn-lint's us-east-1 schemas");
    let pipe = facts("AWS::Pipes::Pipe").expect("AWS::Pipes::Pipe");
    assert_eq!(pipe.primary, vec![segs("Name")]);
    assert!(pipe.create_only.contains(&segs("Source")));
    assert!(pipe.read_only.contains(&segs("Arn")));
    assert!(pipe.write_only.contains(&segs("TargetParameters")));
    assert!(facts("AWS::Pipes::Pip").is_none());
}

#[test]
fn diff_paths_become_pointer_segments() {
    assert_eq!(diff_segments("properties.A.B[2].C"), vec!["A", "B", "2", "C"]);
    assert_eq!(diff_segments("properties"), Vec::<String>::new());
}

#[test]
fn a_change_replaces_only_where_it_touches_a_create_only_path() {
    let nested = segs("SourceParameters/KinesisStreamParameters/StartingPosition");
    let at = |p: &str| diff_segments(p);
    assert!(touches(&segs("Name"), &at("properties.Name"), &json!("a"), &json!("b")));
    assert!(!touches(&segs("Name"), &at("properties.Description"), &json!("a"), &json!("b")));
    assert!(touches(&nested, &at("properties.SourceParameters.KinesisStreamParameters.StartingPosition"), &json!(1), &json!(2)));
    // A whole table replaced: only when the create-only value inside it differs.
    let old = json!({"KinesisStreamParameters": {"StartingPosition": "LATEST", "BatchSize": 1}});
    let same = json!({"KinesisStreamParameters": {"StartingPosition": "LATEST", "BatchSize": 5}});
    let moved = json!({"KinesisStreamParameters": {"StartingPosition": "TRIM_HORIZON"}});
    assert!(!touches(&nested, &at("properties.SourceParameters"), &old, &same));
    assert!(touches(&nested, &at("properties.SourceParameters"), &old, &moved));
    assert!(touches(&segs("Items/*/Key"), &at("properties.Items[3].Key"), &json!("a"), &json!("b")));

    let kind = registry::resource("cloudcontrol.resource").expect("registered");
    let props = json!({"type_name": "AWS::Pipes::Pipe", "properties": {"Name": "p", "Source": "s"}});
    let change = |path: &str| Change { path: path.into(), old: json!("a"), new: json!("b"), replace: false };
    assert!(kind.forces_replace(&props, &change("properties.Source")));
    assert!(!kind.forces_replace(&props, &change("properties.Description")));
    assert!(!kind.forces_replace(&props, &change("type_name")), "type_name replaces by its own flag");
}

#[test]
fn a_patch_holds_only_what_changed() {
    let old = json!({"Name": "p", "Description": "a", "Gone": 1, "Nested": {"Keep": 1, "Change": [1, 2]}, "a/b": 1});
    let new = json!({"Name": "p", "Description": "b", "New": true, "Nested": {"Keep": 1, "Change": [1, 3]}, "a/b": 2});
    let ops = patch(&old, &new);
    assert_eq!(
        ops,
        vec![
            json!({"op": "remove", "path": "/Gone"}),
            json!({"op": "replace", "path": "/Description", "value": "b"}),
            json!({"op": "add", "path": "/New", "value": true}),
            json!({"op": "replace", "path": "/Nested/Change", "value": [1, 3]}),
            json!({"op": "replace", "path": "/a~1b", "value": 2}),
        ]
    );
    assert!(patch(&new, &new).is_empty());
}

#[test]
fn an_unchanged_secret_is_not_sent_again_and_a_changed_one_is() {
    secrets::register("cloudcontrol-unit-password-1");
    let recorded = json!({"MasterUserPassword": secrets::token("cloudcontrol-unit-password-1")});
    let same = json!({"MasterUserPassword": "cloudcontrol-unit-password-1"});
    assert!(patch(&recorded, &same).is_empty());
    let changed = json!({"MasterUserPassword": "cloudcontrol-unit-password-2"});
    assert_eq!(
        patch(&recorded, &changed),
        vec![json!({"op": "replace", "path": "/MasterUserPassword", "value": "cloudcontrol-unit-password-2"})]
    );
}

#[test]
fn what_aws_fills_in_is_cut_and_write_only_values_are_carried_over() {
    let applied = json!({"Name": "p", "Config": {"A": 1}, "Secret": "(sensitive:0000)", "Items": [{"K": "x", "Pw": "t"}]});
    let live = json!({"Name": "p", "Config": {"A": 1, "Default": 2}, "Extra": "aws", "Items": [{"K": "x", "Added": 1}]});
    let mut props = prune(&live, &applied);
    assert_eq!(props, json!({"Name": "p", "Config": {"A": 1}, "Items": [{"K": "x"}]}));
    carry(&mut props, &applied, &segs("Secret"));
    carry(&mut props, &applied, &segs("Items/*/Pw"));
    assert_eq!(props, json!({"Name": "p", "Config": {"A": 1}, "Secret": "(sensitive:0000)", "Items": [{"K": "x", "Pw": "t"}]}));
}

#[test]
fn unknown_types_read_only_and_short_write_only_values_are_refused() {
    let kind = registry::resource("cloudcontrol.resource").expect("registered");
    let problems = kind.check(&json!({"type_name": "AWS::Pipes::Pip", "properties": {}}));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].0, "type_name");
    assert!(problems[0].1.contains("`AWS::Pipes::Pip`"), "{problems:?}");
    let problems = kind.check(&json!({"type_name": "aws::pipes::pipe", "properties": {}}));
    assert!(problems[0].1.contains("did you mean `AWS::Pipes::Pipe`"), "{problems:?}");
    let problems = kind.check(&json!({"type_name": "AWS::Pipes::Pipe", "properties": {"Name": "p", "Arn": "x"}}));
    assert_eq!(problems.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), vec!["properties.Arn"]);
    let problems = kind.check(&json!({"type_name": "AWS::Redshift::Cluster", "properties": {"MasterUserPassword": "short"}}));
    assert_eq!(problems.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), vec!["properties.MasterUserPassword"]);
    assert!(kind.check(&json!({"type_name": "AWS::Pipes::Pipe", "properties": {"Name": "p"}})).is_empty());
    let attrs = kind.more_attributes(&json!({"type_name": "AWS::ElastiCache::ServerlessCache", "properties": {}}));
    assert!(attrs.contains(&"ARN".to_string()) && attrs.contains(&"Endpoint_Address".to_string()), "{attrs:?}");
}
