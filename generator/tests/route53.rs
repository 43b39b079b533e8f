//! The Route 53 Resolver stack resolved for concrete `VpcIds` (see `access::template`): no query
//! logging configuration without VPCs or with an existing bucket, one association per listed VPC
//! up to the documented maximum, and a longer or malformed list refused by the parameter's
//! pattern before anything is created.

use access::template::{text, Stack};
use generator::facts::{Cloud, DataType};
use generator::stacks::{StackKind, StackSpec};
use serde_json::Value;

const MAX: usize = 10;

fn template(cloud: Cloud) -> Value {
    StackSpec {
        kind: StackKind::of_data_type(DataType::Route53),
        cloud,
    }
    .build()
    .to_value()
}

fn vpc(i: usize) -> String {
    format!("vpc-{i:017x}")
}

/// The VPC IDs the stack associates, in association order.
fn associated(st: &Stack) -> Vec<String> {
    (1..=MAX)
        .filter(|k| {
            st.creates(&format!("ResolverQueryLogVpcAssociation{k}"))
                .unwrap()
        })
        .map(|k| {
            let id = format!("ResolverQueryLogVpcAssociation{k}");
            let config = st.property(&id, &["ResolverQueryLogConfigId"]).unwrap();
            assert_eq!(config, st.reference("ResolverQueryLogConfig").unwrap());
            text(&st.property(&id, &["ResourceId"]).unwrap())
        })
        .collect()
}

#[test]
fn one_association_per_listed_vpc_and_none_without_vpcs() {
    for cloud in [Cloud::Commercial, Cloud::Government] {
        let t = template(cloud);
        let base = [(
            "SentinelWorkspaceId",
            "6f1a9b2c-1234-4abc-9def-0123456789ab",
        )];
        let st = Stack::checked(&t, &to_owned(&base)).unwrap();
        assert!(!st.creates("ResolverQueryLogConfig").unwrap());
        assert!(associated(&st).is_empty());
        assert_eq!(st.output("ResolverQueryLogConfigId").unwrap(), None);
        for n in [1, 3, MAX] {
            let ids: Vec<String> = (0..n).map(vpc).collect();
            let list = ids.join(",");
            let params = to_owned(&[base[0], ("VpcIds", list.as_str())]);
            let st = Stack::checked(&t, &params).unwrap();
            assert!(st.creates("ResolverQueryLogConfig").unwrap(), "{n}");
            assert_eq!(associated(&st), ids, "{n} VPCs");
            assert!(st.output("ResolverQueryLogConfigId").unwrap().is_some());
            // An existing bucket: its owner set up delivery, the stack creates none.
            let mut existing = params.clone();
            existing.push(("UseExistingBucket".into(), "true".into()));
            existing.push(("BucketName".into(), "existing-log-archive".into()));
            let st = Stack::checked(&t, &existing).unwrap();
            assert!(!st.creates("ResolverQueryLogConfig").unwrap());
            assert!(associated(&st).is_empty());
        }
    }
}

#[test]
fn the_vpc_list_is_checked_before_anything_is_created() {
    let t = template(Cloud::Commercial);
    let p = &t["Parameters"]["VpcIds"];
    assert_eq!(p["Type"], "String");
    let pattern = regex::Regex::new(p["AllowedPattern"].as_str().unwrap()).unwrap();
    let too_many: Vec<String> = (0..=MAX).map(vpc).collect();
    for bad in [
        too_many.join(","),
        format!("{}, {}", vpc(1), vpc(2)),
        format!("{},", vpc(1)),
        "vpc-1".to_string(),
    ] {
        assert!(!pattern.is_match(&bad), "{bad}");
        let params = vec![
            (
                "SentinelWorkspaceId".to_string(),
                "6f1a9b2c-1234-4abc-9def-0123456789ab".to_string(),
            ),
            ("VpcIds".to_string(), bad.clone()),
        ];
        let Err(e) = Stack::checked(&t, &params) else {
            panic!("{bad}: accepted")
        };
        let e = e.to_string();
        assert!(e.contains("VpcIds") && e.contains("1 to 10 VPC IDs"), "{e}");
    }
}

fn to_owned(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
