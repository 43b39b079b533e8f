//! The Network Firewall group: flow, alert and TLS logs of one firewall, one stack (one bucket,
//! one role, a queue and table per log type), as Microsoft's connector ships them.

use super::Group;

/// The group of [`super::DataType::NetworkFirewallFlow`], `NetworkFirewallAlert` and
/// `NetworkFirewallTls`.
pub(super) const GROUP: Group = Group {
    slug: "networkfirewall",
    label: "Network Firewall",
    // Microsoft's template names it `OIDC_MicrosoftSentinelRole_Networkfirewall` (42
    // characters): with the per-stack suffix (`-<region>-<8 hex>`, up to 24) that passes IAM's
    // 64-character limit, so this name keeps its words and fits.
    default_role: "OIDC_MicrosoftSentinelNetworkFirewall",
};

#[cfg(test)]
mod tests {
    use super::super::DataType;

    #[test]
    fn the_group_selects_its_three_logs_which_share_its_stack_and_role() {
        let members = DataType::select("networkfirewall").unwrap();
        assert_eq!(
            members,
            [
                DataType::NetworkFirewallFlow,
                DataType::NetworkFirewallAlert,
                DataType::NetworkFirewallTls
            ]
        );
        for d in members {
            assert_eq!(d.stack_slug(), "networkfirewall");
            assert_eq!(d.default_role(), super::GROUP.default_role);
            assert!(!d.entry().all_services);
            assert_eq!(
                format!("AWSLogs/1/{}/", d.key_segment()),
                format!("AWSLogs/1/network-firewall/{}/", &d.slug()[16..])
            );
        }
    }
}
