//! The ELB group: Application Load Balancer access logs, Network Load Balancer access logs,
//! and the flow logs of Network and Gateway Load Balancer interfaces; one stack (one bucket,
//! one role, a queue and table per collector), as Microsoft's ELB connector ships them.

use super::Group;

/// The group of [`super::DataType::ElbAlb`], `ElbNlb`, `ElbNlbFlow` and `ElbGwlbFlow`.
pub(super) const GROUP: Group = Group {
    slug: "elb",
    label: "Elastic Load Balancing",
    // Microsoft's template (`AWSS3ELB.json`) takes the role name as a parameter like the
    // others; an ELB-specific default keeps the stacks side by side in one account.
    default_role: "OIDC_MicrosoftSentinelELBRole",
};

#[cfg(test)]
mod tests {
    use super::super::DataType;

    #[test]
    fn the_group_selects_its_four_collectors_with_distinct_key_prefixes() {
        let members = DataType::select("elb").unwrap();
        assert_eq!(
            members,
            [
                DataType::ElbAlb,
                DataType::ElbNlb,
                DataType::ElbNlbFlow,
                DataType::ElbGwlbFlow
            ]
        );
        for d in &members {
            assert_eq!(d.stack_slug(), "elb");
            assert_eq!(d.default_role(), super::GROUP.default_role);
            assert!(!d.default_key_prefix().is_empty());
        }
        // ALB and NLB write the same key segment: only their key prefixes keep the
        // notifications apart.
        assert_eq!(
            DataType::ElbAlb.key_segment(),
            DataType::ElbNlb.key_segment()
        );
        assert_ne!(
            DataType::ElbAlb.default_key_prefix(),
            DataType::ElbNlb.default_key_prefix()
        );
        // The two flow-log collectors share a table; their rows carry their LogType.
        let flow = |log_type: &str| {
            crate::tables::TableRow::new(crate::tables::AwsElbFlowLogs::<String, String> {
                LogType: log_type.into(),
                ..Default::default()
            })
        };
        assert!(DataType::ElbNlbFlow.owns(&flow("NLB")));
        assert!(!DataType::ElbNlbFlow.owns(&flow("GWLB")));
        assert!(DataType::ElbGwlbFlow.owns(&flow("GWLB")));
        assert!(!DataType::ElbAlb.owns(&flow("NLB")));
        let mut prefixes: Vec<_> = members.iter().map(|d| d.default_key_prefix()).collect();
        prefixes.sort_unstable();
        prefixes.dedup();
        assert_eq!(prefixes.len(), 4);
    }
}
